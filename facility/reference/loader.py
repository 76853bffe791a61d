"""Loads the reference data shipped in reference/data/ (sources in data/SOURCES.md).

Idempotent: rows are inserted when missing and updated when they differ, so that running
`facility db upgrade` again after a data refresh brings an existing database in step.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from sqlmodel import Session, SQLModel, select

from facility.reference import names
from facility.reference.models import (
    RegionalGroup,
    SdgGoal,
    SdgTarget,
    State,
    StateAlias,
    Theme,
    ThemeAlias,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
SDG_LANGUAGES = ("en", "fr", "es", "ar", "ru", "zh-Hans")
# UNTERM's columns name Chinese "zh"; the facility keys it "zh-Hans" as the SDG texts do.
UNTERM_LANGUAGES = {"en": "en", "fr": "fr", "es": "es", "ar": "ar", "ru": "ru", "zh": "zh-Hans"}

def read_csv(name: str) -> Iterator[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def normalise_theme_name(name: str) -> str:
    """Compare theme names across spellings: no UHRI code prefix, '&' as 'and', no case."""
    name = re.sub(r"^[A-Z]\d+\s+", "", name.strip())
    name = name.replace("&", " and ")
    return re.sub(r"\s+", " ", name).strip().lower()


def _upsert(session: Session, model: type[SQLModel], key: str, rows: list[dict]) -> None:
    existing = {getattr(obj, key): obj for obj in session.exec(select(model)).all()}
    for row in rows:
        obj = existing.get(row[key])
        if obj is None:
            session.add(model(**row))
            continue
        for field, value in row.items():
            if getattr(obj, field) != value:
                setattr(obj, field, value)
    session.flush()


def _unterm_names() -> dict[str, tuple[dict[str, str], dict[str, str]]]:
    """ISO3 -> (short names, formal names) per language, from UNTERM (and the two States its
    extract lacks, entered by the project from UNTERM's entries)."""
    found = {}
    for source in ("unterm_state_names.csv", "unterm_state_names_supplement.csv"):
        for row in read_csv(source):
            short = {ours: names.short_name(row[f"short_{theirs}"])
                     for theirs, ours in UNTERM_LANGUAGES.items()}
            formal = {ours: names.formal_name(row[f"formal_{theirs}"])
                      for theirs, ours in UNTERM_LANGUAGES.items()}
            found[row["iso3"]] = (short, formal)
    return found


@cache
def state_names() -> dict[str, dict[str, str]]:
    """ISO3 -> the State's short name per UN language (as the `state` table holds them), for
    the pages that name a State they know only by its code."""
    return {code: short for code, (short, _formal) in _unterm_names().items()}


@cache
def theme_names() -> dict[str, dict[str, str]]:
    """A theme's name (its identifier) -> its name per UN language, as the `theme` table holds."""
    return {row["name"]: {lang: row[lang] for lang in SDG_LANGUAGES if row[lang]}
            for row in read_csv("theme_translations.csv")}


def load_reference_data(session: Session) -> None:
    """Insert or refresh groups, States, aliases, themes and SDGs."""
    _upsert(
        session, RegionalGroup, "code",
        [{"code": code, "name": by_language["en"], "names": by_language}
         for code, by_language in names.GROUP_NAMES.items()],
    )
    unterm = _unterm_names()
    members = list(read_csv("un_member_states_regional_groups.csv"))
    states = []
    for row in members:
        short, formal = unterm[row["iso3"]]
        states.append({
            "code": row["iso3"],
            "iso2": row["iso2"],
            "m49": row["m49"],
            "name": short["en"],
            "official_name": formal["en"],
            "names": short,
            "formal_names": formal,
            "regional_group_code": row["un_regional_group_code"] or None,
            "is_observer": row["un_status"] != "member",
        })
    _upsert(session, State, "code", states)

    aliases: dict[str, str] = {}
    for row in members:  # the common English spellings ("Ivory Coast") still find the State
        aliases[row["name_common"]] = row["iso3"]
        aliases[row["name_official"]] = row["iso3"]
    for state in states:
        aliases[state["name"]] = state["code"]
        aliases[state["official_name"]] = state["code"]
    for row in read_csv("country_name_aliases_to_iso3.csv"):
        if row["iso3"]:
            aliases[row["name_as_in_upr_data"]] = row["iso3"]
    _upsert(
        session, StateAlias, "name",
        [{"name": name, "state_code": code} for name, code in sorted(aliases.items())],
    )

    translations = theme_names()
    existing_themes = {t.name: t for t in session.exec(select(Theme)).all()}
    for row in read_csv("themes.csv"):
        theme = existing_themes.get(row["name"])
        by_language = dict(translations.get(row["name"], {"en": row["name"]}))
        if theme is None:
            session.add(Theme(name=row["name"], names=by_language))
        elif theme.names != by_language:
            theme.names = by_language
    session.flush()
    theme_ids = {t.name: t.id for t in session.exec(select(Theme)).all()}
    theme_aliases = {
        normalise_theme_name(row["uhri_theme"]): theme_ids[row["upr_info_theme"]]
        for row in read_csv("uhri_themes_to_upr_info.csv")
    }
    _upsert(
        session, ThemeAlias, "name",
        [{"name": name, "theme_id": tid} for name, tid in sorted(theme_aliases.items())],
    )

    goals = [
        {
            "number": int(row["goal"]),
            "titles": {lang: row[f"title_{lang}"] for lang in SDG_LANGUAGES},
            "short_titles": {lang: row[f"short_{lang}"] for lang in SDG_LANGUAGES},
        }
        for row in read_csv("sdg_goals.csv")
    ]
    _upsert(session, SdgGoal, "number", goals)
    targets = [
        {
            "code": row["target"],
            "goal_number": int(row["goal"]),
            "titles": {lang: row[f"title_{lang}"] for lang in SDG_LANGUAGES},
        }
        for row in read_csv("sdg_targets.csv")
    ]
    _upsert(session, SdgTarget, "code", targets)
