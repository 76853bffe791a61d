"""`facility import recommendations` embeds; `facility recommendations embed|search`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from facility.bootstrap import upgrade
from facility.cli import app
from facility.config import get_settings
from facility.db import make_engine, unit_of_work
from facility.semantic import encoder as encoder_module
from facility.semantic.models import RecommendationEmbedding
from tests.semantic.conftest import SMALL, needs_model


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    monkeypatch.setenv("FACILITY_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def _embeddings(url: str) -> int:
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        count = session.execute(
            select(func.count()).select_from(RecommendationEmbedding)).scalar_one()
    engine.dispose()
    return count


def _cli(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args))


@needs_model
def test_import_embeds_then_embed_finds_nothing_left_and_search_prints_the_mode(database):
    imported = _cli("import", "recommendations", "--format", "upr-info", str(SMALL))
    assert imported.exit_code == 0, imported.output
    assert "embedded 33 recommendations (33 distinct texts encoded, 0 reused)" in imported.output
    assert _embeddings(database) == 33
    again = _cli("recommendations", "embed")
    assert again.exit_code == 0, again.output
    assert again.output.strip() == ("embedded 0 recommendations (0 distinct texts encoded, "
                                    "0 reused), 33 already up to date")
    found = _cli("recommendations", "search", "judicial independence training for judges",
                 "--mode", "SEMANTIC", "--first", "3")
    assert found.exit_code == 0, found.output
    lines = found.output.splitlines()
    assert lines[0] == "mode: SEMANTIC" and len(lines) == 4
    assert all("UPRINFO-R" in line for line in lines[1:])


def test_without_the_model_import_says_so_and_embed_fails_clearly(database, monkeypatch):
    monkeypatch.setattr(encoder_module, "runtime_available", lambda: False)
    monkeypatch.setattr(encoder_module, "_loaded", None)
    imported = _cli("import", "recommendations", "--format", "upr-info", str(SMALL))
    assert imported.exit_code == 0, imported.output
    assert "no embeddings computed: the embedding model is not installed" in imported.output
    assert _embeddings(database) == 0
    refused = _cli("recommendations", "embed")
    assert refused.exit_code == 1
    assert "the embedding model (all-MiniLM-L6-v2) is not installed" in refused.output
    searched = _cli("recommendations", "search", "strengthening the judiciary")
    assert searched.output.splitlines()[0] == (
        "mode: LEXICAL (the embedding model is not installed: full-text search)")


def test_search_refuses_an_empty_query(database):
    result = _cli("recommendations", "search", "  ")
    assert result.exit_code == 1 and "query: must not be empty" in result.output


def test_import_with_no_embed_stores_no_vectors(database):
    result = _cli("import", "recommendations", "--no-embed", "--format", "upr-info", str(SMALL))
    assert result.exit_code == 0 and "embedded" not in result.output
    assert _embeddings(database) == 0
