"""The checker catches each kind of violation, naming the rule and the ids."""

from __future__ import annotations

import pytest
from matching_builders import build, exp, off, req

from matching import Match, Result, Status, check, recompute_score
from matching.encode import encode
from matching.result import GroupRow, Unmatched
from matching.rules import fit_of, group_tallies, request_value


def make_result(instance, matches, score=None, status=Status.FEASIBLE, bound=None):
    """A result whose value/fit/groups/score are right, so only the planted fault shows."""
    enc = encode(instance)
    out = []
    for rid, oid, experts in matches:
        r = instance.request_index.get(rid)
        if r is None:
            out.append(Match(rid, oid, tuple(experts), 0, 0))
            continue
        known = [instance.expert_index[e] for e in experts if e in instance.expert_index]
        value = request_value(instance.criteria, instance.as_of, instance.requests[r])
        out.append(Match(rid, oid, tuple(experts), value, fit_of(enc, r, sorted(set(known)))))
    ids = {m.request for m in out}
    unmatched = tuple(Unmatched(r.id, ("-",)) for r in instance.requests if r.id not in ids)
    tallies = group_tallies(instance, [m.request for m in out
                                       if m.request in instance.request_index])
    groups = {g: GroupRow(t.requests, t.matched, t.floor, t.shortfall)
              for g, t in tallies.items()}
    res = Result(status, 0, 0, 0.0, tuple(out), unmatched, groups)
    real = recompute_score(instance, res)
    score = real if score is None else score
    return Result(status, score, max(score, real) if bound is None else bound, 0.0,
                  tuple(out), unmatched, groups)


def rules_of(instance, result):
    return {(v.rule, v.ids) for v in check(instance, result)}


BASE = dict(
    requests=[req("R1"), req("R2", state="UGA", experts_needed=2),
              req("R3", experts_needed=0)],
    offers=[off("O1", budget=200_000), off("O2", themes=["NHRI"], groups=["APG"], states=["IDN"],
                        window=["2027-06-20", "2027-12-31"], budget=40_000, max_requests=1)],
    experts=[exp("E1", max_assignments=2), exp("E2", group="WEOG"),
             exp("E3", themes=["NHRI"], languages=["fr"], nationality="KEN", conflicts=["UGA"],
                 available=[["2027-01-01", "2027-01-31"]]),
             exp("E4")],
)


@pytest.fixture
def inst():
    return build(**BASE)


def test_valid_result_has_no_violation(inst):
    res = make_result(inst, [("R1", "O1", ["E1"]), ("R2", "O1", ["E1", "E2"]),
                             ("R3", "O1", [])])
    assert check(inst, res) == []


@pytest.mark.parametrize(
    "rule", ["offer_theme", "offer_group", "offer_state", "offer_window", "offer_budget"]
)
def test_offer_rule_violations(inst, rule):
    # O2 breaks every offer rule for R1 at once; each is reported under its own name.
    assert (rule, ("R1", "O2")) in rules_of(inst, make_result(inst, [("R1", "O2", ["E1"])]))


@pytest.mark.parametrize(
    "rule", ["expert_theme", "expert_language", "expert_nationality", "expert_availability"]
)
def test_expert_rule_violations(inst, rule):
    assert (rule, ("R1", "E3")) in rules_of(inst, make_result(inst, [("R1", "O1", ["E3"])]))


def test_conflict(inst):
    res = make_result(inst, [("R2", "O1", ["E1", "E3"])])
    assert ("expert_conflict", ("R2", "E3")) in rules_of(inst, res)


def test_offer_budget_capacity():
    inst = build([req("R1", budget=60_000), req("R2", budget=60_000)], [off("O1")],
                 [exp("E1"), exp("E2")])
    res = make_result(inst, [("R1", "O1", ["E1"]), ("R2", "O1", ["E2"])])
    assert ("offer_budget_capacity", ("O1",)) in rules_of(inst, res)


def test_offer_max_requests():
    inst = build([req("R1"), req("R2")], [off("O1", max_requests=1)], [exp("E1"), exp("E2")])
    res = make_result(inst, [("R1", "O1", ["E1"]), ("R2", "O1", ["E2"])])
    assert ("offer_max_requests", ("O1",)) in rules_of(inst, res)


def test_expert_max_assignments(inst):
    res = make_result(inst, [("R1", "O1", ["E4"]), ("R2", "O1", ["E1", "E4"])])
    assert ("expert_max_assignments", ("E4",)) in rules_of(inst, res)


def test_team_diversity(inst):
    res = make_result(inst, [("R2", "O1", ["E1", "E4"])])
    assert ("team_diversity", ("R2", "E1", "E4")) in rules_of(inst, res)


def test_duplicate_expert_in_team(inst):
    res = make_result(inst, [("R2", "O1", ["E1", "E1"])])
    assert ("team_duplicate_expert", ("R2", "E1")) in rules_of(inst, res)


def test_wrong_expert_count(inst):
    res = make_result(inst, [("R1", "O1", ["E1", "E2"]), ("R3", "O1", ["E4"])])
    found = rules_of(inst, res)
    assert ("team_size", ("R1",)) in found
    assert ("team_size", ("R3",)) in found


def test_request_matched_twice(inst):
    res = make_result(inst, [("R1", "O1", ["E1"]), ("R1", "O1", ["E4"])])
    assert ("request_matched_twice", ("R1",)) in rules_of(inst, res)


def test_unknown_ids(inst):
    res = make_result(inst, [("R9", "O1", ["E1"]), ("R1", "O7", ["E1"]),
                             ("R3", "O1", ["E8"])])
    found = rules_of(inst, res)
    assert ("unknown_id", ("R9",)) in found
    assert ("unknown_id", ("O7",)) in found
    assert ("unknown_id", ("E8",)) in found


def test_wrong_score(inst):
    res = make_result(inst, [("R1", "O1", ["E1"])], score=999)
    found = {v.rule for v in check(inst, res)}
    assert "score" in found
    assert recompute_score(inst, res) == 151


def test_wrong_value_fit_and_status(inst):
    res = make_result(inst, [("R1", "O1", ["E1"])])
    bad = Result(Status.OPTIMAL, res.score, res.score + 5, 0.0,
                 (Match("R1", "O1", ("E1",), 1, 2),), res.unmatched, res.groups)
    found = {v.rule for v in check(inst, bad)}
    assert {"match_value", "match_fit", "status"} <= found


def test_check_accepts_result_documents(inst):
    from matching import result_to_dict
    res = make_result(inst, [("R1", "O1", ["E1"])])
    assert check(inst, result_to_dict(res)) == []
