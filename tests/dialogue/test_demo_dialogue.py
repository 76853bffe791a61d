"""The demo's dialogue: two State pages opened with published progress updates, a referral
accepted (a draft request) and one declined, all labelled as demo data."""

from __future__ import annotations

from sqlmodel import select

from facility.demo.seed import seed_demo
from facility.dialogue import views
from facility.dialogue.models import ProgressUpdate, StatePageConsent, UpdateStatus
from facility.referrals.models import Referral, ReferralStatus
from facility.requests.models import CapacityRequest, RequestStatus


def test_the_demo_opens_two_state_pages_and_answers_two_referrals(db_session):
    report = seed_demo(db_session)
    opened = db_session.exec(select(StatePageConsent).where(StatePageConsent.open)).all()
    assert len(opened) == 2, report
    for consent in opened:
        page = views.state_page(db_session, consent.state_code, language="en")
        assert page.open and page.updates and page.themes
        assert all(u.update.status == UpdateStatus.PUBLISHED and u.update.evidence.endswith("(demo).")
                   for u in page.updates)
    # The first page is of a State the facility supported: it shows that support.
    assert any(views.state_page(db_session, c.state_code, language="en").support for c in opened)
    assert db_session.exec(select(ProgressUpdate).where(
        ProgressUpdate.status == UpdateStatus.DRAFT)).all() == []

    accepted, declined = db_session.exec(select(Referral).order_by(Referral.id)).all()
    assert (accepted.status, declined.status) == (ReferralStatus.ACCEPTED, ReferralStatus.DECLINED)
    assert all(r.title.startswith("[Demo] ") and "/99/" in r.document_symbol for r in (accepted, declined))
    draft = db_session.exec(select(CapacityRequest).where(CapacityRequest.referral_id == accepted.id)).one()
    assert draft.status == RequestStatus.DRAFT and draft.title.startswith("[Demo] ")
    assert declined.public and not declined.reason_public and declined.decline_reason
    assert any(line.startswith("referral A/HRC/RES/99/1 accepted") for line in report), report
