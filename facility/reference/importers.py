"""Imports recommendations from the UPR Info export and the UHRI thematic-list CSV formats.

An import runs in two phases. First the whole file is read and every row is checked
against the reference data (States, themes, SDG goals); any problem refuses the file as a
whole, with every problem listed, before anything is written (unless `skip_invalid`).
Then the valid rows are upserted on `source_id` in chunks with bulk Core statements: new
rows are inserted, rows whose content differs are updated (and only their theme and SDG
links replaced), identical rows are left alone, so re-importing a file changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TextIO

from sqlalchemy import bindparam, delete, insert, select, update
from sqlmodel import Session

from facility.numbers import whole_number
from facility.reference.loader import normalise_theme_name
from facility.reference.models import (
    Recommendation,
    RecommendationResponse,
    RecommendationSdg,
    RecommendationTheme,
    SdgGoal,
    State,
    StateAlias,
    Theme,
    ThemeAlias,
)
from facility.timeutil import utcnow
from facility.validation import EARLIEST_DATE, LATEST_DATE, forbidden_character

Format = Literal["upr-info", "uhri"]
FORMATS: tuple[Format, ...] = ("upr-info", "uhri")
Progress = Callable[[int, int], None]

CHUNK_SIZE = 2000  # rows per round trip; keeps IN lists well under SQLite's bind limit
MAX_JOINED_PARTS = 4  # a theme name may itself contain the list separator this many times

RESPONSES = {
    "accepted": RecommendationResponse.SUPPORTED,
    "supported": RecommendationResponse.SUPPORTED,
    "noted": RecommendationResponse.NOTED,
}
RESPONSE_WORDS: dict[Format, str] = {"upr-info": "Accepted, Noted", "uhri": "Supported, Noted"}

# Every column the importer compares to decide whether a stored row must be updated.
CONTENT_COLUMNS = (
    "source", "state_code", "recommending_state_code", "recommended_by", "mechanism",
    "cycle", "session", "year", "text", "response", "action_category", "source_themes",
    "document",
)
# Column sizes of the recommendation table, checked here so that no row fails on insert:
# (field, its column in each format, limit).
MAX_LENGTHS = (
    ("source_id", {"upr-info": "rec_id", "uhri": "rec_id"}, 64),
    ("recommended_by", {"upr-info": "From", "uhri": "recommending_states"}, 400),
    ("document", {"upr-info": "", "uhri": "source_of_position"}, 200),
)


@dataclass(frozen=True)
class ImportProblem:
    """One reason a row (or the file) cannot be imported."""

    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f', column "{self.column}"' if self.column else "")
        return f"{where}: {self.message}"


class RecommendationImportError(Exception):
    """The file was refused as a whole; nothing was written."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the file, first: {problems[0]}")


@dataclass
class ImportReport:
    """What an import did."""

    fmt: Format
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    unknown_themes: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


@dataclass
class _Row:
    """A validated row: the recommendation's columns and its links."""

    values: dict
    theme_ids: frozenset[int]
    sdgs: frozenset[int]
    unknown_themes: tuple[str, ...]

    def content(self) -> tuple:
        return (*(self.values[c] for c in CONTENT_COLUMNS), self.theme_ids, self.sdgs)


# --- name matching -------------------------------------------------------------------------


def fold_name(name: str) -> str:
    """Compare State names across spellings: no case, accents, curly quotes or '&'."""
    name = unicodedata.normalize("NFKD", name)
    name = "".join(ch for ch in name if not unicodedata.combining(ch))
    name = name.replace("\u2019", "'").replace("\u2018", "'").replace("&", " and ")
    return " ".join(name.casefold().split())


def theme_key(name: str) -> str:
    """normalise_theme_name, also treating ';' as ',' (UHRI writes both in one name)."""
    return re.sub(r"\s*[;,]\s*", ", ", normalise_theme_name(name))


