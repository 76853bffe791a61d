"""Load benchmark: the product under mixed State / partner / public traffic on PostgreSQL, with a
plain FastAPI + SQLAlchemy baseline serving the same pages in the same run; and a write-heavy
scenario (page forms and mutations, one request in five a write) on PostgreSQL or SQLite.

    PYTHONPATH=. .venv/bin/python bench/load/run.py [--users 50] [--duration 60] [--repeats 3]
        [--workers 2] [--think 0.5,1.5] [--max-requests 20000] [--phases mixed,reads,baseline]
        [--database postgresql|sqlite]
        [--postgres postgresql://postgres@127.0.0.1:5432/postgres] [--output results.json]

What it does, in order:
  1. creates a fresh PostgreSQL database, migrates it (`facility.bootstrap.upgrade`), seeds the demo
     data set and a generated volume through the services (bench/load/seed.py), and issues the
     simulated clients' API tokens;
  2. starts the product (uvicorn with the `facility.app:create_app` factory, FACILITY_ENV=
     production, a random secret key, access log on as with `facility serve`) and the baseline
     (bench/load/baseline_app.py) the same way, each on 127.0.0.1 with --workers N, and warms
     both up;
  3. per repeat, runs locust headless, each phase bounded in time and in requests:
       mixed     StateMission + Partner + Public against the product (the target);
       reads     the offers page and a State's requests page over the product's GraphQL;
       baseline  the same two pages from the baseline;
       writes    StateWriter + PartnerWriter against the product: signed in to the pages, 20 %
                 writes (half page forms, half GraphQL mutations), only when asked for with
                 --phases (e.g. --phases writes --database sqlite);
     (and, with --saturate, `reads` and `baseline` again with no think time: capacity);
  4. samples each server's RSS (all its processes, psutil) every half second throughout;
  5. writes a results JSON: per phase and repeat the locust figures (throughput, p50, p95, p99,
     failures) and the server's CPU time per request, medians over repeats, RSS at
     start/end/peak, machine and load average.

Ports 8501 (product) and 8502 (baseline) by default. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from contextlib import contextmanager, suppress
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import psutil
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.load.seed import seed_load  # noqa: E402
from facility.bootstrap import upgrade  # noqa: E402
from facility.db import make_engine, normalise_url, unit_of_work  # noqa: E402

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
LOCUST = str(Path(PYTHON).with_name("locust"))
PHASES = {
    "mixed": ("product", ["StateMission", "Partner", "Public"]),
    "reads": ("product", ["GraphQLReads"]),
    "baseline": ("baseline", ["BaselineReads"]),
    "writes": ("product", ["StateWriter", "PartnerWriter"]),
}


@contextmanager
def fresh_sqlite(folder: Path):  # type: ignore[no-untyped-def]
    """A new SQLite file (WAL, as `facility serve` runs it), removed with its folder."""
    yield f"sqlite:///{folder / 'load.db'}", "load.db (SQLite)"


@contextmanager
def fresh_database(base_url: str):  # type: ignore[no-untyped-def]
    base = make_url(normalise_url(base_url))
    name = f"facility_load_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False), name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class RssSampler(threading.Thread):
    """RSS of a server's whole process tree (supervisor and workers), every `interval` seconds."""

    def __init__(self, pid: int, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.interval = interval
        self.samples: list[tuple[float, int, str]] = []  # (time, bytes, phase label)
        self.label = "start"
        self._halt = threading.Event()

    def tree_rss(self) -> int:
        total = 0
        for process in [self.root, *self.root.children(recursive=True)]:
            with suppress(psutil.NoSuchProcess):
                total += process.memory_info().rss
        return total

    def cpu_seconds(self) -> float:
        total = 0.0
        for process in [self.root, *self.root.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):  # a worker that exited meanwhile
                times = process.cpu_times()
                total += times.user + times.system
        return total

    def run(self) -> None:
        while not self._halt.is_set():
            self.samples.append((time.time(), self.tree_rss(), self.label))
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def start_server(app: str, port: int, workers: int, env: dict, log: Path) -> subprocess.Popen:
    command = [PYTHON, "-m", "uvicorn", "--factory", app, "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--no-proxy-headers"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"),
                               stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    probe = f"http://127.0.0.1:{port}" + ("/healthz" if "facility" in app else "/api/offers")
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{app} exited at start; see {log}")
        try:
            with urllib.request.urlopen(probe, timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"{app} did not answer on port {port} within 60 s; see {log}")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_locust(classes: list[str], host: str, *, users: int, duration: float, think: str,
               max_requests: int, data_file: Path, prefix: Path) -> dict:
    steady = Path(f"{prefix}_steady.json")
    env = {**os.environ, "FACILITY_LOAD_DATA": str(data_file), "FACILITY_LOAD_THINK": think,
           "FACILITY_LOAD_MAX_REQUESTS": str(max_requests), "PYTHONPATH": str(ROOT),
           "FACILITY_LOAD_STEADY": str(steady)}
    command = [LOCUST, "-f", str(HERE / "locustfile.py"), "--headless", "--only-summary",
               "-u", str(users), "-r", str(users), "-t", f"{duration:g}s", "--stop-timeout", "10",
               "--reset-stats", "--host", host, "--csv", str(prefix), "--exit-code-on-error", "0",
               "--loglevel", "WARNING", *classes]
    started = time.time()
    finished = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if finished.returncode != 0:
        raise RuntimeError(f"locust failed ({finished.returncode}): {finished.stderr[-2000:]}")
    figures = {"wall_seconds": round(time.time() - started, 1), **read_stats(prefix)}
    if steady.exists():  # the write-heavy scenario once every user has signed in
        figures["after_sign_in"] = json.loads(steady.read_text())
    return figures


def read_stats(prefix: Path) -> dict:
    """Locust's CSV summary: the aggregate and each request name."""
    def figures(row: dict) -> dict:
        return {
            "requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
            "rps": round(float(row["Requests/s"]), 1),
            "p50_ms": float(row["50%"] or 0), "p95_ms": float(row["95%"] or 0),
            "p99_ms": float(row["99%"] or 0), "max_ms": round(float(row["Max Response Time"] or 0)),
        }

    with Path(f"{prefix}_stats.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    failures = []
    failures_path = Path(f"{prefix}_failures.csv")
    if failures_path.exists():
        with failures_path.open(newline="") as handle:
            failures = [{"name": r["Name"], "error": r["Error"][:300], "count": int(r["Occurrences"])}
                        for r in csv.DictReader(handle)]
    return {
        "total": figures(next(r for r in rows if r["Name"] == "Aggregated")),
        "by_name": {r["Name"]: figures(r) for r in rows if r["Name"] != "Aggregated"},
        "failure_messages": failures,
    }


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "kernel": platform.release(), "memory_gib": round(psutil.virtual_memory().total / 2**30, 1)}


def median_of(runs: list[dict], key: str) -> float:
    return round(statistics.median(r["total"][key] for r in runs), 1)


def rss_summary(samples: list[tuple[float, int, str]]) -> dict:
    measured = [s for s in samples if s[2] != "start"]
    mib = [s[1] / 2**20 for s in measured] or [0.0]
    return {"start_mib": round(mib[0], 1), "end_mib": round(mib[-1], 1), "peak_mib": round(max(mib), 1),
            "samples": len(measured)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default=os.environ.get(
        "FACILITY_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--users", default="50",
                        help="simulated users; several, comma-separated (10,25,50), run each phase "
                             "at each number in turn")
    parser.add_argument("--duration", type=float, default=60, help="seconds per phase")
    parser.add_argument("--max-requests", type=int, default=20_000, help="per phase")
    parser.add_argument("--think", default="0.5,1.5", help="'min,max' seconds between requests")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--phases", default="mixed,reads,baseline")
    parser.add_argument("--saturate", action="store_true",
                        help="also run reads and baseline with no think time")
    parser.add_argument("--port", type=int, default=8501, help="product; baseline on port + 1")
    parser.add_argument("--output", type=Path, default=HERE / "results" / "latest.json")
    args = parser.parse_args()

    phases = [(p, args.think) for p in args.phases.split(",")]
    if args.saturate:
        phases += [("reads", "0"), ("baseline", "0")]
    work = Path(tempfile.mkdtemp(prefix="facility-load-"))
    results: dict = {"started_at": datetime.now(UTC).isoformat(timespec="seconds"),
                     "command": " ".join(sys.argv), "machine": machine(),
                     "settings": {k: str(v) for k, v in vars(args).items()},
                     "load_average_before": os.getloadavg()}
    database = fresh_database(args.postgres) if args.database == "postgresql" else fresh_sqlite(work)
    with database as (url, name):
        engine = make_engine(url)
        started = time.time()
        upgrade(engine)
        with unit_of_work(engine) as session:
            data = seed_load(session)
        engine.dispose()
        results["seed"] = {"database": name, "seconds": round(time.time() - started, 1),
                           "rows": data.counts, "state_clients": len(data.states),
                           "partner_clients": len(data.partners)}
        print(f"seeded {name} in {results['seed']['seconds']} s: {data.counts}", flush=True)
        data_file = work / "load_data.json"
        payload = asdict(data)
        payload["searchTerms"] = payload.pop("search_terms")
        payload["recommendationStates"] = payload.pop("recommendation_states")
        data_file.write_text(json.dumps(payload))

        env = {**os.environ, "FACILITY_DATABASE_URL": url, "FACILITY_ENV": "production",
               "FACILITY_SECRET_KEY": secrets.token_urlsafe(48), "PYTHONPATH": str(ROOT)}
        needed = {PHASES[phase][0] for phase, _think in phases}
        apps = {"product": ("facility.app:create_app", args.port),
                "baseline": ("bench.load.baseline_app:create_app", args.port + 1)}
        servers = {server: start_server(app, port, args.workers, env, work / f"{server}.log")
                   for server, (app, port) in apps.items() if server in needed}
        hosts = {"product": f"http://127.0.0.1:{args.port}",
                 "baseline": f"http://127.0.0.1:{args.port + 1}"}
        samplers = {k: RssSampler(p.pid) for k, p in servers.items()}
        try:
            for sampler in samplers.values():
                sampler.start()
            for phase in dict.fromkeys(p for p, _think in phases):  # warm-up
                server = PHASES[phase][0]
                run_locust(PHASES[phase][1], hosts[server], users=10, duration=8, think="0.2,0.5",
                           max_requests=0, data_file=data_file, prefix=work / f"warmup_{phase}")
            runs: dict[str, list[dict]] = {}
            user_counts = [int(n) for n in args.users.split(",")]
            for repeat in range(1, args.repeats + 1):
                for (phase, think), users in ((p, u) for p in phases for u in user_counts):
                    server, classes = PHASES[phase]
                    label = phase if think == args.think else f"{phase} (no think time)"
                    if len(user_counts) > 1:
                        label += f", {users} users"
                    samplers[server].label = label
                    cpu_before = samplers[server].cpu_seconds()
                    load_before = os.getloadavg()
                    stats = run_locust(classes, hosts[server], users=users,
                                       duration=args.duration, think=think,
                                       max_requests=args.max_requests, data_file=data_file,
                                       prefix=work / f"{label.replace(' ', '_')}_{repeat}")
                    cpu = samplers[server].cpu_seconds() - cpu_before
                    stats.update(repeat=repeat, load_average_before=load_before,
                                 load_average_after=os.getloadavg(), server_cpu_seconds=round(cpu, 1),
                                 # CPU the server spent per request: what the code costs, much
                                 # less sensitive than latency to what else the machine runs.
                                 server_cpu_ms_per_request=round(
                                     cpu * 1000 / max(1, stats["total"]["requests"]), 1))
                    runs.setdefault(label, []).append(stats)
                    samplers[server].label = "idle"
                    total = stats["total"]
                    print(f"[{repeat}/{args.repeats}] {label}: {total['rps']} req/s, p50 "
                          f"{total['p50_ms']:g} ms, p95 {total['p95_ms']:g} ms, p99 "
                          f"{total['p99_ms']:g} ms, {total['failures']}/{total['requests']} "
                          f"failed, load {load_before[0]:.2f}", flush=True)
                    if after := stats.get("after_sign_in"):
                        print(f"    after sign-in: p50 {after['p50_ms']} ms, p95 {after['p95_ms']} "
                              f"ms, p99 {after['p99_ms']} ms, {after['failures']}/"
                              f"{after['requests']} failed", flush=True)
        finally:
            try:
                for sampler in samplers.values():
                    sampler.stop()
            finally:
                for process in servers.values():
                    stop_server(process)
        results["phases"] = {label: {
            "median": {**{k: median_of(items, k) for k in ("rps", "p50_ms", "p95_ms", "p99_ms")},
                       "server_cpu_ms_per_request": statistics.median(
                           r["server_cpu_ms_per_request"] for r in items)},
            "failures": sum(r["total"]["failures"] for r in items),
            "requests": sum(r["total"]["requests"] for r in items),
            "runs": items,
        } for label, items in runs.items()}
        results["rss"] = {k: rss_summary(s.samples) for k, s in samplers.items()}
        results["rss_samples_mib"] = {k: [(round(t - s.samples[0][0], 1), round(b / 2**20, 1), lab)
                                          for t, b, lab in s.samples[::4]]
                                      for k, s in samplers.items()}
        results["load_average_after"] = os.getloadavg()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=1, default=str))
    print(f"results in {args.output} (locust CSVs and server logs in {work})")
    for label, phase in results["phases"].items():
        m = phase["median"]
        print(f"  {label}: median {m['rps']} req/s, p50 {m['p50_ms']:g}, p95 {m['p95_ms']:g}, "
              f"p99 {m['p99_ms']:g} ms, server CPU {m['server_cpu_ms_per_request']:g} ms/request; "
              f"{phase['failures']}/{phase['requests']} failed")
    for server, rss in results["rss"].items():
        print(f"  {server} RSS: start {rss['start_mib']} MiB, end {rss['end_mib']} MiB, "
              f"peak {rss['peak_mib']} MiB")


if __name__ == "__main__":
    main()
