"""Determinism, fixed matches and the progress callback."""

from __future__ import annotations

import json

from matching_builders import build, exp, off, req

from matching import FixedMatch, Progress, check, parse_instance, result_to_json, solve


def _without_seconds(text: str) -> dict:
    data = json.loads(text)
    data.pop("seconds")
    return data


def test_same_instance_same_result(example_docs):
    instance = parse_instance(example_docs["small"])
    first = result_to_json(solve(instance, time_limit=20))
    second = result_to_json(solve(instance, time_limit=20))
    assert json.dumps(_without_seconds(first)) == json.dumps(_without_seconds(second))
    # Byte for byte once the timing line is set aside.
    strip = [ln for ln in first.splitlines() if '"seconds"' not in ln]
    assert strip == [ln for ln in second.splitlines() if '"seconds"' not in ln]


def test_fixed_matches_are_kept():
    # Free choice: R2 (priority 5) takes the single seat. Fixed R1 keeps it instead.
    inst = build([req("R1"), req("R2", priority=5)], [off("O1", max_requests=1)],
                 [exp("E1"), exp("E2")])
    free = solve(inst, time_limit=5)
    assert [m.request for m in free.matches] == ["R2"]
    kept = solve(inst, time_limit=5, fixed=[FixedMatch("R1", "O1", ("E2",))])
    assert [(m.request, m.offer, m.experts) for m in kept.matches] == [("R1", "O1", ("E2",))]
    assert "Kept fixed" in kept.matches[0].explanation
    assert check(inst, kept) == []
    assert kept.status.value == "OPTIMAL"


def test_fixed_matches_on_an_example(example_docs):
    instance = parse_instance(example_docs["tiny"])
    base = solve(instance, time_limit=10)
    fixed = [FixedMatch(m.request, m.offer, m.experts) for m in base.matches[:5]]
    again = solve(instance, time_limit=10, fixed=fixed)
    assert check(instance, again) == []
    got = {m.request: (m.offer, m.experts) for m in again.matches}
    for f in fixed:
        assert got[f.request] == (f.offer, f.experts)


def test_progress_callback_reports_score_and_bound(example_docs):
    seen: list[Progress] = []
    result = solve(parse_instance(example_docs["small"]), time_limit=10, progress=seen.append)
    assert seen and seen[-1].phase == "done"
    assert seen[-1].score == result.score and seen[-1].bound == result.bound
    assert all(p.bound >= p.score for p in seen)
    assert [p.seconds for p in seen] == sorted(p.seconds for p in seen)
