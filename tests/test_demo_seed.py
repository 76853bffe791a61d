"""The demo data set: labelled, tied to real recommendations, every regional group present."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from facility.auth.models import Partner
from facility.demo.seed import seed_demo
from facility.offers.models import Offer
from facility.reference.models import Recommendation, State
from facility.requests.models import CapacityRequest, RequestRecommendation


def test_demo_seed_is_labelled_real_and_seeded_once(db_session):
    report = seed_demo(db_session)
    assert any("17 requests" in line for line in report), report

    requests = db_session.exec(select(CapacityRequest)).all()
    assert all(r.title.startswith("[Demo] ") for r in requests)
    groups = {db_session.get(State, r.state_code).regional_group_code for r in requests}
    assert groups == {"AFRICAN", "APG", "EEG", "GRULAC", "WEOG"}
    assert {r.status for r in requests} == {"DRAFT", "SUBMITTED", "WITHDRAWN"}
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

    assert seed_demo(db_session) == ["accounts already exist: demo data not seeded again"]
    assert db_session.exec(select(func.count()).select_from(CapacityRequest)).one() == len(requests)
