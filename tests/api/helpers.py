"""Helpers for API tests: the contract's operation documents and typical inputs."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

# Missions are planned for next year, so the inputs stay valid whatever the date.
YEAR = date.today().year + 1

OPERATIONS_DIR = Path(__file__).resolve().parents[2] / "graphql" / "operations"


@cache
def operation(name: str) -> str:
    """The text of graphql/operations/<name>.graphql, as clients use it."""
    return (OPERATIONS_DIR / f"{name}.graphql").read_text(encoding="utf-8")


def run(client, name: str, **variables) -> dict:
    """Execute a contract operation; returns `data`."""
    return client(operation(name), variables)


def request_input(recommendation_ids: list[str], **overrides) -> dict:
    base = {
        "title": "Judicial training on international standards",
        "need": "Train 120 judges and magistrates on fair-trial guarantees.",
        "recommendationIds": recommendation_ids,
        "languages": ["en", "sw"],
        "supportKinds": ["TRAINING", "EXPERT_MISSION"],
        "windowStart": f"{YEAR}-03-01",
        "windowEnd": f"{YEAR}-09-30",
        "weeks": 8,
        "expertsNeeded": 2,
        "budget": 80000,
        "currency": "USD",
        "priority": 4,
    }
    base.update(overrides)
    return base


def offer_input(**overrides) -> dict:
    base = {
        "title": "Justice sector support",
        "kind": "FUNDING",
        "themes": ["Justice", "NHRI"],
        "languages": ["en", "fr"],
        "budget": 500000,
        "currency": "USD",
        "maxRequests": 4,
        "windowStart": f"{YEAR}-01-01",
        "windowEnd": f"{YEAR}-12-31",
        "eligibleGroups": ["AFRICAN", "APG"],
    }
    base.update(overrides)
    return base
