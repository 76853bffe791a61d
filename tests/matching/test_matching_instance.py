"""Malformed instances are refused with every problem named by record and field."""

from __future__ import annotations

import datetime as dt
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


# The ready roster and evaluations: every new field optional, each error named.

def test_urgency_readiness_and_evaluation_fields_are_read():
    d = doc([req("R1", urgent=True, latest_start="2027-02-10"), req("R2")], [off("O1")],
            [exp("E1", notice_hours=72, evaluation=85), exp("E2", notice_hours=None),
             exp("E3")],
            evaluation_weight=20, evaluation_floor=40)
    inst = parse_instance(d)
    r1, r2 = inst.requests
    assert (r1.urgent, r1.latest_start) == (True, dt.date(2027, 2, 10))
    assert (r2.urgent, r2.latest_start) == (False, None)
    assert [(e.notice_hours, e.evaluation) for e in inst.experts] == [
        (72, 85), (None, None), (None, None)]
    assert (inst.criteria.evaluation_weight, inst.criteria.evaluation_floor) == (20, 40)
    assert instance_to_dict(inst)["requests"][0]["latest_start"] == "2027-02-10"
    again = parse_instance(instance_to_dict(inst))
    assert again.requests == inst.requests and again.experts == inst.experts
    assert again.criteria == inst.criteria


def test_absent_fields_take_their_defaults_and_stay_absent_on_writing(tiny_doc):
    inst = parse_instance(tiny_doc)
    assert inst.criteria.evaluation_weight == 0 and inst.criteria.evaluation_floor == 50
    assert not any(r.urgent for r in inst.requests)
    assert all(e.notice_hours is None and e.evaluation is None for e in inst.experts)
    assert instance_to_dict(inst)["criteria"] == tiny_doc["criteria"]
    assert instance_to_dict(inst)["experts"] == tiny_doc["experts"]


@pytest.mark.parametrize(
    ("request_fields", "problem"),
    [
        ({"urgent": True},
         'field "latest_start": required when "urgent" is true (YYYY-MM-DD)'),
        ({"urgent": True, "latest_start": None},
         'field "latest_start": required when "urgent" is true (YYYY-MM-DD)'),
        ({"urgent": "yes", "latest_start": "2027-02-10"},
         'field "urgent": expected true or false, got "yes"'),
        ({"urgent": None}, 'field "urgent": must not be null (leave it out for false)'),
        ({"urgent": True, "latest_start": "10/02/2027"},
         'field "latest_start": bad date "10/02/2027" (expected YYYY-MM-DD)'),
        ({"urgent": False, "latest_start": "2027-02-31"},
         'field "latest_start": bad date "2027-02-31" (expected YYYY-MM-DD)'),
        ({"urgent": True, "latest_start": "2027-01-20"},
         'field "latest_start": 2027-01-20 is before the window\'s start 2027-02-01'),
    ],
)
def test_bad_urgency_is_refused_naming_record_and_field(request_fields, problem):
    d = doc([req("R1"), req("R2", **request_fields)], [off("O1")], [exp("E1")])
    assert problems(d) == [f'requests[1] (id "R2"): {problem}']


def test_a_latest_start_without_urgency_is_kept_and_unused():
    # Window starts 2027-02-01; a latest start before it is no error when not urgent.
    inst = parse_instance(doc([req("R1", latest_start="2027-01-20")], [off("O1")], [exp("E1")]))
    assert inst.requests[0].latest_start == dt.date(2027, 1, 20)
    assert [m.request for m in solve(inst, time_limit=5).matches] == ["R1"]


@pytest.mark.parametrize(
    ("expert_fields", "problem"),
    [
        ({"notice_hours": -1}, 'field "notice_hours": must be at least 0, got -1'),
        ({"notice_hours": "72"}, 'field "notice_hours": expected a whole number, got "72"'),
        ({"notice_hours": 72.5}, 'field "notice_hours": expected a whole number, got 72.5'),
        ({"notice_hours": True}, 'field "notice_hours": expected a whole number, got true'),
        ({"evaluation": 101}, 'field "evaluation": must be within 0..100, got 101'),
        ({"evaluation": -5}, 'field "evaluation": must be within 0..100, got -5'),
        ({"evaluation": 0.85}, 'field "evaluation": expected a whole number, got 0.85'),
    ],
)
def test_bad_readiness_or_evaluation_is_refused(expert_fields, problem):
    d = doc([req("R1")], [off("O1")], [exp("E1"), exp("E2", **expert_fields)])
    assert problems(d) == [f'experts[1] (id "E2"): {problem}']


@pytest.mark.parametrize(
    ("criteria", "problem"),
    [
        ({"evaluation_weight": -1}, 'field "evaluation_weight": must be at least 0, got -1'),
        ({"evaluation_weight": None},
         'field "evaluation_weight": must not be null (leave it out for the default)'),
        ({"evaluation_weight": "10"},
         'field "evaluation_weight": expected a whole number, got "10"'),
        ({"evaluation_floor": 101}, 'field "evaluation_floor": must be within 0..100, got 101'),
        ({"evaluation_floor": None},
         'field "evaluation_floor": must not be null (leave it out for the default)'),
    ],
)
def test_bad_evaluation_criteria_are_refused(criteria, problem):
    d = doc([req("R1")], [off("O1")], [exp("E1")], **criteria)
    assert problems(d) == [f"criteria: {problem}"]
