"""The names a viewer may read for the ids in the optimiser's explanations.

matching/explain.py writes its explanations from the run's instance, where a request is
R<id>, an offer O<id> and an expert E<id> (governance/runs.py builds those ids from the
database ids). The pages show names instead (facility/web/explanations.py): the offer's and
the request's titles, the expert's name for those who may see it
(permissions.can_view_expert_personal) and a neutral stand-in for anyone else. This module
loads those names, in a fixed number of statements, for the read models and pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from facility.auth import permissions
from facility.auth.actor import Actor
from facility.experts.models import Expert
from facility.offers.models import Offer
from facility.requests.models import CapacityRequest

TOKEN = re.compile(r"\b([ROE])(\d+)\b")


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
        permissions.request_visibility(actor), col(CapacityRequest.id).in_(found["R"]))).all())
    offers = dict(session.exec(select(Offer.id, Offer.title).where(
        permissions.offer_visibility(actor), col(Offer.id).in_(found["O"]))).all())
    return Names(requests=requests, offers=offers,  # type: ignore[arg-type]
                 experts=expert_names(session, actor, found["E"]))


def expert_names(session: Session, actor: Actor | None, expert_ids: Iterable[int]) -> dict[int, str]:
    """The names of those experts the viewer may name (1 statement). A page that has the
    offers and requests at hand builds its `Names` with this alone."""
    return {e.id: e.name for e in session.exec(select(Expert).where(
        col(Expert.id).in_(set(expert_ids))))
        if permissions.can_view_expert_personal(actor, e)}
