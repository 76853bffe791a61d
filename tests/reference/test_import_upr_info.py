"""Importing the UPR Info export format: the real sessions 1-4 file and hand-made edge cases."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select, text
from sqlmodel import Session

from facility.reference.importers import (
    import_recommendations,
    import_recommendations_from_stream,
)
from facility.reference.models import Recommendation, RecommendationTheme, Theme
from facility.reference.search import recommendation_themes

DATA = Path(__file__).resolve().parent.parent / "data" / "recommendations"
UPR_INFO = DATA / "upr_info_sessions01-04.csv"

HEADER = "rec_id,cycle,To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session"


def _counts(session: Session) -> dict[tuple[str, str], int]:
    rows = session.execute(
        select(Recommendation.state_code, Recommendation.response, func.count())
        .group_by(Recommendation.state_code, Recommendation.response)
    ).all()
    return {(state, str(response)): n for state, response, n in rows}


def _by_source_id(session: Session, source_id: str) -> Recommendation:
    return session.execute(
        select(Recommendation).where(Recommendation.source_id == source_id)
    ).scalar_one()


def test_real_file_counts_per_state_and_response(db_session: Session) -> None:
    report = import_recommendations(db_session, UPR_INFO, fmt="upr-info")

    assert (report.rows, report.inserted, report.updated, report.unchanged) == (4424, 4424, 0, 0)
    assert report.skipped == 0 and not report.problems and not report.unknown_themes
    counts = _counts(db_session)
    totals = Counter()
    for (_, response), n in counts.items():
        totals[response] += n
    assert totals == {"SUPPORTED": 2791, "NOTED": 1633}

    with UPR_INFO.open(encoding="utf-8", newline="") as handle:
        expected = Counter((row["To"], row["Response"]) for row in csv.DictReader(handle))
    for name, code in [("Algeria", "DZA"), ("Republic of Korea", "KOR"),
                       ("Russian Federation", "RUS"), ("United Kingdom", "GBR"),
                       ("Cape Verde", "CPV")]:
        assert counts.get((code, "SUPPORTED"), 0) == expected[(name, "Accepted")], name
        assert counts.get((code, "NOTED"), 0) == expected[(name, "Noted")], name


def test_real_file_fields_and_themes(db_session: Session) -> None:
    import_recommendations(db_session, UPR_INFO, fmt="upr-info")

    rec = _by_source_id(db_session, "UPRINFO-R000149")
    assert (rec.state_code, rec.recommending_state_code, rec.recommended_by) == ("DZA", "CUB", "Cuba")
    assert (rec.cycle, rec.session, rec.action_category, rec.mechanism) == (1, 1, 4, "UPR")
    assert rec.response == "SUPPORTED" and rec.source == "upr-info"
    assert rec.source_themes == "ESC rights - general,Right to health"
    assert recommendation_themes(db_session, [rec.id]) == {
        rec.id: ["ESC rights - general", "Right to health"]
    }
    # Every issue of the file is one of the 54 themes, so every row has a theme link.
    linked = db_session.execute(
        select(func.count(func.distinct(RecommendationTheme.recommendation_id)))
    ).scalar_one()
    assert linked == 4424
    # "(Unknown)" recommending States stay as written, with no State code.
    unknown = db_session.execute(
        select(func.count()).where(Recommendation.recommended_by == "(Unknown)",
                                   Recommendation.recommending_state_code.is_(None))
    ).scalar_one()
    assert unknown == 9


def test_theme_names_never_contain_the_issue_separator(db_session: Session) -> None:
    """UPR Info splits issues on ','; no theme name has one, so the split is lossless."""
    names = db_session.execute(select(Theme.name)).scalars().all()
    assert len(names) == 54
    assert not [name for name in names if "," in name]


def test_reimport_changes_nothing(db_session: Session) -> None:
    import_recommendations(db_session, UPR_INFO, fmt="upr-info")
    before = db_session.execute(
        select(Recommendation.id, Recommendation.imported_at).order_by(Recommendation.id)
    ).all()
    links = db_session.execute(select(func.count()).select_from(RecommendationTheme)).scalar_one()

    report = import_recommendations(db_session, UPR_INFO, fmt="upr-info")

    assert (report.inserted, report.updated, report.unchanged) == (0, 0, 4424)
    after = db_session.execute(
        select(Recommendation.id, Recommendation.imported_at).order_by(Recommendation.id)
    ).all()
    assert after == before
    assert db_session.execute(
        select(func.count()).select_from(RecommendationTheme)
    ).scalar_one() == links


def test_changed_rows_are_updated_and_only_their_links_replaced(db_session: Session) -> None:
    original = (
        f"{HEADER}\r\n"
        "T-1,1,Algeria,Africa,,Ratify the Convention.,France,WEOG,,"
        "Accepted,4,Torture and other CID treatment,1\r\n"
        "T-2,1,Algeria,Africa,,Abolish the death penalty.,Italy,WEOG,,"
        "Noted,5,Death penalty,1\r\n"
    )
    import_recommendations_from_stream(db_session, io.StringIO(original), fmt="upr-info")
    untouched = _by_source_id(db_session, "T-2").imported_at

    changed = original.replace("Accepted,4,Torture and other CID treatment", "Noted,4,Justice")
    report = import_recommendations_from_stream(db_session, io.StringIO(changed), fmt="upr-info")

    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 1)
    first, second = _by_source_id(db_session, "T-1"), _by_source_id(db_session, "T-2")
    assert first.response == "NOTED" and first.source_themes == "Justice"
    assert recommendation_themes(db_session, [first.id, second.id]) == {
        first.id: ["Justice"], second.id: ["Death penalty"]
    }
    assert second.imported_at == untouched


def test_hand_written_file_with_bom_crlf_quotes_blanks_and_aliases(db_session: Session) -> None:
    content = (
        "\ufeff" + HEADER + "\r\n"
        # quoted commas in the text, the organisations and the issues
        'X-1,2,Viet Nam,Asia,"ASEAN, OIF","Adopt, as a priority, a law on ""torture"".",'
        'Côte d\u2019Ivoire,Africa,"AU, OIF",accepted,3,"Torture and other CID treatment,Justice",30\r\n'
        # blank optional fields: cycle, To-Org, From-Org, Action, Issue, Session
        "X-2,,iran (islamic republic of),Asia,,Free all detained journalists.,"
        "United Kingdom of Great Britain and Northern Ireland,WEOG,,NOTED,,,\r\n"
        # a multi-line quoted text, a non-State recommender, alias spellings in other case
        'X-3,3,"  COTE D\'IVOIRE ",Africa,,"Strengthen the NHRI.\r\nFund it properly.",'
        "(Unknown),,,Supported,1,nhri,41\r\n"
        "\r\n"  # blank lines are ignored
    )
    report = import_recommendations_from_stream(db_session, io.StringIO(content), fmt="upr-info")

    assert (report.rows, report.inserted, report.skipped) == (3, 3, 0)
    x1, x2, x3 = (_by_source_id(db_session, f"X-{i}") for i in (1, 2, 3))
    assert (x1.state_code, x1.recommending_state_code) == ("VNM", "CIV")
    assert x1.recommended_by == "Côte d\u2019Ivoire"
    assert x1.text == 'Adopt, as a priority, a law on "torture".'
    assert (x1.cycle, x1.session, x1.action_category, x1.response) == (2, 30, 3, "SUPPORTED")
    assert (x2.state_code, x2.recommending_state_code) == ("IRN", "GBR")
    assert (x2.cycle, x2.session, x2.action_category, x2.source_themes) == (None, None, None, "")
    assert x2.response == "NOTED"
    assert (x3.state_code, x3.recommending_state_code, x3.recommended_by) == ("CIV", None, "(Unknown)")
    assert x3.text == "Strengthen the NHRI.\r\nFund it properly."
    assert recommendation_themes(db_session, [x1.id, x2.id, x3.id]) == {
        x1.id: ["Justice", "Torture and other CID treatment"], x2.id: [], x3.id: ["NHRI"]
    }


def test_unknown_issues_are_kept_raw_and_counted(db_session: Session) -> None:
    content = (
        f"{HEADER}\n"
        'U-1,1,Brazil,,,Protect forests.,Norway,,,Accepted,,"Environment,Climate justice",1\n'
    )
    report = import_recommendations_from_stream(db_session, io.StringIO(content), fmt="upr-info")

    assert report.unknown_themes == {"Climate justice": 1}
    rec = _by_source_id(db_session, "U-1")
    assert rec.source_themes == "Environment,Climate justice"
    assert recommendation_themes(db_session, [rec.id]) == {rec.id: ["Environment"]}


def test_full_text_index_follows_the_import(db_session: Session) -> None:
    content = f"{HEADER}\nF-1,1,Brazil,,,Guarantee xylophonic freedom.,Norway,,,Accepted,,,1\n"
    import_recommendations_from_stream(db_session, io.StringIO(content), fmt="upr-info")
    if db_session.get_bind().dialect.name == "sqlite":
        hits = db_session.execute(
            text("SELECT count(*) FROM recommendation_fts WHERE recommendation_fts MATCH 'xylophonic'")
        ).scalar_one()
        db_session.execute(
            text("INSERT INTO recommendation_fts(recommendation_fts) VALUES ('integrity-check')")
        )
    else:
        hits = db_session.execute(
            text("SELECT count(*) FROM recommendation "
                 "WHERE text_search @@ websearch_to_tsquery('english', 'xylophonic')")
        ).scalar_one()
    assert hits == 1
