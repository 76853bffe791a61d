"""Migrations: they match the models, and they go down and up again on both databases."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from alembic import command
from facility.bootstrap import upgrade
from facility.db import alembic_config, include_name, make_engine
from facility.models import metadata
from tests.conftest import POSTGRES_URL_VAR, _create_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_engine(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
        yield engine
        engine.dispose()
        return
    if not os.environ.get(POSTGRES_URL_VAR):
        pytest.skip(f"{POSTGRES_URL_VAR} is not set")
    url, drop = _create_postgres_database()
    engine = make_engine(url)
    yield engine
    engine.dispose()
    drop()


def _run(engine, fn, revision):
    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        fn(cfg, revision)


def test_models_and_migrations_agree(fresh_engine):
    upgrade(fresh_engine)
    with fresh_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": include_name})
        diff = compare_metadata(context, metadata())
    assert diff == [], "models changed without a migration: run `alembic revision --autogenerate`"


def test_downgrade_to_base_and_upgrade_again_keeps_working(fresh_engine):
    upgrade(fresh_engine)
    with fresh_engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO recommendation (source_id, source, state_code, recommended_by, mechanism, "
            "text, response, source_themes, imported_at) VALUES ('X-1', 'uhri', 'SVN', '', 'UPR', "
            "'Ratify the convention', 'SUPPORTED', '', CURRENT_TIMESTAMP)"))
    _run(fresh_engine, command.downgrade, "0001")  # search index off, data kept
    with fresh_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM recommendation")).scalar() == 1
    _run(fresh_engine, command.upgrade, "head")
    _run(fresh_engine, command.downgrade, "base")
    assert [t for t in inspect(fresh_engine).get_table_names() if t != "alembic_version"] == []
    upgrade(fresh_engine)
    assert "capacity_request" in inspect(fresh_engine).get_table_names()


def test_the_folder_order_is_the_chain_order() -> None:
    """alembic/README: files are named <position>_<revision>_<slug>.py; sorted, they run in order."""
    from alembic.script import ScriptDirectory

    from facility.db import ALEMBIC_DIR

    scripts = ScriptDirectory(str(ALEMBIC_DIR))
    assert len(scripts.get_heads()) == 1, f"several heads: {scripts.get_heads()}"
    chain = [s.revision for s in reversed(list(scripts.walk_revisions()))]
    files = sorted(p.name for p in (ALEMBIC_DIR / "versions").glob("*.py"))
    assert [f.split("_")[1] for f in files] == chain
    assert [int(f.split("_")[0]) for f in files] == list(range(1, len(files) + 1))
