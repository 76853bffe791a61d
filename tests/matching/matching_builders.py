"""Builders of hand-made instances for the matching tests.

Defaults (as_of 2027-01-01): a request submitted 2026-07-01 (6 months waiting), priority
3, all supported, so value = 100 + 3*10 + 6*2 + 5 = 147; an expert sharing one theme and
one language has fit 3*1 + 1*1 = 4.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from matching import Instance, parse_instance

INSTANCES = Path(__file__).parent / "instances"
OPTIMA = {"tiny": 3796, "small": 19989, "medium": 156326}


def req(rid: str, **kw: Any) -> dict[str, Any]:
    base = {
        "id": rid, "state": "KEN", "group": "AFRICAN", "themes": ["Justice"],
        "languages": ["en"], "window": ["2027-02-01", "2027-06-30"], "weeks": 4,
        "budget": 50_000, "experts_needed": 1, "priority": 3, "submitted": "2026-07-01",
        "all_supported": True,
    }
    return {**base, **kw}


def off(oid: str, **kw: Any) -> dict[str, Any]:
    base = {
        "id": oid, "partner": "NORAD", "partner_state": "NOR", "themes": ["Justice"],
        "groups": None, "states": None, "window": ["2027-01-01", "2027-12-31"],
        "budget": 100_000, "max_requests": 5,
    }
    return {**base, **kw}


def exp(eid: str, **kw: Any) -> dict[str, Any]:
    base = {
        "id": eid, "nationality": "BRA", "group": "GRULAC", "themes": ["Justice"],
        "languages": ["en"], "available": [["2027-01-01", "2027-12-31"]],
        "max_assignments": 1,
    }
    return {**base, **kw}


def doc(requests, offers, experts, **criteria: Any) -> dict[str, Any]:
    crit = {
        "request_base_value": 100,
        "weights": {"priority": 10, "waiting_month": 2, "supported": 5, "theme_fit": 3,
                    "language_fit": 1},
        "team_min_groups": 2, "group_floor_share": {}, "fairness_penalty": 400,
    }
    crit.update(criteria)
    return {"format": "facility-matching/1", "as_of": "2027-01-01", "criteria": crit,
            "requests": list(requests), "offers": list(offers), "experts": list(experts)}


def build(requests, offers, experts, **criteria: Any) -> Instance:
    return parse_instance(doc(requests, offers, experts, **criteria))


def example_doc(name: str) -> dict[str, Any]:
    return json.loads((INSTANCES / f"{name}.json").read_text())


