"""Benchmark of the unmet-demand analysis (matching.demand) against exhaustive re-solving.

    python bench/demand_bench.py                # tiny and small, 3 runs each
    python bench/demand_bench.py --medium       # and medium.json, 1 run

For each instance: the run itself, then the analysis as the platform runs it (the 12
candidates of widest reach re-solved, 10 s each at most), and as the baseline, in the same
run, every candidate re-solved (what "try every addition" costs). Reported: seconds (median),
candidates, suggestions, and the best gain each found, so that the pruning's price in quality
is measured, not assumed. Output: a markdown section for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import matching  # noqa: E402
from matching.demand import analyse, candidate_additions  # noqa: E402

EXAMPLES = ROOT / "tests/matching/instances"


def _best(analysis) -> int:
    return max((s.gain for s in analysis.suggestions), default=0)


def measure(name: str, runs: int, per_solve: float) -> str:
    inst = matching.load_instance(EXAMPLES / f"{name}.json")
    t0 = time.perf_counter()
    result = matching.solve(inst, time_limit=60)
    solve_s = time.perf_counter() - t0
    total = len(candidate_additions(inst, result)[0])
    pruned = []
    for _ in range(runs):
        t0 = time.perf_counter()
        analysis = analyse(inst, result, time_limit=per_solve)
        pruned.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    exhaustive = analyse(inst, result, time_limit=per_solve, max_candidates=10**6)
    exhaustive_s = time.perf_counter() - t0
    return (f"| {name}.json | {len(inst.requests):,} | {len(result.unmatched)} | {solve_s:.2f} | "
            f"{total} | {analysis.candidates_tried} | {statistics.median(pruned):.2f} | "
            f"{len(analysis.suggestions)} | {_best(analysis)} | {exhaustive.candidates_tried} | "
            f"{exhaustive_s:.2f} | {len(exhaustive.suggestions)} | {_best(exhaustive)} | "
            f"{exhaustive_s / statistics.median(pruned):.1f}x |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--per-solve", type=float, default=10.0)
    parser.add_argument("--medium", action="store_true")
    args = parser.parse_args()
    names = ["tiny", "small"] + (["medium"] if args.medium else [])
    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f} at start; {time.strftime('%Y-%m-%d')}.\n")
    print("| instance | requests | unmatched | run (s) | candidates | re-solved | analysis (s, median) "
          "| suggestions | best gain | exhaustive: re-solved | exhaustive (s) | suggestions "
          "| best gain | exhaustive / analysis |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        print(measure(name, 1 if name == "medium" else args.runs, args.per_solve), flush=True)


if __name__ == "__main__":
    main()
