"""The demo data set: labelled, tied to real recommendations, every regional group present."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from facility.auth.actor import Actor
from facility.auth.models import Account, Partner, Role
from facility.demo.seed import seed_demo
from facility.needs.service import needs_assessment
from facility.offers.models import Offer
from facility.reference.models import Recommendation, State
from facility.requests.models import CapacityRequest, RequestRecommendation
from governance.audit import verify
from governance.models import Engagement, OptimiserRun, Recusal


def test_demo_seed_is_labelled_real_and_seeded_once(db_session):
    report = seed_demo(db_session)
    assert any("17 requests" in line for line in report), report

    requests = db_session.exec(select(CapacityRequest)).all()
    assert all(r.title.startswith("[Demo] ") for r in requests)
    groups = {db_session.get(State, r.state_code).regional_group_code for r in requests}
    assert groups == {"AFRICAN", "APG", "EEG", "GRULAC", "WEOG"}
    statuses = {r.status for r in requests}
    assert {"DRAFT", "WITHDRAWN", "INELIGIBLE", "ACTIVE", "APPROVED", "PROPOSED"} <= statuses
    # Every request is tied to real recommendations addressed to its own State.
    for request in requests:
        states = db_session.exec(
            select(Recommendation.state_code)
            .join(RequestRecommendation, RequestRecommendation.recommendation_id == Recommendation.id)
            .where(RequestRecommendation.request_id == request.id)).all()
        assert states and set(states) == {request.state_code}
    assert all(p.name.endswith("(demo)") for p in db_session.exec(select(Partner)))
    assert db_session.exec(select(func.count()).select_from(Offer)
                           .where(Offer.status == "PUBLISHED")).one() == 7

    # Governance at work: a committee, adopted criteria, a run, decisions and engagements.
    assert any(line.startswith("committee seated") for line in report)
    assert any("criteria version 2 adopted" in line for line in report)
    run = db_session.exec(select(OptimiserRun)).one()
    assert run.status == "DONE" and run.solver_status == "OPTIMAL"
    assert db_session.exec(select(func.count()).select_from(Engagement)).one() == 2
    assert db_session.exec(select(func.count()).select_from(Recusal)).one() >= 1
    assert verify(db_session).ok

    # The needs view works for the demo's States: each mission sees its requests as coverage
    # and gets requests worth filing; one with an engagement sees it.
    with_engagement = {db_session.get(CapacityRequest, e.request_id).state_code
                       for e in db_session.exec(select(Engagement))}
    for code in sorted({r.state_code for r in requests})[:3] + sorted(with_engagement):
        mission = db_session.exec(select(Account).where(Account.state_code == code,
                                                      Account.role == Role.STATE)).one()
        view = needs_assessment(db_session, actor=Actor.from_account(mission))
        assert view.recommendations and view.theme_clusters and view.suggestions, code
        assert any(r.covered_by_request for r in view.recommendations), code
        if code in with_engagement:
            assert any(r.engagements for r in view.recommendations), code

    assert seed_demo(db_session) == ["accounts already exist: demo data not seeded again"]
    assert db_session.exec(select(func.count()).select_from(CapacityRequest)).one() == len(requests)
