"""Benchmark of `import_recommendations` on a 41,000-row UPR Info file, SQLite and PostgreSQL.

The file is made by replicating the 4,424 real rows of tests/data/recommendations/
upr_info_sessions01-04.csv with new unique rec_ids. Each run starts from a freshly migrated
database. Measured per backend, in the same run:
  - import: the first import of the file, commit included;
  - re-import: the same file again (every row unchanged);
  - naive: a row-by-row ORM upsert (SELECT by source_id, session.add of the row and its
    theme links, flush per row), the obvious way to write an importer;
  - floor: the bare rows written with the driver alone (sqlite3 executemany / psycopg
    COPY), no validation, no theme links: a lower bound no importer can beat.

    .venv/bin/python bench/import_bench.py [--rows 41000] [--runs 5] [--naive-runs 3]
        [--postgres postgresql://postgres@127.0.0.1:5432/test | --no-postgres]

With `--uhri ROWS`, the UHRI export instead: a synthetic export of ROWS records in the
layouts OHCHR publishes (the JSON and the workbook), made by replicating the 15 genuine
records of the demo's sample with new annotation ids, spread over bodies of the three
mechanisms and over States; each is imported once into a fresh database, and so is a UPR
Info file of as many rows, each import in a process of its own so that its peak memory
(max RSS) is its own.

    .venv/bin/python bench/import_bench.py --uhri 250000 [--no-postgres]

Prints a markdown section for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from facility.bootstrap import upgrade  # noqa: E402
from facility.db import make_engine, normalise_url, unit_of_work  # noqa: E402
from facility.reference.importers import import_recommendations  # noqa: E402
from facility.reference.models import (  # noqa: E402
    Recommendation,
    RecommendationResponse,
    RecommendationTheme,
    StateAlias,
    Theme,
)
from facility.timeutil import utcnow  # noqa: E402

SOURCE = ROOT / "tests" / "data" / "recommendations" / "upr_info_sessions01-04.csv"
UHRI_SAMPLE = ROOT / "facility" / "demo" / "data" / "uhri_export_CESCR_AUS_2026.json"
# Bodies of the three mechanisms, as UHRI labels them (long forms and double spaces too).
UHRI_BODIES = ("- CESCR", "- CRC", "- UPR", "- CEDAW", "- SR Torture", "- IE  Albinism",
               "- Committee on the Rights of the Child", "- UPR", "- CCPR", "- WG Disappearances")
UHRI_STATES = ("Australia", "Kenya", "Brazil", "PK", "Slovenia", "Iraq", "Peru", "Senegal",
               "Türkiye", "Viet Nam", "Bolivia (Plurinational State of)", "Norway", "MY")
RESPONSES = {"Accepted": RecommendationResponse.SUPPORTED, "Noted": RecommendationResponse.NOTED}


def build_file(rows: int, directory: Path) -> Path:
    """Replicate the real rows with new unique ids until the file has `rows` rows."""
    with SOURCE.open(encoding="utf-8", newline="") as handle:
        header, *real = csv.reader(handle)
    path = directory / f"upr_info_{rows}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        for n in range(rows):
            copy, row = divmod(n, len(real))
            writer.writerow([f"BENCH{copy:02d}-{real[row][0]}", *real[row][1:]])
    return path


@contextmanager
def fresh_database(backend: str, pg_url: str | None, directory: Path) -> Iterator[Engine]:
    """A migrated database with reference data, dropped afterwards."""
    if backend == "sqlite":
        path = directory / f"bench_{uuid.uuid4().hex[:8]}.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        try:
            yield engine
        finally:
            engine.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    base = make_url(normalise_url(pg_url or ""))
    name = f"facility_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(base.set(database=name).render_as_string(hide_password=False))
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def timed(action: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def run_importer(engine: Engine, path: Path, rows: int) -> tuple[float, float]:
    """Seconds for the first import and for the re-import; checks what each did."""

    def once():  # type: ignore[no-untyped-def]
        with unit_of_work(engine) as session:
            return import_recommendations(session, path, fmt="upr-info")

    first_s, first = timed(once)
    again_s, again = timed(once)
    assert (first.inserted, first.skipped) == (rows, 0), first
    assert (again.unchanged, again.inserted, again.updated) == (rows, 0, 0), again
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Recommendation)).scalar() == rows
        if engine.dialect.name == "sqlite":  # the FTS5 index agrees with the table
            conn.execute(text(
                "INSERT INTO recommendation_fts(recommendation_fts) VALUES ('integrity-check')"
            ))
    return first_s, again_s


def _parsed(path: Path, engine: Engine) -> list[dict]:
    """The file's rows mapped to recommendation columns (outside the timed part)."""
    with unit_of_work(engine) as session:
        states = dict(session.execute(select(StateAlias.name, StateAlias.state_code)).all())
        themes = dict(session.execute(select(Theme.name, Theme.id)).all())
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            {
                "source_id": r["rec_id"], "source": "upr-info", "state_code": states[r["To"]],
                "recommending_state_code": states.get(r["From"]), "recommended_by": r["From"],
                "mechanism": "UPR", "cycle": int(r["cycle"]), "session": int(r["Session"]),
                "text": r["Text"], "response": RESPONSES[r["Response"]],
                "action_category": int(r["Action"]) if r["Action"] else None,
                "source_themes": r["Issue"],
                "theme_ids": [themes[name] for name in r["Issue"].split(",") if name],
            }
            for r in csv.DictReader(handle)
        ]


