"""Benchmark of the matching optimiser: the scaling table and a flat-model baseline.

    python bench/matching_bench.py                 # full run (about 15 minutes)
    python bench/matching_bench.py --quick         # examples + 3x instance only

Every solve runs in a fresh subprocess, which reports its own wall time (model building
included: reading the file is timed too) and its peak resident memory (ru_maxrss). The
baseline hands the same rules, as one flat CP-SAT model (every eligible request-offer and
request-expert pair a Boolean), to CP-SAT with a time cap, in the same run on the same
machine. Output: a markdown section for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from matching_generate import generate  # noqa: E402

EXAMPLES = ROOT / "tests/matching/instances"

_CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import matching
inst = matching.load_instance(sys.argv[1])
res = matching.solve(inst, time_limit=float(sys.argv[2]))
seconds = time.perf_counter() - t0
ok = matching.check(inst, res) == []
print(json.dumps({
    "seconds": seconds, "solve_seconds": res.seconds, "status": res.status.value,
    "score": res.score, "bound": res.bound, "valid": ok,
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "requests": len(inst.requests), "offers": len(inst.offers), "experts": len(inst.experts),
    "stats": {k: v for k, v in res.stats.items()},
}))
"""

_BASELINE = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import numpy as np
from ortools.sat.python import cp_model
import matching
from matching.problem import build_problem, N_GROUPS
inst = matching.load_instance(sys.argv[1])
cap = float(sys.argv[2])
prob = build_problem(inst)
enc = prob.enc
m = cp_model.CpModel()
mv = {int(r): m.new_bool_var("") for r in np.nonzero(prob.candidate)[0]}
xs, ys, by_o, by_e = {}, {}, {}, {}
for j in range(len(prob.x_r)):
    r, o = int(prob.x_r[j]), int(prob.x_o[j])
    v = m.new_bool_var(""); xs.setdefault(r, []).append(v); by_o.setdefault(o, []).append((r, v))
obj = []
for j in range(len(prob.y_r)):
    r, e, g = int(prob.y_r[j]), int(prob.y_e[j]), int(prob.y_group[j])
    v = m.new_bool_var(""); ys.setdefault(r, []).append((g, v)); by_e.setdefault(e, []).append(v)
    obj.append(int(prob.y_fit[j]) * v)
for r, v in mv.items():
    m.add(sum(xs.get(r, [])) == v)
    n = int(prob.needed[r])
    if n:
        m.add(sum(y for _, y in ys.get(r, [])) == n * v)
        k = int(prob.groups_required[r])
        if k >= 2:
            zs = []
            for g in range(N_GROUPS):
                gv = [y for gg, y in ys.get(r, []) if gg == g]
                if gv:
                    m.add(sum(gv) <= int(prob.group_cap[r]))
                    z = m.new_bool_var(""); m.add(sum(gv) >= 1).only_enforce_if(z); zs.append(z)
            m.add(sum(zs) >= k * v)
    obj.append(int(prob.values[r]) * v)
for o, items in by_o.items():
    m.add(sum(int(enc.r_budget[r]) * v for r, v in items) <= int(enc.o_budget[o]))
    m.add(sum(v for _, v in items) <= int(enc.o_max[o]))
for e, vs in by_e.items():
    m.add(sum(vs) <= int(enc.e_cap[e]))
pen = inst.criteria.fairness_penalty
for g in range(N_GROUPS):
    if prob.floors[g]:
        s = m.new_int_var(0, int(prob.floors[g]), "")
        m.add(s >= int(prob.floors[g]) - sum(v for r, v in mv.items() if enc.r_group[r] == g))
        obj.append(-pen * s)
m.maximize(sum(obj))
built = time.perf_counter() - t0
solver = cp_model.CpSolver()
solver.parameters.num_workers = 2
solver.parameters.max_time_in_seconds = max(1.0, cap - built)
st = solver.solve(m)
print(json.dumps({
    "seconds": time.perf_counter() - t0, "build_seconds": built,
    "status": solver.status_name(st),
    "score": solver.objective_value if st in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None,
    "bound": solver.best_objective_bound,
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def _run(code: str, path: Path, seconds: float) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code, str(path), str(seconds)],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                cpu = line.split(":", 1)[1].strip()
    except OSError:
        pass
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    import ortools

    return (f"{cpu}, {nproc} cores (nproc), Python {platform.python_version()}, "
            f"OR-Tools {ortools.__version__}, {platform.system()} {platform.release()}")


def _gap(score: float | None, bound: float | None) -> str:
    if score is None or bound is None:
        return "n/a"
    return f"{100.0 * (bound - score) / max(1.0, abs(bound)):.3f}%"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="examples and the 3x instance only")
    ap.add_argument("--repeats", type=int, default=3, help="runs per instance up to 3,000")
    ap.add_argument("--baseline-cap", type=float, default=120.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="matching-bench-"))
    rows: list[tuple[str, Path, float]] = [
        (f"{name}.json", EXAMPLES / f"{name}.json", 60.0) for name in ("tiny", "small", "medium")
    ]
    sizes = [3000] if args.quick else [100, 300, 1000, 3000, 10000]
    for n in sizes:
        path = tmp / f"gen{n}.json"
        path.write_text(json.dumps(generate(n, seed=args.seed)))
        rows.append((f"generated {n:,} (seed {args.seed})", path, 60.0 if n <= 3000 else 300.0))

    started = time.strftime("%Y-%m-%d %H:%M")
    print(f"Command: `python bench/matching_bench.py {' '.join(sys.argv[1:])}` ({started})\n")
    print(f"Machine: {_machine()}\n")
    print("| instance | requests / offers / experts | offer pairs | expert pairs | time limit "
          "| seconds (median) | runs | status | score | bound | gap | peak RSS |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    results = {}
    for label, path, limit in rows:
        repeats = args.repeats if "10,000" not in label else 1
        runs = [_run(_CHILD, path, limit) for _ in range(repeats)]
        r = runs[0]
        assert all(x["valid"] for x in runs), f"checker refused a result on {label}"
        results[label] = runs
        med = statistics.median(x["seconds"] for x in runs)
        rss = max(x["peak_rss_mib"] for x in runs)
        print(f"| {label} | {r['requests']:,} / {r['offers']:,} / {r['experts']:,} "
              f"| {r['stats']['offer_pairs']:,} | {r['stats']['expert_pairs']:,} | {limit:g} s "
              f"| {med:.2f} | {repeats} | {r['status']} | {r['score']:,} | {r['bound']:,} "
              f"| {_gap(r['score'], r['bound'])} | {rss:,.0f} MiB |", flush=True)

    base = _run(_BASELINE, EXAMPLES / "medium.json", args.baseline_cap)
    ours = statistics.median(x["seconds"] for x in results["medium.json"])
    proven = base["status"] == "OPTIMAL"
    print("\nBaseline, same run: medium.json as one flat CP-SAT model (every eligible pair a "
          f"Boolean, 2 workers, cap {args.baseline_cap:g} s including its model building "
          f"{base['build_seconds']:.1f} s): status {base['status']}, score {base['score']}, "
          f"bound {base['bound']:.0f}, gap {_gap(base['score'], base['bound'])}, "
          f"{base['seconds']:.1f} s, peak RSS {base['peak_rss_mib']:,.0f} MiB.")
    ratio = base["seconds"] / ours
    print(f"\nRatio: baseline {'proved optimality in' if proven else 'had not proved optimality after'}"
          f" {base['seconds']:.1f} s vs {ours:.2f} s to proof here: "
          f"{'' if proven else 'at least '}{ratio:.0f}x.")


if __name__ == "__main__":
    main()
