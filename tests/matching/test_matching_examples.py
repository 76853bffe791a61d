"""The example instances reach their proven optima, and the results pass the checker."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest
from matching_builders import INSTANCES, OPTIMA

from matching import Status, check, parse_instance, result_to_dict, solve


@pytest.mark.parametrize("name", ["tiny", "small", "medium"])
def test_example_reaches_documented_optimum(name, example_docs):
    instance = parse_instance(example_docs[name])
    result = solve(instance, time_limit=60)
    assert result.status is Status.OPTIMAL
    assert result.score == OPTIMA[name]
    assert result.bound == OPTIMA[name]
    assert check(instance, result) == []
    matched = {m.request for m in result.matches}
    unmatched = {u.request for u in result.unmatched}
    assert matched.isdisjoint(unmatched)
    assert matched | unmatched == {r.id for r in instance.requests}
    assert all(u.reasons for u in result.unmatched)
    assert all(m.explanation.startswith("Funded by offer") for m in result.matches)


# The results of the examples as the optimiser gave them before urgent requests, the ready
# roster and evaluations joined the model (`facility match` on each, `seconds` set to 0):
# the extension must leave them unchanged, explanations and reasons included. medium's is
# 450 kB, so only its digest is kept (sha256 of the document without `seconds`, keys sorted).
MEDIUM_RESULT_SHA256 = "fa00e2d641af1d886b85dc42da86da3530272c0dee362cff2a9d7f01d6f1f615"


def _document(result) -> dict:
    out = result_to_dict(result)
    out.pop("seconds")
    return out


@pytest.mark.parametrize("name", ["tiny", "small"])
def test_examples_give_the_same_result_as_before_the_ready_roster(name, example_docs):
    result = solve(parse_instance(example_docs[name]), time_limit=60)
    expected = json.loads((INSTANCES / f"{name}.result.json").read_text())
    expected.pop("seconds")
    assert _document(result) == expected


def test_medium_gives_the_same_result_as_before_the_ready_roster(example_docs):
    result = solve(parse_instance(example_docs["medium"]), time_limit=60)
    text = json.dumps(_document(result), sort_keys=True, ensure_ascii=False)
    assert hashlib.sha256(text.encode()).hexdigest() == MEDIUM_RESULT_SHA256


def test_the_new_fields_at_their_defaults_change_nothing(example_docs):
    # Written out explicitly (not urgent, off the ready roster, never evaluated, weight 0),
    # whatever the floor: the same result as without them.
    tiny = copy.deepcopy(example_docs["tiny"])
    tiny["criteria"].update(evaluation_weight=0, evaluation_floor=90)
    for r in tiny["requests"]:
        r["urgent"] = False
    for e in tiny["experts"]:
        e.update(notice_hours=None, evaluation=None)
    expected = json.loads((INSTANCES / "tiny.result.json").read_text())
    expected.pop("seconds")
    assert _document(solve(parse_instance(tiny), time_limit=60)) == expected
