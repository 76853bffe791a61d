"""A bounded burst of mutations against a running server, from a process of its own.

Run by tests/durability/test_crash_recovery.py: `python burst.py CONFIG.json JOURNAL.jsonl`.
Four workers each file requests (with idempotency keys), submit them and have the
secretariat open their screening (motion, automatic recusals and an audit entry in one
transaction), and nominate experts (with keys; each nomination writes an audit entry). Before
sending, a worker journals the attempt ("sent"); after a success, the answer ("ack"). A
worker stops at its first failure to reach the server (the test kills it), or after
`per_worker` rounds, so the burst is bounded either way.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import httpx

OPERATIONS = Path(__file__).resolve().parents[2] / "graphql" / "operations"


def main(config_path: str, journal_path: str) -> None:
    config = json.loads(Path(config_path).read_text())
    documents = {name: (OPERATIONS / f"{name}.graphql").read_text()
                 for name in ("CreateRequest", "SubmitRequest", "OpenScreening", "NominateExpert")}
    lock = threading.Lock()
    journal = open(journal_path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115

    def note(**entry: object) -> None:
        with lock:
            journal.write(json.dumps(entry) + "\n")

    def call(client: httpx.Client, token: str, name: str, key: str | None, **variables: object):
        note(event="sent", op=name, key=key)
        response = client.post("/graphql", json={"query": documents[name], "variables": variables},
                               headers={"Authorization": f"Bearer {token}"})
        result = response.json()["data"]["result"]
        if not result["__typename"].endswith("Payload"):
            raise RuntimeError(f"{name} refused: {result}")
        note(event="ack", op=name, key=key, result=result)
        return result

    def worker(w: int) -> None:
        with httpx.Client(base_url=config["url"], timeout=10) as client:
            try:
                for i in range(config["per_worker"]):
                    key = f"w{w}-r{i}"
                    request = call(client, config["state"], "CreateRequest", key, input={
                        **config["request"], "title": f"Burst request {key}",
                        "idempotencyKey": key})["request"]
                    call(client, config["state"], "SubmitRequest", request["id"], id=request["id"])
                    call(client, config["secretariat"], "OpenScreening", request["id"],
                         requestId=request["id"])
                    ekey = f"w{w}-e{i}"
                    call(client, config["partner"], "NominateExpert", ekey, input={
                        **config["expert"], "name": f"Burst Expert {ekey}",
                        "email": f"burst.{ekey}@experts.example", "idempotencyKey": ekey})
            except (httpx.TransportError, ValueError) as error:  # the server is gone
                note(event="stopped", worker=w, error=type(error).__name__)
            except RuntimeError as error:  # a refusal: the test fails on it
                note(event="refused", worker=w, error=str(error))

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(config["workers"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    journal.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
