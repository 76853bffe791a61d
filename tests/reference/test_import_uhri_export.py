"""Importing OHCHR's UHRI export, the workbook and the JSON, end to end (uhri_fixtures.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from facility.reference.importers import RecommendationImportError, import_recommendations
from facility.reference.models import (
    Recommendation,
    RecommendationSdg,
    RecommendationSdgTarget,
    RecommendationTheme,
    Theme,
)
from tests.reference import uhri_fixtures as fx

ROWS = fx.SAMPLE_RECOMMENDATIONS + fx.EXTRA_RECOMMENDATIONS


@pytest.fixture(params=["xlsx", "json"])
def export(request, tmp_path: Path):
    """A writer of one export format: (records) -> path."""
    def write(records: list[dict], name: str = "export") -> Path:
        path = tmp_path / f"{name}.{request.param}"
        return (fx.write_xlsx if request.param == "xlsx" else fx.write_json)(path, records)
    write.kind = request.param  # type: ignore[attr-defined]
    return write


def _rec(session: Session, source_id: str) -> Recommendation:
    return session.execute(
        select(Recommendation).where(Recommendation.source_id == source_id)).scalar_one()


def _count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(Recommendation)).scalar_one()


def _links(session: Session, rec: Recommendation) -> tuple[set, set, set]:
    themes = set(session.execute(select(Theme.name).join(
        RecommendationTheme, RecommendationTheme.theme_id == Theme.id).where(
        RecommendationTheme.recommendation_id == rec.id)).scalars())
    goals = set(session.execute(select(RecommendationSdg.goal_number).where(
        RecommendationSdg.recommendation_id == rec.id)).scalars())
    targets = set(session.execute(select(RecommendationSdgTarget.target_code).where(
        RecommendationSdgTarget.recommendation_id == rec.id)).scalars())
    return themes, goals, targets


def test_genuine_sample_and_extra_records_import(db_session: Session, export) -> None:
    report = import_recommendations(db_session, export(fx.sample_records()), fmt="uhri")

    assert (report.rows, report.inserted, report.skipped) == (
        fx.SAMPLE_RECOMMENDATIONS + fx.SAMPLE_CONCERNS + len(fx.EXTRA), ROWS, 0)
    assert report.not_recommendations == {"Concerns/Observations": fx.SAMPLE_CONCERNS}
    assert report.unknown_themes == {}  # every UHRI theme of the sample maps to a facility theme
    assert _count(db_session) == ROWS

    # A genuine CESCR recommendation: treaty body, no position, its document and date.
    rec = _rec(db_session, "2f79b008-3d85-4537-be5c-daf6c86ca627")
    assert (rec.source, rec.state_code, rec.mechanism, rec.body) == (
        "uhri", "AUS", "TREATY_BODY", "CESCR")
    assert rec.response is None and rec.cycle is None and rec.recommended_by == ""
    assert (rec.document, rec.publication_date, rec.year) == (
        "E/C.12/AUS/CO/6", date(2026, 3, 23), 2026)
    assert rec.annotation_type == "Recommendations"
    assert rec.affected_persons == ["Indigenous peoples"]
    assert rec.text.startswith("Free, prior and informed consent\n17. The Committee recommends")
    assert "<p>" not in rec.text
    assert rec.source_themes == "Constitutional & legislative framework; Land & property rights"
    themes, goals, targets = _links(db_session, rec)
    assert themes == {"General", "Right to land"}
    assert (goals, targets) == ({1, 11}, {"1.4"})


def test_upr_record_keeps_cycle_session_states_and_position(db_session: Session, export) -> None:
    import_recommendations(db_session, export(fx.sample_records()), fmt="uhri")
    rec = _rec(db_session, fx.UPR_ID)
    assert (rec.mechanism, rec.body, rec.response) == ("UPR", "UPR", "SUPPORTED")
    # The workbook has no cycle column: session 37 is in the third cycle.
    assert (rec.cycle, rec.session) == (3, 37)
    assert (rec.recommended_by, rec.recommending_states, rec.recommending_state_code) == (
        "Denmark; Ghana", ["DNK", "GHA"], "DNK")
    assert rec.text == ("Establish a national mechanism for implementation, reporting and "
                        "follow-up & consult civil society.")
    assert _links(db_session, rec)[2] == {"16.7"}


def test_bodies_states_and_several_states(db_session: Session, export) -> None:
    import_recommendations(db_session, export(fx.sample_records()), fmt="uhri")
    albinism = _rec(db_session, fx.ALBINISM_ID)
    assert (albinism.mechanism, albinism.body) == ("SPECIAL_PROCEDURE", "IE Albinism")
    crc = _rec(db_session, fx.CRC_ID)  # long name and ISO-2 country code
    assert (crc.mechanism, crc.body, crc.state_code) == ("TREATY_BODY", "CRC", "PAK")
    assert _links(db_session, crc)[0] == {"Rights of the Child"}
    both = [_rec(db_session, f"{fx.TWO_STATES_ID}/{code}") for code in ("JOR", "LBN")]
    assert [(r.state_code, r.body, r.text) for r in both] == [
        ("JOR", "SR Torture", both[0].text), ("LBN", "SR Torture", both[0].text)]


def test_reimport_changes_nothing_then_updates_one_row(db_session: Session, export) -> None:
    records = fx.sample_records()
    import_recommendations(db_session, export(records, "first"), fmt="uhri")
    before = _rec(db_session, fx.CRC_ID).imported_at

    again = import_recommendations(db_session, export(records, "again"), fmt="uhri")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, ROWS)

    changed = next(r for r in records if r["AnnotationId"] == fx.CRC_ID)
    changed["Sdgs"] = ["5.3 - Eliminate forced marriages", "4 - QUALITY EDUCATION"]
    third = import_recommendations(db_session, export(records, "third"), fmt="uhri")
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, ROWS - 1)
    rec = _rec(db_session, fx.CRC_ID)
    assert _links(db_session, rec)[1:] == ({4, 5}, {"5.3"})
    assert rec.imported_at != before
    assert _count(db_session) == ROWS


def test_a_refused_export_keeps_what_was_stored(db_session: Session, export) -> None:
    records = fx.sample_records()
    import_recommendations(db_session, export(records, "good"), fmt="uhri")
    db_session.commit()
    stored = _rec(db_session, fx.UPR_ID).text

    records[1]["Body"] = "- Committee of Nobody"
    records[-1]["Countries"] = ["Atlantis"]
    records[-2]["Sdgs"] = ["18.1 - No such target"]
    next(r for r in records if r["AnnotationId"] == fx.UPR_ID)["Text"] = "changed"
    with pytest.raises(RecommendationImportError) as refused:
        import_recommendations(db_session, export(records, "bad"), fmt="uhri")
    db_session.rollback()  # as the CLI's unit of work and the import page do
    messages = [str(p) for p in refused.value.problems]
    body, key = ("Reccomending Body", "column") if export.kind == "xlsx" else ("Body", "key")
    unit, first = ("row", 3) if export.kind == "xlsx" else ("record", 2)
    assert messages[0] == (f'{unit} {first}, {key} "{body}": "Committee of Nobody" is not a UN '
                           "body the facility knows (add its label to "
                           "reference/data/uhri_bodies.csv)")
    assert any('"18.1 - No such target" names no SDG goal' in m for m in messages)
    assert any('"Atlantis" is not a known State name' in m for m in messages)
    assert len(messages) == 3
    assert _rec(db_session, fx.UPR_ID).text == stored
    assert _count(db_session) == ROWS


def test_skip_invalid_imports_the_others(db_session: Session, export) -> None:
    records = fx.sample_records()
    records[-1]["Countries"] = ["Atlantis"]
    report = import_recommendations(db_session, export(records), fmt="uhri", skip_invalid=True)
    assert (report.inserted, report.skipped, len(report.problems)) == (ROWS - 2, 1, 1)


def test_a_repeated_annotation_id_is_named(db_session: Session, export) -> None:
    records = fx.sample_records()
    records.append(dict(records[0]))
    with pytest.raises(RecommendationImportError) as refused:
        import_recommendations(db_session, export(records), fmt="uhri")
    [problem] = refused.value.problems
    assert f'"{records[0]["AnnotationId"]}" repeats the id of' in str(problem)


def test_workbook_quirks(db_session: Session, tmp_path: Path) -> None:
    """OHCHR's example row: dates as serials, lists one a line, headers spelt right or not."""
    header = [h.replace("Reccomending", "Recommending") for h in fx.XLSX_HEADER]
    record = fx._record("b4288060-6633-478d-9a9a-df1978d336c3", "- CEDAW", ["Iraq"],
                        "CEDAW/C/IRQ/CO/8", "Rural women\n49.The Committee recommends that the "
                        "State party…", "2026-02-25", affected=["Persons living in rural areas",
                                                               "Women & girls"],
                        sdgs=["1.4 - Equal rights to economic resources",
                              "16.3 - Promote the rule of law"])
    path = fx.write_xlsx(tmp_path / "search.xlsx", [record], header=header)
    import_recommendations(db_session, path, fmt="uhri")
    rec = _rec(db_session, "b4288060-6633-478d-9a9a-df1978d336c3")
    assert fx.excel_serial("2026-02-25") == 46078
    assert (rec.state_code, rec.body, rec.publication_date) == ("IRQ", "CEDAW", date(2026, 2, 25))
    assert rec.affected_persons == ["Persons living in rural areas", "Women & girls"]
    assert _links(db_session, rec)[2] == {"1.4", "16.3"}


