"""Benchmark of the matching optimiser against two plain solvers, on every shape of instance.

    python bench/matching_bench.py                       # the full table (about 70 minutes)
    python bench/matching_bench.py --only teams3-600-s1,tight-600-s1
    python bench/matching_bench.py --baselines none      # the optimiser alone
    python bench/matching_bench.py --cache 600           # make the 10-minute baseline files
    python bench/matching_bench.py --cache 600 --baselines cpsat --only teams3-600-s1
    python bench/matching_bench.py --only urgent-200-s1 --limit 20   # one case, short limit

The suite (`SUITE`, 22 instances): the three examples, then generated instances of every
shape of `matching_generate` (base, teams of three from three groups, funding only, budgets
cut to 35 %, urgent requests with the ready roster and evaluations), several seeds, 100 to
10,000 requests. For each instance, in the same run and one after the other: the optimiser
(`matching.solve`, 60 s; 300 s at 10,000 requests; `--limit` for another), then the flat
CP-SAT and HiGHS baselines of `matching_baselines` with the same limit. Every solve
is a fresh subprocess reporting its own wall time (imports, reading and model building
included) and peak RSS, and every matching is checked by `matching.check`.

The 10-minute baseline results are read from `bench/matching_baseline_cache/` (one JSON
file per instance and solver, holding the command that made it); `--cache 600` makes the
missing ones, one solve at a time. The table gives, per instance, the ratio of the best
cached baseline score reached by the optimiser, and the worst ratio over the suite: the
figure that counts. The load average is printed with every row (the machine is shared).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))

from matching_generate import generate  # noqa: E402

EXAMPLES = ROOT / "tests/matching/instances"
CACHE = BENCH / "matching_baseline_cache"
BASELINES = ("cpsat", "highs")


@dataclass(frozen=True)
class Case:
    """One benchmark instance: an example file, or a generated (shape, size, seed)."""

    name: str
    shape: str = ""
    requests: int = 0
    seed: int = 0

    @property
    def limit(self) -> float:
        return 300.0 if self.requests >= 10_000 else 60.0

    def path(self, tmp: Path) -> Path:
        if not self.shape:
            return EXAMPLES / f"{self.name}.json"
        out = tmp / f"{self.name}.json"
        if not out.exists():
            doc = generate(self.requests, self.seed, shape=self.shape)
            out.write_text(json.dumps(doc), encoding="utf-8")
        return out


def _gen(shape: str, n: int, seed: int) -> Case:
    return Case(f"{shape}-{n}-s{seed}", shape, n, seed)


SUITE = (
    Case("tiny"), Case("small"), Case("medium"),
    _gen("base", 100, 1), _gen("base", 200, 1), _gen("base", 300, 1),
    _gen("base", 1000, 1), _gen("base", 1000, 2), _gen("base", 3000, 1),
    _gen("teams3", 200, 1), _gen("teams3", 600, 1), _gen("teams3", 600, 2),
    _gen("funding", 300, 1), _gen("funding", 800, 1), _gen("funding", 800, 2),
    _gen("tight", 200, 1), _gen("tight", 600, 1), _gen("tight", 600, 2),
    _gen("tight", 1000, 1),
    _gen("teams3", 1000, 1),
    _gen("urgent", 200, 1),
    _gen("base", 10000, 1),
)

_OPTIMISER = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import matching
inst = matching.load_instance(sys.argv[1])
res = matching.solve(inst, time_limit=float(sys.argv[2]), workers=int(sys.argv[3]))
seconds = time.perf_counter() - t0
print(json.dumps({
    "solver": "optimiser", "seconds": seconds, "status": res.status.value,
    "score": res.score, "bound": res.bound, "valid": matching.check(inst, res) == [],
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "requests": len(inst.requests), "offers": len(inst.offers), "experts": len(inst.experts),
    "stats": res.stats,
}))
"""


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def run_optimiser(path: Path, seconds: float, workers: int) -> dict:
    return _child([sys.executable, "-c", _OPTIMISER, str(path), str(seconds), str(workers)],
                  seconds)


