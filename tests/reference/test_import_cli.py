"""`facility import recommendations` against a temporary SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from facility.bootstrap import upgrade
from facility.config import get_settings
from facility.db import make_engine, unit_of_work
from facility.reference.cli import import_app
from facility.reference.models import Recommendation

DATA = Path(__file__).resolve().parent.parent / "data" / "recommendations"
UPR_INFO = DATA / "upr_info_sessions01-04.csv"
UHRI = DATA / "upr_slovenia_cycles2-4_uhri_thematic.csv"

app = typer.Typer()
app.add_typer(import_app, name="import")  # as the project's main CLI mounts it


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A migrated SQLite database that get_settings() points to."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    monkeypatch.setenv("FACILITY_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def _count(url: str) -> int:
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        count = session.execute(select(func.count()).select_from(Recommendation)).scalar_one()
    engine.dispose()
    return count


def _run(*args: str):  # type: ignore[no-untyped-def]
    # Embedding after import has its own test (tests/semantic/test_embed_cli.py).
    return CliRunner().invoke(app, ["import", "recommendations", "--no-embed", *args])


def test_import_then_reimport(database: str) -> None:
    first = _run("--format", "upr-info", str(UPR_INFO))
    assert first.exit_code == 0, first.output
    assert "inserted 4424, updated 0, unchanged 0, skipped 0" in first.stdout
    assert _count(database) == 4424

    second = _run("--format", "upr-info", str(UPR_INFO))
    assert second.exit_code == 0, second.output
    assert "inserted 0, updated 0, unchanged 4424, skipped 0" in second.stdout
    assert _count(database) == 4424


def test_uhri_themes_imports_and_lists_unknown_themes(database: str, tmp_path: Path) -> None:
    result = _run("--format", "uhri-themes", str(UHRI))
    assert result.exit_code == 0, result.output
    assert "inserted 632" in result.stdout
    assert "unknown themes" not in result.stdout  # every theme of the real file is mapped
    assert _count(database) == 632

    lines = UHRI.read_text(encoding="utf-8").splitlines(keepends=True)
    header, row = lines[0], lines[1]
    odd = tmp_path / "odd.csv"
    odd.write_text(header + row.replace("SVN-C2-115.1", "SVN-X-1").replace(
        "A12 Acceptance of international norms,A12", "A12 Acceptance of international norms,Space law"),
        encoding="utf-8")
    result = _run("--format", "uhri-themes", str(odd))
    assert result.exit_code == 0, result.output
    assert "unknown themes (kept as source text only)" in result.stdout
    assert "Space law" in result.stdout


def _damaged(tmp_path: Path) -> Path:
    lines = UPR_INFO.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace(",Accepted,", ",Perhaps,")
    lines[6] = lines[6].replace(",Algeria,", ",Atlantis,", 1)
    path = tmp_path / "damaged.csv"
    path.write_text("".join(lines[:20]), encoding="utf-8")
    return path


def test_refused_file_exits_1_lists_problems_and_writes_nothing(
    database: str, tmp_path: Path
) -> None:
    result = _run("--format", "upr-info", str(_damaged(tmp_path)))

    assert result.exit_code == 1
    assert 'line 4, column "Response": "Perhaps" is not one of Accepted, Noted' in result.stderr
    assert 'line 7, column "To": "Atlantis" is not a known State name' in result.stderr
    assert "refused, 2 problem(s); nothing was imported." in result.stderr
    assert result.stdout == ""
    assert _count(database) == 0


def test_skip_invalid(database: str, tmp_path: Path) -> None:
    result = _run("--format", "upr-info", "--skip-invalid", str(_damaged(tmp_path)))

    assert result.exit_code == 0, result.output
    assert "inserted 17, updated 0, unchanged 0, skipped 2" in result.stdout
    assert 'skipped: line 4, column "Response"' in result.stderr
    assert _count(database) == 17


def test_unknown_format_is_a_usage_error(database: str) -> None:
    result = _run("--format", "csv", str(UPR_INFO))
    assert result.exit_code == 2
    assert _count(database) == 0


def test_uhri_export_workbook_imports_and_a_refusal_writes_nothing(database: str,
                                                                  tmp_path: Path) -> None:
    from tests.reference import uhri_fixtures as fx

    records = fx.sample_records()
    result = _run("--format", "uhri", str(fx.write_xlsx(tmp_path / "uhri.xlsx", records)))
    assert result.exit_code == 0, result.output
    rows = fx.SAMPLE_RECOMMENDATIONS + fx.EXTRA_RECOMMENDATIONS
    assert f"inserted {rows}, updated 0, unchanged 0, skipped 0" in result.stdout
    assert f"not recommendations, not imported: {fx.SAMPLE_CONCERNS} Concerns/Observations" in (
        result.stdout)

    records[0]["Text"] = "changed"  # valid, read before the problem of the last record
    records[-1]["Countries"] = ["Atlantis"]
    refused = _run("--format", "uhri", str(fx.write_json(tmp_path / "bad.json", records)))
    assert refused.exit_code == 1
    assert f'record {len(records)}, key "Countries": "Atlantis" is not a known State' in (
        refused.output)
    assert "refused, 1 problem(s); nothing was imported." in refused.output
    again = _run("--format", "uhri", str(tmp_path / "uhri.xlsx"))
    assert f"inserted 0, updated 0, unchanged {rows}" in again.stdout
    assert _count(database) == rows
