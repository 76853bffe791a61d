"""The optimiser's explanations in plain words: names instead of instance ids.

matching/explain.py writes its explanations from the run's instance, where a request is
R<id>, an offer O<id> and an expert E<id> (governance/runs.py builds those ids from the
database ids) and regional groups are codes ("Funded by offer O1 (...). Expert E3 (AFRICAN;
Justice; speaks en)."). The pages show names: the offer's and the request's titles, the
expert's name for those who may see it (permissions.can_view_expert_personal: the committee,
the secretariat, the expert's own partner) and "#1", "#2" for anyone else, and the group's
words in the page's language. The optimiser itself stays free of names and of the database.

    names = load_names(db, actor, [p.explanation for p in proposals])   # 3 statements
    {{ p.explanation | plain(names) }}

A page that already holds the offers (a match's explanation names its offer and its experts
only) builds `Names(offers=..., experts=expert_names(...))` instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlmodel import Session, select

from facility.auth import permissions
from facility.auth.actor import Actor
from facility.experts.models import Expert
from facility.offers.models import Offer
from facility.requests.models import CapacityRequest
from facility.web.labels import N_

TOKEN = re.compile(r"\b([ROE])(\d+)\b")
GROUP = re.compile(r"\b(AFRICAN|APG|EEG|GRULAC|WEOG)\b")


@dataclass(frozen=True)
class Names:
    """What the viewer may read for the ids an explanation mentions."""

    requests: dict[int, str] = field(default_factory=dict)
    offers: dict[int, str] = field(default_factory=dict)
    experts: dict[int, str] = field(default_factory=dict)  # only those the viewer may name


def ids_in(texts: Iterable[str]) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {"R": set(), "O": set(), "E": set()}
    for text in texts:
        for kind, number in TOKEN.findall(text or ""):
            found[kind].add(int(number))
    return found


def load_names(session: Session, actor: Actor | None, texts: Iterable[str]) -> Names:
    """The names the viewer may read for every id in `texts`, in 3 statements whatever they
    mention (a request or an offer the viewer may not see stays unnamed)."""
    found = ids_in(texts)
    requests = dict(session.exec(select(CapacityRequest.id, CapacityRequest.title).where(
        permissions.request_visibility(actor), CapacityRequest.id.in_(found["R"]))).all())  # type: ignore[union-attr]
    offers = dict(session.exec(select(Offer.id, Offer.title).where(
        permissions.offer_visibility(actor), Offer.id.in_(found["O"]))).all())  # type: ignore[union-attr]
    return Names(requests=requests, offers=offers,  # type: ignore[arg-type]
                 experts=expert_names(session, actor, found["E"]))


def expert_names(session: Session, actor: Actor | None, expert_ids: Iterable[int]) -> dict[int, str]:
    """The names of those experts the viewer may name (1 statement). A page that has the
    offers and requests at hand builds its `Names` with this alone."""
    return {e.id: e.name for e in session.exec(select(Expert).where(
        Expert.id.in_(set(expert_ids))))  # type: ignore[union-attr]
        if permissions.can_view_expert_personal(actor, e)}  # type: ignore[misc]


def in_plain_words(text: str, names: Names, group: Callable[[str], str],
                   words: Callable[[str], str] = lambda s: s) -> str:
    """`text` with each id replaced by a name (or a neutral stand-in) and each group code by
    `group(code)`; `words` translates the stand-ins."""
    unnamed: dict[int, int] = {}

    def name(match: re.Match[str]) -> str:
        kind, pk = match.group(1), int(match.group(2))
        if kind == "O":
            title = names.offers.get(pk)
            return f"“{title}”" if title else words(N_("another offer"))
        if kind == "R":
            title = names.requests.get(pk)
            return f"“{title}”" if title else words(N_("another request"))
        if pk in names.experts:
            return names.experts[pk]
        return f"#{unnamed.setdefault(pk, len(unnamed) + 1)}"

    return GROUP.sub(lambda m: group(m.group(1)), TOKEN.sub(name, text or ""))
