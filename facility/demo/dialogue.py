"""The demo's referrals and dialogue: two States open their page and publish progress updates on
their recommendations; a referral is recorded for each, one accepted (a draft request the State
is to edit) and one declined with a reason that stays private. Everything goes through the
services a user would call; every text says it is demo data, and the Council documents cited
are of a session that never took place (99), so no real document is misattributed.
"""

from __future__ import annotations

from sqlmodel import Session, select

from facility.auth.actor import Actor
from facility.dialogue import service as dialogue
from facility.engagements.models import Engagement, ImplementationStatus
from facility.reference.models import Recommendation, RecommendationTheme
from facility.referrals import service as referrals
from facility.requests.models import CapacityRequest

UPDATES = (
    (ImplementationStatus.PARTIALLY_IMPLEMENTED,
     "A draft law was tabled in parliament and officials were trained in two regions (demo).",
     "The budget line for the new unit is not yet approved (demo).",
     "Training of trainers for the provincial offices (demo)."),
    (ImplementationStatus.NOT_STARTED,
     "A national consultation is planned for the coming year (demo).",
     "No data are collected on the persons concerned (demo).",
     "Support to design an equality-data survey (demo)."),
)


def _page_states(session: Session, missions: dict[str, Actor]) -> list[str]:
    """Two States with a demo mission: those the facility supported first (their pages show
    support and outcomes too), then the others."""
    supported = sorted(set(session.exec(select(CapacityRequest.state_code).join(
        Engagement, Engagement.request_id == CapacityRequest.id)).all()) & set(missions))  # type: ignore[arg-type]
    return (supported + sorted(set(missions) - set(supported)))[:2]


def _recommendations(session: Session, state: str, limit: int) -> list[int]:
    """The State's first recommendations that carry a theme (a request needs one)."""
    themed = select(RecommendationTheme.recommendation_id)
    return list(session.exec(select(Recommendation.id).where(  # type: ignore[arg-type]
        Recommendation.state_code == state, Recommendation.id.in_(themed))  # type: ignore[union-attr]
        .order_by(Recommendation.source_id).limit(limit)).all())


def seed_dialogue(session: Session, *, secretariat: Actor, missions: dict[str, Actor]) -> list[str]:
    """Open two State pages with progress updates; record a referral accepted and one declined."""
    states = _page_states(session, missions)
    if len(states) < 2:
        return ["fewer than two demo missions: no State pages or referrals seeded"]
    report = []
    for state in states:
        mission = missions[state]
        dialogue.set_page_consent(session, actor=mission, open=True)
        ids = _recommendations(session, state, len(UPDATES))
        for rid, (status, evidence, barriers, support) in zip(ids, UPDATES, strict=False):
            dialogue.post_update(session, actor=mission, publish=True, fields=dialogue.UpdateFields(
                recommendation_id=rid, implementation_status=status, evidence=evidence,
                evidence_link="https://example.org/demo/evidence", barriers=barriers,
                support_wanted=support))
        report.append(f"State page of {state} opened, with {len(ids)} published progress updates")

    accepting, declining = states
    accepted = referrals.refer_situation(session, actor=secretariat, fields=referrals.ReferralFields(
        source="HRC_PRESIDENT", document_symbol="A/HRC/RES/99/1", state_code=accepting,
        title="[Demo] Support to follow up the Council's resolution",
        summary="The President of the Council refers the follow-up of a resolution to the "
                "facility (fictitious demo referral).",
        recommendation_ids=_recommendations(session, accepting, 2)))
    referrals.respond_to_referral(session, actor=missions[accepting], referral_id=accepted.id,  # type: ignore[arg-type]
                                  answer=referrals.Answer(accept=True, public=True))
    declined = referrals.refer_situation(session, actor=secretariat, fields=referrals.ReferralFields(
        source="OHCHR", document_symbol="A/HRC/99/2", state_code=declining,
        title="[Demo] Technical cooperation on a situation of concern",
        summary="OHCHR refers a situation the Council discussed (fictitious demo referral)."))
    referrals.respond_to_referral(session, actor=missions[declining], referral_id=declined.id,  # type: ignore[arg-type]
                                  answer=referrals.Answer(
                                      accept=False, public=True,
                                      reason="A bilateral programme already covers it (demo)."))
    report.append(f"referral {accepted.document_symbol} accepted by {accepting} (a draft request), "
                  f"{declined.document_symbol} declined by {declining} (made public, its reason not)")
    return report
