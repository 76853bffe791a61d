"""Malformed instances are refused with every problem named by record and field."""

from __future__ import annotations

import json

import pytest
from matching_builders import doc, exp, off, req

from matching import FixedMatch, InstanceError, load_instance, parse_instance, solve
from matching.instance import instance_to_dict


def problems(document) -> list[str]:
    with pytest.raises(InstanceError) as info:
        parse_instance(document)
    return info.value.problems


def test_example_round_trips(tiny_doc):
    assert instance_to_dict(parse_instance(tiny_doc))["requests"] == tiny_doc["requests"]


def test_window_out_of_order_message_names_record_and_field():
    d = doc([req("R1"), req("R2"), req("R3"), req("R4", window=["2027-03-01", "2027-01-01"])],
            [off("O1")], [exp("E1")])
    assert problems(d) == [
        'requests[3] (id "R4"): field "window": end 2027-01-01 is before start 2027-03-01'
    ]


def test_all_problems_are_collected():
    d = doc(
        [req("R1", budget=-5), req("R1", submitted="2026-02-30"), req("R3", group="XYZ")],
        [off("O1", groups=["NORDIC"])],
        [exp("E1", available=[["2027-05-01", "2027-04-01"]])],
    )
    d["format"] = "facility-matching/9"
    del d["requests"][2]["weeks"]
    found = problems(d)
    expected = [
        'instance: field "format": expected "facility-matching/1", got "facility-matching/9"',
        'requests[0] (id "R1"): field "budget": must be at least 0, got -5',
        'requests[1] (id "R1"): field "submitted": bad date "2026-02-30" (expected YYYY-MM-DD)',
        'requests[2] (id "R3"): field "group": unknown group code "XYZ"',
        'requests[2] (id "R3"): field "weeks": missing',
        'requests[1] (id "R1"): field "id": duplicate id, already used by requests[0]',
        'offers[0] (id "O1"): field "groups": unknown group code "NORDIC"',
        'experts[0] (id "E1"): field "available[0]": end 2027-04-01 is before start 2027-05-01',
    ]
    for e in expected:
        assert any(f.startswith(e) for f in found), (e, found)


def test_missing_and_wrongly_typed_fields():
    d = doc([req("R1")], [off("O1")], [exp("E1")])
    del d["offers"][0]["budget"]
    d["experts"][0]["max_assignments"] = "two"
    d["requests"][0]["all_supported"] = "yes"
    del d["criteria"]["fairness_penalty"]
    found = problems(d)
    assert 'offers[0] (id "O1"): field "budget": missing' in found
    assert any(f.startswith('experts[0] (id "E1"): field "max_assignments"') for f in found)
    assert any(f.startswith('requests[0] (id "R1"): field "all_supported"') for f in found)
    assert 'criteria: field "fairness_penalty": missing' in found


def test_unknown_group_in_floor_shares():
    d = doc([req("R1")], [off("O1")], [exp("E1")], group_floor_share={"ASIA": 0.3})
    assert any('unknown group code "ASIA"' in p for p in problems(d))


def test_load_instance_reports_bad_json(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(InstanceError, match="not valid JSON"):
        load_instance(path)
    path.write_text(json.dumps(doc([req("R1")], [off("O1")], [exp("E1")])))
    assert load_instance(path).requests[0].id == "R1"


def test_fixed_match_with_unknown_ids_or_broken_rules():
    inst = parse_instance(doc([req("R1"), req("R2")], [off("O1")], [exp("E1")]))
    with pytest.raises(InstanceError) as info:
        solve(inst, time_limit=5, fixed=[FixedMatch("R9", "O1", ("E1",)),
                                         FixedMatch("R1", "O7", ("E1",))])
    assert 'fixed[0] (request "R9"): field "request": unknown request id "R9"' in info.value.problems
    assert 'fixed[1] (request "R1"): field "offer": unknown offer id "O7"' in info.value.problems
    with pytest.raises(InstanceError, match="2 experts given, 1 needed"):
        solve(inst, time_limit=5, fixed=[FixedMatch("R1", "O1", ("E1", "E1"))])


def test_a_partner_of_no_state_has_partner_state_null_and_nulls_elsewhere_are_refused():
    d = doc([req("R1")], [off("O1", partner_state=None)], [exp("E1")])
    assert parse_instance(d).offers[0].partner_state is None
    missing = doc([req("R1")], [off("O1")], [exp("E1")])
    del missing["offers"][0]["partner_state"]
    assert problems(missing) == [
        'offers[0] (id "O1"): field "partner_state": missing (use null for a partner of no State)']
    nulls = doc([req("R1", budget=None)], [off("O1")], [exp("E1")])
    assert problems(nulls) == ['requests[0] (id "R1"): field "budget": must not be null']
