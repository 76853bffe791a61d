"""The UN body behind a recommendation, from the label OHCHR's UHRI gives it.

UHRI writes one body several ways: short ("- CRC", "- SR Torture"), long ("- Committee on
the Rights of the Child") and with stray spaces ("- IE  Albinism"). data/uhri_bodies.csv maps
every known spelling to one code and its mechanism type. A special procedure missing from
the table is still recognised by its title ("SR …", "Special Rapporteur on …") and keeps its
label, spaces tidied, as its code, so that a new mandate imports without a code change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from facility.reference.loader import read_csv
from facility.reference.models import MechanismType

# Titles that make a label a special procedure's (UHRI's abbreviations and the full forms).
SPECIAL_PROCEDURE_TITLES = re.compile(
    r"^(SR|IE|WG|SRSG|Special Rapporteur|Independent Expert|Working Group"
    r"|Special Representative)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Body:
    code: str
    mechanism: MechanismType
    name: str


def clean_label(label: str) -> str:
    """A UHRI value without its "- " prefix and with single spaces."""
    return " ".join(label.strip().removeprefix("- ").split())


@cache
def _table() -> dict[str, Body]:
    return {
        clean_label(row["label"]).casefold(): Body(
            row["body"], MechanismType(row["mechanism"]), row["name"])
        for row in read_csv("uhri_bodies.csv")
    }


def known_bodies() -> list[Body]:
    """Every body of the table once, by mechanism type then code."""
    unique = {body.code: body for body in _table().values()}
    order = list(MechanismType)
    return sorted(unique.values(), key=lambda b: (order.index(b.mechanism), b.code))


def body_of(label: str) -> Body | None:
    """The body a UHRI label names, or None when it names none the facility knows."""
    clean = clean_label(label)
    if not clean:
        return None
    found = _table().get(clean.casefold())
    if found is not None:
        return found
    if SPECIAL_PROCEDURE_TITLES.match(clean):
        return Body(clean, MechanismType.SPECIAL_PROCEDURE, clean)
    return None
