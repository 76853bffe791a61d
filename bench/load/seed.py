"""The load benchmark's data: the demo data set, then a realistic volume on top, all through
the services (so every rule and every audit entry applies), and the API tokens the simulated
clients use.

Volume (defaults): 60 more State missions filing 8 requests each (5 submitted, of which 4
screened eligible by the demo committee's vote), 24 more partners posting 8 offers each
(6 published). Everything generated is labelled like the demo: titles start with "[Demo]",
partner names end in "(demo)", e-mail addresses use the reserved example.org domain.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from facility.audit import AuditEntry
from facility.auth.actor import Actor
from facility.auth.models import Account, PartnerKind, Role
from facility.auth.service import create_account, create_token, get_account_by_email
from facility.demo.governance import MEMBERS, _vote_all
from facility.demo.seed import DEMO_DOMAIN, DEMO_YEAR, seed_demo
from facility.ids import encode_id
from facility.offers.models import Offer
from facility.offers.service import OfferFields, create_offer, publish_offer
from facility.reference.models import Recommendation, RecommendationTheme, Theme
from facility.requests.models import CapacityRequest
from facility.requests.service import RequestFields, create_request, submit_request
from governance.committee import holds_seat
from governance.decisions import decide
from governance.models import Motion, VoteChoice
from governance.screening import open_screening

SUPPORT_KINDS = ["TRAINING", "EXPERT_MISSION", "LEGISLATIVE_DRAFTING", "INSTITUTION_BUILDING",
                 "REPORTING_AND_FOLLOW_UP", "PEER_EXCHANGE"]
OFFER_KINDS = ["FUNDING", "EXPERT_DEPLOYMENT", "TRAINING_PROGRAMME", "PEER_EXCHANGE"]
LANGUAGES = [["en"], ["fr"], ["es"], ["en", "fr"], ["ar", "en"], ["ru", "en"]]
# The demo committee's members are recused on their own State's requests; generated missions
# come from other States so that every screening has the full committee.
MEMBER_STATES = set(MEMBERS.values())
# The simulated browsers of the write-heavy scenario sign in to the pages with it.
LOAD_PASSWORD = "load benchmark passphrase (demo)"


@dataclass
class LoadData:
    """What the simulated clients need: tokens and the ids they may use."""

    states: list[dict] = field(default_factory=list)  # token, state, recommendationIds
    partners: list[dict] = field(default_factory=list)  # token, themes
    search_terms: list[str] = field(default_factory=list)
    recommendation_states: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _window(rng: random.Random) -> tuple[date, date]:
    start = date(DEMO_YEAR, rng.randint(1, 6), 1)
    return start, date(DEMO_YEAR, rng.randint(9, 12), 28)


def _supported_by_state(session: Session, minimum: int) -> dict[str, list[int]]:
    """Supported recommendations that carry a theme, per State with at least `minimum` of them."""
    rows = session.exec(
        select(Recommendation.state_code, Recommendation.id).distinct()
        .join(RecommendationTheme, RecommendationTheme.recommendation_id == Recommendation.id)
        .where(Recommendation.response == "SUPPORTED")
        .order_by(Recommendation.state_code, Recommendation.id)
    ).all()
    found: dict[str, list[int]] = {}
    for state, rid in rows:
        found.setdefault(state, []).append(rid)
    return {s: ids for s, ids in found.items() if len(ids) >= minimum and s not in MEMBER_STATES}


def _screen(session: Session, *, secretariat: Actor, members: dict[str, Actor],
            request_id: int) -> None:
    screening = open_screening(session, actor=secretariat, request_id=request_id)
    motion = session.get(Motion, screening.motion_id)
    _vote_all(session, members, motion, lambda _group: VoteChoice.APPROVE)  # type: ignore[arg-type]
    decide(session, actor=secretariat, motion_id=motion.id)  # type: ignore[union-attr, arg-type]


def seed_load(session: Session, *, missions: int = 60, requests_per_mission: int = 8,
              partners: int = 24, offers_per_partner: int = 8, seed: int = 7) -> LoadData:
    """Seed the demo, then the generated volume; returns the clients' tokens and ids."""
    rng = random.Random(seed)
    seed_demo(session)
    secretariat = Actor.from_account(get_account_by_email(session, f"secretariat@{DEMO_DOMAIN}"))
    members = {}
    for group in MEMBERS:
        account = get_account_by_email(session, f"committee.{group.lower()}@{DEMO_DOMAIN}")
        members[group] = Actor.from_account(account, seated=holds_seat(session, account.id))
    themes = list(session.exec(select(Theme.name).order_by(Theme.name)).all())
    data = LoadData()

    by_state = _supported_by_state(session, minimum=6)
    chosen = sorted(by_state)[:missions]
    for state in chosen:
        account = create_account(session, role=Role.STATE,
                                 email=f"load.mission.{state.lower()}@{DEMO_DOMAIN}",
                                 name=f"Permanent Mission of {state} (demo, load benchmark)",
                                 state_code=state, password=LOAD_PASSWORD)
        actor = Actor.from_account(account)
        recommendation_ids = by_state[state]
        for n in range(requests_per_mission):
            start, end = _window(rng)
            request = create_request(session, actor=actor, fields=RequestFields(
                title=f"[Demo] Support request {n + 1} of {state}",
                need="Generated for the load benchmark: a fictitious need of the demo data set.",
                barrier="Fictitious barrier (demo).",
                recommendation_ids=rng.sample(recommendation_ids, k=rng.randint(1, 3)),
                languages=rng.choice(LANGUAGES), support_kinds=rng.sample(SUPPORT_KINDS, k=2),
                window_start=start, window_end=end, weeks=rng.randint(2, 12),
                experts_needed=rng.randint(1, 3), budget=rng.randrange(20_000, 190_000, 5_000),
                currency="USD", priority=rng.randint(1, 5),
                focal_point="Ministry of Justice, human rights unit (demo)"))
            if n < 5:
                submit_request(session, actor=actor, request_id=request.id)  # type: ignore[arg-type]
            if n < 4:
                _screen(session, secretariat=secretariat, members=members,
                        request_id=request.id)  # type: ignore[arg-type]
        data.states.append({
            "token": create_token(session, account=account, label="load benchmark"),
            "state": state, "email": account.email, "password": LOAD_PASSWORD,
            "recommendationIds": [encode_id("Recommendation", r) for r in recommendation_ids[:20]],
            "recommendationNumbers": recommendation_ids[:20],
        })

    for p in range(partners):
        name = f"Load benchmark partner {p + 1:02d} (demo)"
        account = create_account(session, role=Role.PARTNER, email=f"load.partner{p + 1:02d}@{DEMO_DOMAIN}",
                                 name=f"{name} officer", partner_name=name,
                                 partner_kind=rng.choice(list(PartnerKind)), password=LOAD_PASSWORD)
        actor = Actor.from_account(account)
        for n in range(offers_per_partner):
            start, end = _window(rng)
            offer = create_offer(session, actor=actor, fields=OfferFields(
                title=f"[Demo] Offer {n + 1} of partner {p + 1:02d}", kind=rng.choice(OFFER_KINDS),
                themes=rng.sample(themes, k=rng.randint(1, 4)), languages=rng.choice(LANGUAGES),
                budget=rng.randrange(50_000, 900_000, 10_000), currency="USD",
                max_requests=rng.randint(1, 6), window_start=start, window_end=end,
                description="Fictitious offer generated for the load benchmark (demo)."))
            if n < 6:
                publish_offer(session, actor=actor, offer_id=offer.id)  # type: ignore[arg-type]
        data.partners.append({"token": create_token(session, account=account, label="load benchmark"),
                              "themes": themes, "email": account.email, "password": LOAD_PASSWORD})

    data.search_terms = ["torture", "education", "women", "children", "detention", "freedom",
                         "disabilities", "judicial", "police", "health"]
    data.recommendation_states = sorted(by_state)[:40]
    for label, model in (("accounts", Account), ("recommendations", Recommendation),
                         ("requests", CapacityRequest), ("offers", Offer),
                         ("audit entries", AuditEntry)):
        data.counts[label] = session.exec(select(func.count()).select_from(model)).one()
    return data