def run_naive(engine: Engine, rows: list[dict]) -> float:
    """Row-by-row ORM upsert: SELECT, add, flush per row."""

    def once() -> None:
        with unit_of_work(engine) as session:
            for row in rows:
                values = {k: v for k, v in row.items() if k != "theme_ids"}
                found = session.execute(
                    select(Recommendation).where(Recommendation.source_id == row["source_id"])
                ).scalar_one_or_none()
                if found is None:
                    rec = Recommendation(**values)
                    session.add(rec)
                    session.flush()
                    for theme_id in row["theme_ids"]:
                        session.add(RecommendationTheme(recommendation_id=rec.id, theme_id=theme_id))
                    session.flush()

    seconds, _ = timed(once)
    return seconds


FLOOR_COLUMNS = (
    "source_id", "source", "state_code", "recommending_state_code", "recommended_by",
    "mechanism", "cycle", "session", "text", "response", "action_category", "source_themes",
)


def run_floor(engine: Engine, rows: list[dict]) -> float:
    """The bare rows through the driver alone: sqlite3 executemany or psycopg COPY."""
    now = utcnow()
    tuples = [(*(str(r[c]) if c == "response" else r[c] for c in FLOOR_COLUMNS), now)
              for r in rows]
    columns = ", ".join((*FLOOR_COLUMNS, "imported_at"))
    raw = engine.raw_connection()
    try:
        started = time.perf_counter()
        cursor = raw.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("BEGIN")
            marks = ", ".join("?" * (len(FLOOR_COLUMNS) + 1))
            cursor.executemany(f"INSERT INTO recommendation ({columns}) VALUES ({marks})", tuples)
        else:
            with cursor.copy(f"COPY recommendation ({columns}) FROM STDIN") as copy:
                for row in tuples:
                    copy.write_row(row)
        raw.commit()
        return time.perf_counter() - started
    finally:
        raw.close()


def median(values: list[float]) -> float:
    return statistics.median(values)


def spread(values: list[float]) -> str:
    return f"{median(values):.2f} s ({min(values):.2f}-{max(values):.2f})"