def test_layout_problems_are_named(db_session: Session, tmp_path: Path) -> None:
    header = [h for h in fx.XLSX_HEADER if h != "OHCHR Annotation Id"]
    path = fx.write_xlsx(tmp_path / "cut.xlsx", [], header=header)
    with pytest.raises(RecommendationImportError) as refused:
        import_recommendations(db_session, path, fmt="uhri")
    assert str(refused.value.problems[0]).startswith(
        'row 1: the header lacks the column(s) "OHCHR Annotation Id" of a UHRI export (found "Text"')

    broken = tmp_path / "broken.json"
    broken.write_text('[{"AnnotationId": "x"', encoding="utf-8")
    with pytest.raises(RecommendationImportError) as refused:
        import_recommendations(db_session, broken, fmt="uhri")
    assert str(refused.value.problems[0]).startswith("record 1: is not valid JSON")

    not_a_workbook = tmp_path / "fake.xlsx"
    not_a_workbook.write_text("Text,Countries\n", encoding="utf-8")
    with pytest.raises(RecommendationImportError) as refused:
        import_recommendations(db_session, not_a_workbook, fmt="uhri")
    assert "is not an Excel workbook" in str(refused.value.problems[0])

    csv_file = tmp_path / "export.csv"
    csv_file.write_text("Text\n", encoding="utf-8")
    with pytest.raises(RecommendationImportError) as refused:
        import_recommendations(db_session, csv_file, fmt="uhri")
    assert str(refused.value.problems[0]) == '"export.csv": a UHRI export is a .xlsx or a .json file'
    assert _count(db_session) == 0


@pytest.mark.parametrize("name, code", [
    ("Bolivia (Plurinational State of)", "BOL"), ("Micronesia (Federated States of)", "FSM"),
    ("Netherlands (Kingdom of the)", "NLD"), ("Türkiye", "TUR"), ("Viet Nam", "VNM"),
    ("State of Palestine", "PSE"), ("MY", "MYS"), ("pk", "PAK"),
])
def test_the_un_names_and_iso2_codes_uhri_uses_are_known(db_session: Session, name, code) -> None:
    from facility.reference.importers import _Lookups

    assert _Lookups(db_session).state(name) == code
