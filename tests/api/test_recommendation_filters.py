"""GraphQL: recommendations of every mechanism, filtered by mechanism, body, document, year
and SDG target, with their new fields; the SDG targets in six languages."""

from __future__ import annotations

import pytest

from facility.reference.importers import import_recommendations
from tests.api.helpers import run
from tests.reference import uhri_fixtures as fx


@pytest.fixture
def imported(db_session, tmp_path):
    import_recommendations(db_session, fx.write_json(tmp_path / "uhri.json", fx.sample_records()),
                           fmt="uhri")
    db_session.flush()


def _ids(gql, **filters) -> set[str]:
    data = run(gql, "Recommendations", first=100, **filters)["recommendations"]
    assert data["totalCount"] == len(data["edges"])
    return {e["node"]["sourceId"] for e in data["edges"]}


def test_filters_by_mechanism_body_symbol_year_and_target(gql, imported):
    cescr = _ids(gql, stateCode="AUS", mechanism="TREATY_BODY")
    assert len(cescr) == fx.SAMPLE_RECOMMENDATIONS
    assert _ids(gql, stateCode="AUS", mechanism="UPR") == {fx.UPR_ID}
    assert _ids(gql, mechanism="SPECIAL_PROCEDURE", body="SR Torture") == {
        f"{fx.TWO_STATES_ID}/JOR", f"{fx.TWO_STATES_ID}/LBN"}
    # A body by its long name or its code, in any case.
    assert _ids(gql, body="Committee on the Rights of the Child") == {fx.CRC_ID}
    assert _ids(gql, body="crc") == {fx.CRC_ID}
    assert _ids(gql, symbol="e/c.12/aus/co/6") == cescr
    assert _ids(gql, year=2016) == {fx.CRC_ID}
    assert _ids(gql, sdgTarget="1.4") == {"2f79b008-3d85-4537-be5c-daf6c86ca627"}
    assert _ids(gql, stateCode="AUS", year=2026, sdgTarget="16.7") <= cescr
    assert _ids(gql, body="Committee of Nobody") == set()


def test_fields_of_a_treaty_body_and_a_upr_recommendation(gql, imported):
    edges = run(gql, "Recommendations", stateCode="AUS", sdgTarget="1.4")["recommendations"]["edges"]
    node = edges[0]["node"]
    assert (node["mechanismType"], node["body"], node["documentSymbol"]) == (
        "TREATY_BODY", "CESCR", "E/C.12/AUS/CO/6")
    assert (node["response"], node["publicationDate"], node["year"]) == (None, "2026-03-23", 2026)
    assert node["affectedPersons"] == ["Indigenous peoples"]
    assert node["sdgTargets"] == [{"code": "1.4", "goal": 1, "title": node["sdgTargets"][0]["title"]}]
    assert node["sdgTargets"][0]["title"].startswith("By 2030, ensure that all men and women")
    upr = run(gql, "Recommendations", stateCode="AUS", mechanism="UPR")["recommendations"]
    node = upr["edges"][0]["node"]
    assert (node["response"], node["cycle"], node["session"]) == ("SUPPORTED", 3, 37)
    assert [s["code"] for s in node["recommendingStates"]] == ["DNK", "GHA"]


def test_sdg_targets_in_each_language(gql):
    every = run(gql, "SdgTargets")["sdgTargets"]
    assert len(every) == 169 and every[0]["code"] == "1.1"
    assert [t["code"] for t in every[:8]] == ["1.1", "1.2", "1.3", "1.4", "1.5", "1.a", "1.b",
                                              "2.1"]
    spanish = run(gql, "SdgTargets", language="es", goal=5)["sdgTargets"]
    assert spanish[0]["title"].startswith("Poner fin a todas las formas de discrimin")
