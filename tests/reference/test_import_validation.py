"""A bad file is refused as a whole, every problem listed by line, nothing written."""

from __future__ import annotations

import csv
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
from facility.reference.models import Recommendation, RecommendationTheme

DATA = Path(__file__).resolve().parent.parent / "data" / "recommendations"
UPR_INFO = DATA / "upr_info_sessions01-04.csv"


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        header, *rows = csv.reader(handle)
    return header, rows


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _count(session: Session, model: type = Recommendation) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def corrupted(tmp_path: Path) -> tuple[Path, list[str], int]:
    """The real file with several kinds of damage: (path, expected problems, bad rows)."""
    header, rows = _read(UPR_INFO)
    col = {name: i for i, name in enumerate(header)}
    rows[4][col["Text"]] = "First paragraph.\nSecond paragraph.\nThird."  # 2 extra lines
    rows[9][col["Text"]] = "A text changed in the refused file."

    def line(index: int) -> int:  # physical line of data row `index`, after the header
        return index + 2 + (2 if index > 4 else 0)

    rows[15][col["Response"]] = "Maybe"
    rows[20][col["To"]] = "Narnia"
    rows[30][col["Text"]] = "   "
    rows[40][col["rec_id"]] = rows[35][col["rec_id"]]
    rows[50][col["cycle"]] = "one"
    rows[50][col["Action"]] = "7"
    rows[60][col["Session"]] = "-3"
    expected = [
        f'line {line(15)}, column "Response": "Maybe" is not one of Accepted, Noted',
        f'line {line(20)}, column "To": "Narnia" is not a known State name (see state_alias)',
        f'line {line(30)}, column "Text": is required and empty',
        f'line {line(40)}, column "rec_id": "{rows[35][0]}" repeats the id on line {line(35)}',
        f'line {line(50)}, column "cycle": "one" is not a whole number from 1 to 9999',
        f'line {line(50)}, column "Action": "7" is not a whole number from 1 to 5',
        f'line {line(60)}, column "Session": "-3" is not a whole number from 1 to 9999',
    ]
    return _write(tmp_path / "corrupted.csv", header, rows), expected, 6


def test_bad_file_is_refused_with_every_problem(db_session: Session, corrupted) -> None:
    path, expected, _ = corrupted
    import_recommendations(db_session, UPR_INFO, fmt="upr-info")
    recommendations, links = _count(db_session), _count(db_session, RecommendationTheme)
    tenth_text = db_session.execute(
        select(Recommendation.text).order_by(Recommendation.id).offset(9).limit(1)
    ).scalar_one()

    with pytest.raises(RecommendationImportError) as refused:
        import_recommendations(db_session, path, fmt="upr-info")

    assert [str(problem) for problem in refused.value.problems] == expected
    assert (_count(db_session), _count(db_session, RecommendationTheme)) == (recommendations, links)
    assert db_session.execute(
        select(Recommendation.text).order_by(Recommendation.id).offset(9).limit(1)
    ).scalar_one() == tenth_text


def test_refused_file_writes_nothing_into_an_empty_database(db_session: Session, corrupted) -> None:
    path, _, _ = corrupted
    with pytest.raises(RecommendationImportError):
        import_recommendations(db_session, path, fmt="upr-info")
    assert _count(db_session) == 0


def test_skip_invalid_imports_the_rest(db_session: Session, corrupted) -> None:
    path, expected, bad_rows = corrupted
    report = import_recommendations(db_session, path, fmt="upr-info", skip_invalid=True)

    assert [str(problem) for problem in report.problems] == expected
    assert (report.rows, report.skipped, report.inserted) == (4424, bad_rows, 4424 - bad_rows)
    assert _count(db_session) == 4424 - bad_rows


def test_missing_columns_are_one_problem(db_session: Session, tmp_path: Path) -> None:
    header, rows = _read(UPR_INFO)
    keep = [i for i, name in enumerate(header) if name not in ("To", "Response")]
    path = _write(tmp_path / "no_response.csv", [header[i] for i in keep],
                  [[row[i] for i in keep] for row in rows[:10]])

    with pytest.raises(RecommendationImportError) as refused:
        import_recommendations(db_session, path, fmt="upr-info", skip_invalid=True)

    [problem] = refused.value.problems
    assert str(problem).startswith(
        'line 1: the header lacks required column(s) "To", "Response" (found "rec_id", "cycle"'
    )
    assert _count(db_session) == 0


def test_wrong_format_names_the_missing_columns(db_session: Session) -> None:
    with pytest.raises(RecommendationImportError) as refused:
        import_recommendations(db_session, UPR_INFO, fmt="uhri-themes")
    [problem] = refused.value.problems
    assert '"recommendation", "position", "sur_iso3 or state_under_review"' in str(problem)


def test_empty_file(db_session: Session) -> None:
    with pytest.raises(RecommendationImportError) as refused:
        import_recommendations_from_stream(db_session, io.StringIO(""), fmt="upr-info")
    assert str(refused.value.problems[0]).startswith("line 1: the header lacks")


def test_extra_fields_and_missing_text(db_session: Session) -> None:
    content = (
        "rec_id,To,Text,Response\n"
        "A-1,Chile,Do it.,Noted,surplus\n"
        "A-2,Chile\n"
    )
    with pytest.raises(RecommendationImportError) as refused:
        import_recommendations_from_stream(db_session, io.StringIO(content), fmt="upr-info")
    assert [str(p) for p in refused.value.problems] == [
        "line 2: has 5 fields, the header has 4",
        'line 3, column "Text": is required and empty',
        'line 3, column "Response": is required and empty',
    ]


def test_text_that_is_not_utf8_names_its_line(db_session: Session, tmp_path: Path) -> None:
    path = tmp_path / "mac_roman.csv"
    path.write_bytes(
        b"rec_id,To,Text,Response\r\nA-1,Chile,Do it.,Noted\r\n"
        + "A-2,Côte d'Ivoire,Do it.,Noted\r\n".encode("mac_roman")
    )
    with pytest.raises(RecommendationImportError) as refused:
        import_recommendations(db_session, path, fmt="upr-info")
    assert [str(p) for p in refused.value.problems] == [
        "line 3: is not UTF-8 text (byte 0x99); save the file as UTF-8"
    ]


def test_overlong_values_are_refused_before_the_database_sees_them(db_session: Session) -> None:
    content = f"rec_id,To,Text,Response\n{'X' * 65},Chile,Do it.,Noted\n"
    with pytest.raises(RecommendationImportError) as refused:
        import_recommendations_from_stream(db_session, io.StringIO(content), fmt="upr-info")
    assert [str(p) for p in refused.value.problems] == [
        'line 2, column "rec_id": is 65 characters long, the limit is 64'
    ]