class _Lookups:
    """Reference data preloaded into dicts, so that validating a row costs no query."""

    def __init__(self, session: Session) -> None:
        self.state_codes = set(session.execute(select(State.code)).scalars())
        self.states: dict[str, str] = {}
        folded: dict[str, str | None] = {}
        for name, code in session.execute(select(StateAlias.name, StateAlias.state_code)):
            self.states[name] = code
            key = fold_name(name)
            # A folded spelling shared by two States would be a guess: drop it.
            folded[key] = code if folded.get(key, code) == code else None
        self.folded_states = {k: v for k, v in folded.items() if v}
        self.theme_ids = dict(session.execute(select(Theme.name, Theme.id)).all())
        self.theme_keys = {theme_key(name): tid for name, tid in self.theme_ids.items()}
        for name, tid in session.execute(select(ThemeAlias.name, ThemeAlias.theme_id)):
            self.theme_keys.setdefault(theme_key(name), tid)
        self.sdg_goals = set(session.execute(select(SdgGoal.number)).scalars())
        # Exports repeat the same few hundred names: resolve each spelling once.
        self._state_memo: dict[str, str | None] = {}
        self._theme_memo: dict[str, int | None] = {}

    def state(self, name: str) -> str | None:
        """ISO3 code of a State name: exact alias, then folded spelling, then the code itself."""
        if name not in self._state_memo:
            clean = name.strip()
            code = self.states.get(clean) or self.folded_states.get(fold_name(clean))
            if code is None and clean.upper() in self.state_codes:
                code = clean.upper()
            self._state_memo[name] = code
        return self._state_memo[name]

    def theme(self, name: str) -> int | None:
        """Theme id of a UPR Info theme name or of a UHRI theme (via ThemeAlias)."""
        if name not in self._theme_memo:
            tid = self.theme_ids.get(name) or self.theme_keys.get(theme_key(name))
            self._theme_memo[name] = tid
        return self._theme_memo[name]


def split_themes(raw: str, sep: str, lookups: _Lookups) -> list[str]:
    """Split a theme list, keeping together the names that contain the separator.

    UHRI writes "Children: definition; general principles; protection" in a '; ' list, so
    consecutive parts are joined when the joined name is a known theme; an unknown part
    absorbs the parts that follow it in lower case, which are never a theme's start.
    """
    parts = [p.strip() for p in raw.split(sep) if p.strip()]
    names: list[str] = []
    i = 0
    while i < len(parts):
        for j in range(min(len(parts), i + MAX_JOINED_PARTS), i, -1):
            candidate = f"{sep} ".join(parts[i:j])
            if lookups.theme(candidate) is not None:
                break
        else:
            j = i + 1
            while j < len(parts) and parts[j][0].islower():
                j += 1
            candidate = f"{sep} ".join(parts[i:j])
        names.append(candidate)
        i = j
    return names


# --- reading and validating ----------------------------------------------------------------


def _column_key(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.casefold())


COLUMNS: dict[Format, tuple[str, ...]] = {
    "upr-info": ("rec_id", "cycle", "To", "Text", "From", "Response", "Action", "Issue",
                 "Session"),
    "uhri": ("rec_id", "cycle", "session", "year", "state_under_review", "sur_iso3",
             "recommendation", "recommending_states", "position", "source_of_position",
             "themes", "sdgs"),
}
REQUIRED: dict[Format, tuple[str, ...]] = {
    "upr-info": ("rec_id", "To", "Text", "Response"),
    "uhri": ("rec_id", "recommendation", "position"),
}