def run_baseline(kind: str, path: Path, seconds: float) -> dict:
    return _child([sys.executable, str(BENCH / "matching_baselines.py"), kind, str(path),
                   str(seconds)], seconds)


def _child(cmd: list[str], seconds: float) -> dict:
    load = loadavg()
    # HiGHS may not look at its time limit for minutes (seen in its root LP under load):
    # a run is stopped at twice its limit plus a minute and counts as without result.
    hard = 2 * seconds + 60
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=hard)
    except subprocess.TimeoutExpired:
        return {"status": f"stopped at {hard:g} s", "score": None, "bound": None,
                "seconds": None, "load": load}
    lines = out.stdout.strip().splitlines()
    if out.returncode != 0 or not lines:
        return {"status": f"ERROR ({out.returncode}): {out.stderr.strip()[-200:]}",
                "score": None, "bound": None, "seconds": None, "load": load}
    res = json.loads(lines[-1])
    res["load"] = load
    if res.get("valid") is False:
        raise SystemExit(f"the checker refused a result: {' '.join(cmd[-3:])}")
    return res


def cache_file(case: Case, kind: str, seconds: float) -> Path:
    return CACHE / f"{case.name}.{kind}.{seconds:g}s.json"


def cached(case: Case, kind: str, seconds: float) -> dict | None:
    f = cache_file(case, kind, seconds)
    return json.loads(f.read_text())["result"] if f.exists() else None


def make_cache(cases, seconds: float, tmp: Path, kinds=BASELINES) -> None:
    """Run each missing long baseline once and store it with the command that made it."""
    CACHE.mkdir(exist_ok=True)
    for case in cases:
        for kind in kinds:
            f = cache_file(case, kind, seconds)
            if f.exists():
                continue
            started = time.strftime("%Y-%m-%d %H:%M:%S")
            res = run_baseline(kind, case.path(tmp), seconds)
            command = (f"python bench/matching_baselines.py {kind} <{case.name}> {seconds:g}"
                       f"  # instance: {_how(case)}")
            f.write_text(json.dumps({
                "command": command, "instance": case.name, "solver": kind,
                "seconds": seconds, "started": started, "machine": machine(),
                "result": res,
            }, indent=1) + "\n", encoding="utf-8")
            print(f"{case.name} {kind}: {res.get('status')} score {res.get('score')} "
                  f"bound {res.get('bound')} load {res['load']}", flush=True)


def _how(case: Case) -> str:
    if not case.shape:
        return f"tests/matching/instances/{case.name}.json"
    return (f"python bench/matching_generate.py {case.requests} --shape {case.shape} "
            f"--seed {case.seed} --output {case.name}.json")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                cpu = line.split(":", 1)[1].strip()
    except OSError:
        pass
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    import ortools

    try:
        highs = f", highspy {importlib.metadata.version('highspy')}"
    except importlib.metadata.PackageNotFoundError:
        highs = ", no highspy"
    return (f"{cpu}, {nproc} cores (nproc), Python {platform.python_version()}, "
            f"OR-Tools {ortools.__version__}{highs}, {platform.system()} {platform.release()}")


def _num(x) -> str:
    return "—" if x is None else f"{x:,.0f}"


def _gap(res: dict | None) -> str:
    if not res or res.get("score") is None or res.get("bound") is None:
        return "—"
    return f"{100.0 * (res['bound'] - res['score']) / max(1.0, abs(res['bound'])):.3f}%"


def _cell(res: dict | None) -> str:
    """score / bound of a baseline run."""
    if res is None:
        return "—"
    if res.get("score") is None:
        return f"no solution ({res.get('status')})"
    return f"{_num(res['score'])} / {_num(res['bound'])}"


