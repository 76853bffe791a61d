"""The larger fuzzing run: schemathesis against the production GraphQL endpoint.

    python bench/fuzz_graphql.py                    # 10 examples per operation, caller, mode
    python bench/fuzz_graphql.py --examples 50 --postgres postgresql://postgres@127.0.0.1/test

The same world, callers and property as tests/security/test_fuzz_graphql.py (see
tests/security/fuzzing.py), but every operation of the schema gets its own Hypothesis run per
caller and generation mode (positive: valid documents with arbitrary values; negative: documents
that break the schema), so that one failing operation does not hide the others. Each run works in
a SAVEPOINT rolled back afterwards, so every operation sees the same world. Failures are
collected, not fatal (and not shrunk: the document is reported as found); the report gives
examples run, failures found, what the endpoint answered, and the wall time. Output: markdown for
docs/benchmarks.md. Exit status 1 if any failure was found.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from sqlmodel import Session  # noqa: E402

from facility.app import create_app  # noqa: E402
from facility.bootstrap import upgrade  # noqa: E402
from facility.config import Settings  # noqa: E402
from facility.db import make_engine  # noqa: E402
from tests.conftest import GraphQLClient  # noqa: E402
from tests.security.conftest import ROLES, _build, production_app  # noqa: E402
from tests.security.fuzzing import check_response, load_schema, send  # noqa: E402


def _outcome(response) -> str:
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    body = response.json()
    if not body.get("errors"):
        return "data"
    return "data and errors" if body.get("data") else "errors"


def fuzz_operation(http, operation, mode, token: str | None, examples: int, seed_value: int,
                   outcomes: Counter[str]) -> tuple[int, str | None]:
    """One Hypothesis run; (examples sent, the failure's first line or None)."""
    sent = 0

    # No shrinking: it can take minutes per failure; the failing document as found is
    # reported instead.
    @seed(seed_value)
    @settings(max_examples=examples, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    @given(operation.as_strategy(generation_mode=mode))
    def property_holds(case):
        nonlocal sent
        sent += 1
        response = send(http, case, token)
        outcomes[_outcome(response)] += 1
        check_response(case, response)

    try:
        property_holds()
    except Exception as exc:  # a failure of the property: collect it, go on
        return sent, str(exc).strip().splitlines()[0][:300]
    return sent, None


def run(url: str, examples: int, seed_value: int) -> dict:
    engine = make_engine(url)
    upgrade(engine)
    connection = engine.connect()
    outer = connection.begin()
    holder: dict[str, Session] = {}

    @contextmanager
    def open_session():
        yield holder["session"]

    dev = create_app(Settings(database_url="sqlite://", env="development"), engine=connection,
                     open_session=open_session, run_jobs_inline=True)
    holder["session"] = Session(bind=connection, join_transaction_mode="create_savepoint",
                                expire_on_commit=False)
    with TestClient(dev) as http:
        world = _build(holder["session"], GraphQLClient(http))
    holder["session"].commit()

    operations = [result.ok() for result in load_schema().get_all_operations()]
    failures: list[tuple[str, str, str, str]] = []
    outcomes: Counter[str] = Counter()
    count = 0
    started = time.perf_counter()
    with TestClient(production_app(connection, open_session)) as http:
        for caller in ROLES:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                for operation in operations:
                    point = connection.begin_nested()
                    holder["session"] = Session(bind=connection, expire_on_commit=False,
                                                join_transaction_mode="create_savepoint")
                    try:
                        sent, failure = fuzz_operation(http, operation, mode,
                                                       world.clients[caller].token, examples,
                                                       seed_value, outcomes)
                    finally:
                        holder["session"].close()
                        point.rollback()
                    count += sent
                    if failure:
                        failures.append((caller, mode.value, operation.label, failure))
    seconds = time.perf_counter() - started
    outer.rollback()
    connection.close()
    engine.dispose()
    return {"examples": count, "failures": failures, "outcomes": outcomes, "seconds": seconds,
            "operations": len(operations)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10,
                        help="examples per operation, caller and mode")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--postgres", help="run on this PostgreSQL database instead of SQLite")
    args = parser.parse_args()
    # strawberry logs every refused document with a traceback: thousands of them here.
    logging.getLogger("strawberry.execution").disabled = True
    for client_log in ("httpx", "httpx2"):  # one line per request otherwise
        logging.getLogger(client_log).setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.postgres or f"sqlite:///{Path(tmp) / 'fuzz.db'}"
        result = run(url, args.examples, args.seed)
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(f"### GraphQL fuzzing ({backend}, seed {args.seed})\n")
    print(f"`python bench/fuzz_graphql.py --examples {args.examples}"
          f"{' --postgres …' if args.postgres else ''}` on {platform.node()} "
          f"({os.cpu_count()} cores, Python {platform.python_version()})\n")
    print("| operations | callers | modes | examples run | failures found | wall time |")
    print("|---|---|---|---|---|---|")
    print(f"| {result['operations']} | {len(ROLES)} | 2 | {result['examples']} | "
          f"{len(result['failures'])} | {result['seconds']:.0f} s |\n")
    print("Answers: " + ", ".join(f"{kind} {n}" for kind, n in result["outcomes"].most_common()))
    for caller, mode, label, summary in result["failures"]:
        print(f"- FAILED {label} as {caller} ({mode}): {summary}")
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