def bench_backend(backend: str, args: argparse.Namespace, path: Path, work: Path) -> dict:
    first, again, naive, floor = [], [], [], []
    for run in range(args.runs):
        with fresh_database(backend, args.postgres, work) as engine:
            f, a = run_importer(engine, path, args.rows)
        first.append(f)
        again.append(a)
        print(f"  {backend} run {run + 1}: import {f:.2f} s, re-import {a:.2f} s", file=sys.stderr)
    for run in range(args.naive_runs):
        with fresh_database(backend, args.postgres, work) as engine:
            rows = _parsed(path, engine)
            naive.append(run_naive(engine, rows))
        with fresh_database(backend, args.postgres, work) as engine:
            floor.append(run_floor(engine, rows))
        print(f"  {backend} baseline {run + 1}: naive {naive[-1]:.2f} s, "
              f"floor {floor[-1]:.2f} s", file=sys.stderr)
    return {"first": first, "again": again, "naive": naive, "floor": floor}


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [ln.split(":", 1)[1].strip() for ln in cpuinfo.read_text().splitlines()
                 if ln.startswith("model name")]
        cpu = names[0] if names else cpu
    import sqlite3

    return (f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")


def report(args: argparse.Namespace, results: dict[str, dict], pg_version: str | None) -> str:
    lines = [
        "## Recommendation import",
        "",
        f"`.venv/bin/python bench/import_bench.py --rows {args.rows} --runs {args.runs} "
        f"--naive-runs {args.naive_runs}`",
        "",
        f"- File: {args.rows:,} rows in the UPR Info export format, made by replicating the "
        "4,424 real rows of `upr_info_sessions01-04.csv` with new unique `rec_id`s.",
        f"- Machine: {machine()}" + (f"; PostgreSQL {pg_version} on localhost." if pg_version
                                     else "."),
        "- Each run starts from a freshly migrated database; times include parsing, "
        "validation, theme links, the full-text index and the commit.",
        f"- Baselines, same rows, same run, {args.naive_runs} run(s) each: *naive* = row-by-row ORM "
        "upsert (SELECT by source_id, add the row and its theme links, flush per row); "
        "*floor* = bare rows through the driver alone (sqlite3 `executemany` / psycopg "
        "`COPY`), without validation or theme links.",
        "",
        "| backend | import (median, min-max) | rows/s | re-import, all unchanged | naive | "
        "naive / import | floor | import / floor |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for backend, r in results.items():
        first, naive, floor = median(r["first"]), median(r["naive"]), median(r["floor"])
        lines.append(
            f"| {backend} | {spread(r['first'])} | {args.rows / first:,.0f} | "
            f"{spread(r['again'])} | {spread(r['naive'])} | {naive / first:.1f}x | "
            f"{spread(r['floor'])} | {first / floor:.1f}x |"
        )
    return "\n".join(lines)


def build_uhri(rows: int, directory: Path) -> tuple[Path, Path]:
    """The synthetic export as JSON and as the 16-column workbook (same records)."""
    import json

    from openpyxl import Workbook

    sample = json.loads(UHRI_SAMPLE.read_text(encoding="utf-8"))
    header = ["Text", "Countries Concerned", "Reccomending Body", "Document Symbol", "Themes",
              "Affected Persons", "Sdgs", "Document Publication Date", "UPR Reccomending States",
              "UPR Position", "Type", "OHCHR Annotation Id", "UPR Session", "Regions Concerned",
              "Recommending Regions", "Date of publication on UHRI"]

    def cell(values: list[str]) -> str | None:
        return "\n".join(f"- {v}" for v in values) or None

    json_path, xlsx_path = directory / f"uhri_{rows}.json", directory / f"uhri_{rows}.xlsx"
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Export")
    sheet.append(header)
    with json_path.open("w", encoding="utf-8") as out:
        out.write("[")
        for n in range(rows):
            record = dict(sample[n % len(sample)])
            body = UHRI_BODIES[(n // len(sample)) % len(UHRI_BODIES)]
            upr = body == "- UPR"
            record.update(
                AnnotationId=f"bench-{uuid.UUID(int=n)}", Body=body,
                Countries=[UHRI_STATES[n % len(UHRI_STATES)]],
                Text="".join(f"<p>{line}</p>" for line in record["Text"].split("\n")),
                UprPositions=["Supported"] if upr else [], UprSession=["43"] if upr else [],
                UprRecommendingCountry=["Norway", "Chile"] if upr else [])
            out.write(("," if n else "") + "\n" + json.dumps(record, ensure_ascii=False))
            sheet.append([
                "\n".join(record["Text"].replace("</p>", "\n").replace("<p>", "").split("\n")).strip(),
                cell(record["Countries"]), body, record["Symbol"], cell(record["Themes"]),
                cell(record["AffectedPersons"]), cell(record["Sdgs"]), 46104,
                cell(record["UprRecommendingCountry"]), cell(record["UprPositions"]),
                record["AnnotationType"], record["AnnotationId"], cell(record["UprSession"]),
                cell(record["Regions"]), None, 46106.4996])
        out.write("\n]\n")
    workbook.save(xlsx_path)
    return json_path, xlsx_path


def import_once(url: str, path: str, fmt: str) -> None:
    """Child process: one import, commit included; prints seconds, peak RSS and the report."""
    import json
    import resource

    engine = make_engine(url)
    started = time.perf_counter()
    with unit_of_work(engine) as session:
        report = import_recommendations(session, path, fmt=fmt)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    engine.dispose()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_mib": peak_kib / 1024, "rows": report.rows,
                      "inserted": report.inserted, "skipped": report.skipped,
                      "not_recommendations": sum(report.not_recommendations.values())}))


def bench_uhri(args: argparse.Namespace) -> None:
    import json
    import subprocess

    backends = ["sqlite"] + ([] if args.no_postgres else ["postgresql"])
    load = os.getloadavg()
    results: list[tuple[str, str, dict]] = []
    with tempfile.TemporaryDirectory(prefix="import_bench_") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        json_path, xlsx_path = build_uhri(args.uhri, work)
        upr_path = build_file(args.uhri, work)
        print(f"built the files in {time.perf_counter() - started:.0f} s: "
              f"{json_path.stat().st_size / 2**20:.0f} MB JSON, "
              f"{xlsx_path.stat().st_size / 2**20:.0f} MB XLSX", file=sys.stderr)
        for backend in backends:
            for label, path, fmt in (("UPR Info CSV", upr_path, "upr-info"),
                                     ("UHRI JSON", json_path, "uhri"),
                                     ("UHRI XLSX", xlsx_path, "uhri")):
                with fresh_database(backend, args.postgres, work) as engine:
                    url = engine.url.render_as_string(hide_password=False)
                    child = subprocess.run(
                        [sys.executable, __file__, "--import-once", url, str(path), fmt],
                        capture_output=True, text=True)
                if child.returncode:
                    raise SystemExit(f"{backend} {label}: the import failed\n{child.stderr}")
                measured = json.loads(child.stdout.strip().splitlines()[-1])
                print(f"  {backend} {label}: {measured}", file=sys.stderr)
                results.append((backend, label, measured))
    lines = [
        "## UHRI export import",
        "",
        f"`.venv/bin/python bench/import_bench.py --uhri {args.uhri}"
        f"{' --no-postgres' if args.no_postgres else ''}`",
        "",
        f"- Files: a synthetic UHRI export of {args.uhri:,} records (the 15 genuine CESCR "
        "records of the demo's sample replicated with new annotation ids, over ten body labels "
        "of the three mechanisms and 13 State spellings, ISO-2 codes among them; 7 in 15 are "
        "recommendations, the others concerns/observations, counted and skipped), as JSON and "
        f"as the 16-column workbook; a UPR Info CSV of {args.uhri:,} rows (the 4,424 real rows "
        "replicated).",
        f"- Machine: {machine()}; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
        "(1, 5, 15 min) when the run started: the two cores were shared with other work.",
        "- One import per file into a fresh database, in a process of its own: time includes "
        "reading, validation, links, the full-text index and the commit; peak memory is the "
        "process's max RSS (Python, the libraries and the database driver included).",
        "",
        "| backend | file | records | recommendations written | seconds | rows read/s | peak memory |",
        "|---|---|---|---|---|---|---|",
    ]
    for backend, label, m in results:
        lines.append(f"| {backend} | {label} | {m['rows']:,} | {m['inserted']:,} | "
                     f"{m['seconds']:.1f} | {m['rows'] / m['seconds']:,.0f} | "
                     f"{m['peak_mib']:.0f} MiB |")
    print("\n".join(lines))


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--import-once":
        import_once(*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=41_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--naive-runs", type=int, default=3)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--uhri", type=int, metavar="ROWS",
                        help="benchmark the UHRI export import on a synthetic export of ROWS")
    args = parser.parse_args()
    if args.uhri:
        bench_uhri(args)
        return
    backends = ["sqlite"] + ([] if args.no_postgres else ["postgresql"])
    with tempfile.TemporaryDirectory(prefix="import_bench_") as tmp:
        work = Path(tmp)
        path = build_file(args.rows, work)
        print(f"built {path.name}: {args.rows:,} rows by replicating the 4,424 real rows "
              "with new unique rec_ids", file=sys.stderr)
        results = {b: bench_backend(b, args, path, work) for b in backends}
    pg_version = None
    if not args.no_postgres:
        engine = create_engine(normalise_url(args.postgres))
        with engine.connect() as conn:
            pg_version = conn.execute(text("SHOW server_version")).scalar()
        engine.dispose()
    print(report(args, results, pg_version))


if __name__ == "__main__":
    main()
