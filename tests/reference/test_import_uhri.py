"""Importing the UHRI thematic-list format: the real Slovenia file and hand-made edge cases."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from facility.reference.importers import (
    RecommendationImportError,
    import_recommendations,
    import_recommendations_from_stream,
)
from facility.reference.models import Recommendation, RecommendationSdg, RecommendationTheme
from facility.reference.search import recommendation_themes

DATA = Path(__file__).resolve().parent.parent / "data" / "recommendations"
UHRI = DATA / "upr_slovenia_cycles2-4_uhri_thematic.csv"

HEADER = (
    "rec_id,cycle,session,year,state_under_review,sur_iso3,rec_number,recommendation,"
    "recommending_states,position,source_of_position,section_theme,themes,affected_persons,sdgs"
)


def _by_source_id(session: Session, source_id: str) -> Recommendation:
    return session.execute(
        select(Recommendation).where(Recommendation.source_id == source_id)
    ).scalar_one()


def _sdgs(session: Session, rec: Recommendation) -> list[int]:
    return list(
        session.execute(
            select(RecommendationSdg.goal_number)
            .where(RecommendationSdg.recommendation_id == rec.id)
            .order_by(RecommendationSdg.goal_number)
        ).scalars()
    )


def test_real_file_counts_and_themes(db_session: Session) -> None:
    report = import_recommendations(db_session, UHRI, fmt="uhri-themes")

    assert (report.rows, report.inserted, report.skipped) == (632, 632, 0)
    by_response = dict(
        db_session.execute(
            select(Recommendation.response, func.count()).group_by(Recommendation.response)
        ).all()
    )
    assert by_response == {"SUPPORTED": 541, "NOTED": 91}
    assert db_session.execute(
        select(func.count()).where(Recommendation.state_code != "SVN")
    ).scalar_one() == 0
    # Nearly every row maps to at least one UPR Info theme; the few unknown names
    # (spellings missing from uhri_themes_to_upr_info.csv) are reported, not fatal.
    linked = db_session.execute(
        select(func.count(func.distinct(RecommendationTheme.recommendation_id)))
    ).scalar_one()
    assert linked >= 620
    assert sum(report.unknown_themes.values()) < 30
    # A theme whose name contains the '; ' separator is not split.
    assert "general principles" not in report.unknown_themes
    assert "protection" not in report.unknown_themes


def test_real_file_fields(db_session: Session) -> None:
    import_recommendations(db_session, UHRI, fmt="uhri-themes")

    rec = _by_source_id(db_session, "SVN-C2-115.3")
    assert (rec.cycle, rec.session, rec.year, rec.mechanism) == (2, 20, 2014, "UPR")
    assert (rec.recommending_state_code, rec.recommended_by) == ("PRT", "Portugal; Slovakia")
    assert rec.document == "A/HRC/28/15/Add.1 - Para. 3"
    assert rec.source == "uhri-themes" and rec.response == "SUPPORTED"
    assert recommendation_themes(db_session, [rec.id]) == {rec.id: ["International instruments"]}
    assert db_session.execute(select(func.count()).select_from(RecommendationSdg)).scalar_one() > 400


def test_reimport_changes_nothing(db_session: Session) -> None:
    import_recommendations(db_session, UHRI, fmt="uhri-themes")
    sdg_links = db_session.execute(select(func.count()).select_from(RecommendationSdg)).scalar_one()

    report = import_recommendations(db_session, UHRI, fmt="uhri-themes")

    assert (report.inserted, report.updated, report.unchanged) == (0, 0, 632)
    assert db_session.execute(
        select(func.count()).select_from(RecommendationSdg)
    ).scalar_one() == sdg_links


def test_hand_written_file(db_session: Session) -> None:
    content = (
        "\ufeff" + HEADER + "\r\n"
        # a theme containing '; ', code prefixes, '&' for 'and', several SDGs
        'H-1,3,34,2019,Slovenia,SVN,1.1,"Protect children, everywhere (Chile);",'
        "Chile; Holy See,SUPPORTED,A/HRC/43/15 - Para 121,,"
        '"F31 Children: definition; general principles; protection; '
        'E26 Human Rights & drinking water and sanitation",children,6; 16\r\n'
        # only the ISO3 code, blank optional fields, no known recommending State
        "H-2,,,,,svn,,Adopt a plan.,European Union,noted,,,,,\r\n"
        # the name without the code, in another spelling; an unknown theme
        "H-3,4,48,2025,Republic of Slovenia,,,Ratify it.,Türkiye,Supported,,,Space law,,\r\n"
    )
    report = import_recommendations_from_stream(db_session, io.StringIO(content), fmt="uhri-themes")

    assert (report.inserted, report.skipped) == (3, 0)
    assert report.unknown_themes == {"Space law": 1}
    h1, h2, h3 = (_by_source_id(db_session, f"H-{i}") for i in (1, 2, 3))
    assert h1.text == "Protect children, everywhere (Chile);"
    assert (h1.recommending_state_code, h1.recommended_by) == ("CHL", "Chile; Holy See")
    assert recommendation_themes(db_session, [h1.id]) == {
        h1.id: ["Right to water", "Rights of the Child"]
    }
    assert _sdgs(db_session, h1) == [6, 16]
    assert (h2.state_code, h2.recommending_state_code, h2.response) == ("SVN", None, "NOTED")
    assert (h2.cycle, h2.session, h2.year, h2.document, _sdgs(db_session, h2)) == (
        None, None, None, None, []
    )
    assert (h3.state_code, h3.recommending_state_code) == ("SVN", "TUR")
    assert h3.source_themes == "Space law"


def test_state_code_must_agree_with_the_name(db_session: Session) -> None:
    content = f"{HEADER}\nC-1,4,48,2025,Slovenia,HRV,1,Do it.,Chile,Supported,,,,,\n"
    with pytest.raises(RecommendationImportError) as refused:
        import_recommendations_from_stream(db_session, io.StringIO(content), fmt="uhri-themes")
    assert [str(p) for p in refused.value.problems] == [
        'line 2, column "sur_iso3": "HRV" disagrees with state_under_review "Slovenia" (SVN)'
    ]


def test_sdgs_must_be_goal_numbers(db_session: Session) -> None:
    content = f"{HEADER}\nS-1,4,48,2025,Slovenia,SVN,1,Do it.,Chile,Supported,,,,,16; 18; x\n"
    with pytest.raises(RecommendationImportError) as refused:
        import_recommendations_from_stream(db_session, io.StringIO(content), fmt="uhri-themes")
    assert [str(p) for p in refused.value.problems] == [
        'line 2, column "sdgs": "18" is not an SDG goal number from 1 to 17',
        'line 2, column "sdgs": "x" is not an SDG goal number from 1 to 17',
    ]