class _RowChecker:
    """Turns one CSV record into a _Row, recording every problem it finds."""

    def __init__(self, fmt: Format, lookups: _Lookups) -> None:
        self.fmt, self.lookups = fmt, lookups
        self.problems: list[ImportProblem] = []
        self.line = 0

    def problem(self, column: str | None, message: str) -> None:
        self.problems.append(ImportProblem(self.line, column, message))

    def required(self, rec: dict[str, str], column: str) -> str:
        value = rec.get(column, "")
        if not value:
            self.problem(column, "is required and empty")
        return value

    def integer(
        self, rec: dict[str, str], column: str, low: int = 1, high: int = 9999
    ) -> int | None:
        value = rec.get(column, "")
        if not value:
            return None
        number = whole_number(value, max_digits=len(str(high)))
        if number is None or not low <= number <= high:
            self.problem(column, f'"{value[:20]}" is not a whole number from {low} to {high}')
            return None
        return number

    def response(self, rec: dict[str, str], column: str) -> str | None:
        value = self.required(rec, column)
        if value and value.casefold() not in RESPONSES:
            self.problem(column, f'"{value}" is not one of {RESPONSE_WORDS[self.fmt]}')
        return RESPONSES.get(value.casefold())

    def state(self, rec: dict[str, str], column: str) -> str | None:
        value = self.required(rec, column)
        code = self.lookups.state(value) if value else None
        if value and code is None:
            self.problem(column, f'"{value}" is not a known State name (see state_alias)')
        return code

    def themes(self, raw: str, sep: str) -> tuple[frozenset[int], tuple[str, ...]]:
        """Known theme ids and unknown theme names (kept in source_themes only)."""
        names = split_themes(raw, sep, self.lookups)
        ids = [self.lookups.theme(name) for name in names]
        known = frozenset(tid for tid in ids if tid is not None)
        return known, tuple(name for name, tid in zip(names, ids, strict=True) if tid is None)

    def upr_info(self, rec: dict[str, str]) -> _Row:
        recommended_by = rec.get("From", "")
        values = {
            "source": "upr-info",
            "source_id": self.required(rec, "rec_id"),
            "state_code": self.state(rec, "To"),
            "recommending_state_code": self.lookups.state(recommended_by),
            "recommended_by": recommended_by,
            "mechanism": "UPR",
            "cycle": self.integer(rec, "cycle"),
            "session": self.integer(rec, "Session"),
            "year": None,
            "text": self.required(rec, "Text"),
            "response": self.response(rec, "Response"),
            "action_category": self.integer(rec, "Action", 1, 5),
            "source_themes": rec.get("Issue", ""),
            "document": None,
        }
        theme_ids, unknown = self.themes(values["source_themes"], ",")
        return _Row(values, theme_ids, frozenset(), unknown)

    def uhri(self, rec: dict[str, str]) -> _Row:
        states = [s.strip() for s in rec.get("recommending_states", "").split(";") if s.strip()]
        codes = [c for c in map(self.lookups.state, states) if c]
        values = {
            "source": "uhri",
            "source_id": self.required(rec, "rec_id"),
            "state_code": self.uhri_state(rec),
            "recommending_state_code": codes[0] if codes else None,
            "recommended_by": rec.get("recommending_states", ""),
            "mechanism": "UPR",
            "cycle": self.integer(rec, "cycle"),
            "session": self.integer(rec, "session"),
            "year": self.integer(rec, "year", EARLIEST_DATE.year, LATEST_DATE.year),
            "text": self.required(rec, "recommendation"),
            "response": self.response(rec, "position"),
            "action_category": None,
            "source_themes": rec.get("themes", ""),
            "document": rec.get("source_of_position") or None,
        }
        sdgs = set()
        for goal in re.split(r"\s*[;,]\s*", rec.get("sdgs", "")):
            number = whole_number(goal, max_digits=2)
            if goal and number not in self.lookups.sdg_goals:
                self.problem("sdgs", f'"{goal[:20]}" is not an SDG goal number from 1 to 17')
            elif goal:
                sdgs.add(number)  # type: ignore[arg-type]
        theme_ids, unknown = self.themes(values["source_themes"], ";")
        return _Row(values, theme_ids, frozenset(sdgs), unknown)

    def uhri_state(self, rec: dict[str, str]) -> str | None:
        """The State under review: sur_iso3 when given, checked against the name."""
        iso3, name = rec.get("sur_iso3", "").upper(), rec.get("state_under_review", "")
        if not iso3 and not name:
            self.problem("sur_iso3", "is required and empty (and so is state_under_review)")
            return None
        if not iso3:
            return self.state(rec, "state_under_review")
        if iso3 not in self.lookups.state_codes:
            self.problem("sur_iso3", f'"{iso3}" is not the ISO3 code of a known State')
            return None
        named = self.lookups.state(name) if name else None
        if named and named != iso3:
            message = f'"{iso3}" disagrees with state_under_review "{name}" ({named})'
            self.problem("sur_iso3", message)
        return iso3

    def check(self, rec: dict[str, str]) -> _Row:
        for column, value in rec.items():
            # PostgreSQL cannot store NUL (the import would die half-way); no recommendation
            # holds a control character, and the API refuses them in every text it takes.
            found = forbidden_character(value)
            if found is not None and found[0] == "control_character":
                self.problem(column, f"contains the control character {found[1]}, which no "
                             "text field may hold")
        row = self.upr_info(rec) if self.fmt == "upr-info" else self.uhri(rec)
        for name, columns, limit in MAX_LENGTHS:
            value = row.values[name]
            if value and len(value) > limit:
                message = f"is {len(value)} characters long, the limit is {limit}"
                self.problem(columns[self.fmt], message)
        return row


