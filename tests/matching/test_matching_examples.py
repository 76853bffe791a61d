"""The example instances reach their proven optima, and the results pass the checker."""

from __future__ import annotations

import pytest
from matching_builders import OPTIMA

from matching import Status, check, parse_instance, solve


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