def _phase_table(phases: list[tuple[str, dict]]) -> None:
    """What each phase of the optimiser contributed: seconds at its end, score after it."""
    print("\nPhases of the optimiser (seconds since the start at the end of the phase, "
          "score after it):\n")
    print("| instance | greedy | LP (rounds) | repair | neighbourhoods (steps, improving) "
          "| exact search |")
    print("|---|---|---|---|---|---|")

    def at(st: dict, key: str) -> str:
        if f"{key}_s" not in st:
            return "—"
        score = st.get(f"{key}_score")
        return f"{st[f'{key}_s']:.1f} s" + ("" if score is None else f" → {score:,}")

    for name, st in phases:
        lp = "—" if "lp_s" not in st else f"{st['lp_s']:.1f} s ({st.get('lp_rounds', 0)})"
        lns = at(st, "lns")
        if "lns_steps" in st:
            lns += f" ({st['lns_steps']}, {st['lns_improvements']})"
        greedy = "—" if "greedy_score" not in st else f"{st['greedy_score']:,}"
        print(f"| {name} | {greedy} | {lp} | {at(st, 'repair')} | {lns} "
              f"| {at(st, 'search')} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="comma-separated instance names of SUITE")
    ap.add_argument("--baselines", default="cpsat,highs",
                    help="baselines to run in the same run: cpsat,highs or none")
    ap.add_argument("--workers", type=int, default=2, help="the optimiser's workers")
    ap.add_argument("--cache", type=float, default=0,
                    help="instead of the table, make the missing cached baselines of this limit")
    ap.add_argument("--long", type=float, default=600, help="limit of the cached baselines")
    ap.add_argument("--limit", type=float, default=0,
                    help="limit of every solve of the table, optimiser and baselines (default: "
                         "60 s, 300 s at 10,000 requests)")
    args = ap.parse_args()
    cases = [c for c in SUITE if not args.only or c.name in args.only.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="matching-bench-"))
    kinds = [] if args.baselines == "none" else args.baselines.split(",")
    if args.cache:
        make_cache(cases, args.cache, tmp, kinds)
        return

    print(f"Command: `python bench/matching_bench.py {' '.join(sys.argv[1:])}` "
          f"({time.strftime('%Y-%m-%d %H:%M')} UTC)\n")
    print(f"Machine: {machine()}\n")
    head = ["instance", "requests / offers / experts", "limit", "optimiser: status",
            "score", "bound", "gap", "seconds", "peak RSS"]
    head += [f"{k}, same limit: score / bound" for k in kinds]
    head += [f"best baseline (this run, cached {args.long:g} s): score / bound",
             "optimiser / best baseline score", "load average"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    ratios: list[tuple[float, str]] = []
    phases: list[tuple[str, dict]] = []
    for case in cases:
        path = case.path(tmp)
        limit = args.limit or case.limit
        ours = run_optimiser(path, limit, args.workers)
        phases.append((case.name, ours.get("stats", {})))
        same = {k: run_baseline(k, path, limit) for k in kinds}
        long = [r for k in BASELINES if (r := cached(case, k, args.long))]
        # The best score any baseline reached, in this run or in the cache.
        refs = [r for r in [*same.values(), *long] if r.get("score") is not None]
        best = max((r["score"] for r in refs), default=None)
        tight = min((r["bound"] for r in refs if r.get("bound") is not None), default=None)
        ratio = "—"
        if best and ours.get("score") is not None:
            q = ours["score"] / best
            ratios.append((q, case.name))
            ratio = f"{q:.4f}"
        size = (f"{ours.get('requests', 0):,} / {ours.get('offers', 0):,} / "
                f"{ours.get('experts', 0):,}")
        secs = "—" if ours.get("seconds") is None else f"{ours['seconds']:.1f}"
        rss = ours.get("peak_rss_mib")
        row = [case.name, size, f"{limit:g} s", str(ours["status"]), _num(ours["score"]),
               _num(ours["bound"]), _gap(ours), secs, "—" if rss is None else f"{rss:,.0f} MiB"]
        row += [_cell(same[k]) for k in kinds]
        row += [f"{_num(best)} / {_num(tight)}" if refs else "—", ratio, ours["load"]]
        print("| " + " | ".join(row) + " |", flush=True)
    _phase_table(phases)
    if ratios:
        q, name = min(ratios)
        print(f"\nWorst case: {name}, the optimiser reached {q:.4f} of the best baseline "
              f"score (ratios over {len(ratios)} instances).")


if __name__ == "__main__":
    main()