def _records(stream: TextIO) -> Iterator[tuple[int, list[str]]]:
    """CSV records with the physical line each starts on (quoted fields may span lines)."""
    reader = csv.reader(stream)
    last_line = 0
    for record in reader:
        start, last_line = last_line + 1, reader.line_num
        if record and any(cell.strip() for cell in record):
            yield start, record


def read_rows(
    stream: TextIO, fmt: Format, lookups: _Lookups, report: ImportReport
) -> tuple[list[_Row], list[ImportProblem], bool]:
    """Validate the whole file: (valid rows, problems, whether the file is readable at all)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    checker = _RowChecker(fmt, lookups)
    records = _records(stream)
    try:
        header_line, header = next(records, (1, []))
        if header:
            header[0] = header[0].removeprefix("\ufeff")
        by_key = {_column_key(name): i for i, name in enumerate(header)}
        index = {c: by_key[_column_key(c)] for c in COLUMNS[fmt] if _column_key(c) in by_key}
        missing = [c for c in REQUIRED[fmt] if c not in index]
        if fmt == "uhri" and "sur_iso3" not in index and "state_under_review" not in index:
            missing.append("sur_iso3 or state_under_review")
        if missing:
            wanted = ", ".join(f'"{c}"' for c in missing)
            found = ", ".join(f'"{c}"' for c in header) or "nothing"
            problem = f"the header lacks required column(s) {wanted} (found {found})"
            return [], [ImportProblem(header_line, None, problem)], False
        rows, first_seen = [], {}
        for line, record in records:
            report.rows += 1
            checker.line, before = line, len(checker.problems)
            if len(record) > len(header):
                checker.problem(None, f"has {len(record)} fields, the header has {len(header)}")
            rec = {c: record[i].strip() if i < len(record) else "" for c, i in index.items()}
            row = checker.check(rec)
            source_id = row.values["source_id"]
            if source_id in first_seen:
                message = f'"{source_id}" repeats the id on line {first_seen[source_id]}'
                checker.problem("rec_id", message)
            elif source_id:
                first_seen[source_id] = line
            if len(checker.problems) == before:
                rows.append(row)
                report.unknown_themes.update(row.unknown_themes)
            else:
                report.skipped += 1
    except UnicodeDecodeError as exc:  # a stream opened by the caller; files are decoded first
        problem = f"is not UTF-8 text ({exc.reason})"
        return [], [*checker.problems, ImportProblem(checker.line + 1, None, problem)], False
    except csv.Error as exc:
        return [], [*checker.problems, ImportProblem(checker.line + 1, None, str(exc))], False
    return rows, checker.problems, True


# --- writing -------------------------------------------------------------------------------


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _stored(session: Session, source_ids: list[str]) -> dict[str, tuple[int, tuple]]:
    """id and content of the stored rows with these source ids (three statements)."""
    rec = Recommendation.__table__.c
    stored = session.execute(
        select(rec.id, rec.source_id, *(rec[c] for c in CONTENT_COLUMNS))
        .where(rec.source_id.in_(source_ids))
    ).all()
    ids = [r.id for r in stored]
    themes: dict[int, set[int]] = {i: set() for i in ids}
    sdgs: dict[int, set[int]] = {i: set() for i in ids}
    if ids:
        rt, rs = RecommendationTheme.__table__.c, RecommendationSdg.__table__.c
        for rid, tid in session.execute(
            select(rt.recommendation_id, rt.theme_id).where(rt.recommendation_id.in_(ids))
        ):
            themes[rid].add(tid)
        for rid, goal in session.execute(
            select(rs.recommendation_id, rs.goal_number).where(rs.recommendation_id.in_(ids))
        ):
            sdgs[rid].add(goal)
    return {
        r.source_id: (r.id, (*r[2:], frozenset(themes[r.id]), frozenset(sdgs[r.id])))
        for r in stored
    }


def _insert_recommendations(session: Session, params: list[dict]) -> dict[str, int]:
    """Insert new recommendations; their ids by source_id."""
    table = Recommendation.__table__
    if session.get_bind().dialect.name == "sqlite":
        returning = insert(table).returning(table.c.source_id, table.c.id)
        return dict(session.execute(returning, params).all())
    # On PostgreSQL a plain executemany (psycopg pipelines it) and a select of the new ids
    # take half the time of INSERT … RETURNING, whose huge multi-row VALUES text psycopg
    # re-parses for every batch.
    session.execute(insert(table), params)
    new_ids = [p["source_id"] for p in params]
    return dict(
        session.execute(
            select(table.c.source_id, table.c.id).where(table.c.source_id.in_(new_ids))
        ).all()
    )


def _insert_links(session: Session, rows: list[tuple[int, _Row]]) -> None:
    themes = [{"recommendation_id": rid, "theme_id": t} for rid, row in rows for t in row.theme_ids]
    sdgs = [{"recommendation_id": rid, "goal_number": g} for rid, row in rows for g in row.sdgs]
    if themes:
        session.execute(insert(RecommendationTheme.__table__), themes)
    if sdgs:
        session.execute(insert(RecommendationSdg.__table__), sdgs)


def write_rows(
    session: Session, rows: list[_Row], report: ImportReport, progress: Progress | None
) -> None:
    """Upsert validated rows on source_id, in chunks of bulk statements."""
    table = Recommendation.__table__
    now = utcnow()
    update_stmt = (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values({c: bindparam(c) for c in (*CONTENT_COLUMNS, "imported_at")})
    )
    done = 0
    for chunk in _chunks(rows, CHUNK_SIZE):
        stored = _stored(session, [row.values["source_id"] for row in chunk])
        new, changed = [], []
        for row in chunk:
            hit = stored.get(row.values["source_id"])
            if hit is None:
                new.append(row)
            elif hit[1] != row.content():
                changed.append((hit[0], row))
        if new:
            params = [{**row.values, "imported_at": now} for row in new]
            ids = _insert_recommendations(session, params)
            _insert_links(session, [(ids[row.values["source_id"]], row) for row in new])
        if changed:
            session.execute(
                update_stmt,
                [{**row.values, "imported_at": now, "row_id": rid}
                 for rid, row in changed],
            )
            changed_ids = [rid for rid, _ in changed]
            for link in (RecommendationTheme.__table__, RecommendationSdg.__table__):
                session.execute(delete(link).where(link.c.recommendation_id.in_(changed_ids)))
            _insert_links(session, changed)
        report.inserted += len(new)
        report.updated += len(changed)
        report.unchanged += len(chunk) - len(new) - len(changed)
        done += len(chunk)
        if progress:
            progress(done, len(rows))
    # Core statements bypass the identity map: drop any stale Recommendation objects.
    session.expire_all()


# --- entry points --------------------------------------------------------------------------


def import_recommendations_from_stream(
    session: Session,
    stream: TextIO,
    *,
    fmt: Format,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import recommendations from an open text stream; the caller commits."""
    started = time.perf_counter()
    report = ImportReport(fmt=fmt)
    rows, problems, readable = read_rows(stream, fmt, _Lookups(session), report)
    if problems and (not skip_invalid or not readable):
        raise RecommendationImportError(problems)
    report.problems = problems
    if progress:
        progress(0, len(rows))
    write_rows(session, rows, report, progress)
    report.seconds = time.perf_counter() - started
    return report


def import_recommendations(
    session: Session,
    path: str | Path,
    *,
    fmt: Format,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a recommendation CSV file (UTF-8, with or without BOM); the caller commits."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:  # decoded whole, so that the line can be named
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start : exc.start + 1].hex()
        message = f"is not UTF-8 text (byte 0x{byte}); save the file as UTF-8"
        raise RecommendationImportError([ImportProblem(line, None, message)]) from None
    return import_recommendations_from_stream(
        session, io.StringIO(text, newline=""), fmt=fmt, skip_invalid=skip_invalid,
        progress=progress,
    )
