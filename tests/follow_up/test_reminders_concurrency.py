"""Two reminder runs at once (a cron job started twice) queue each notice once, without error.

This needs committed rows seen by two connections, so it runs on a database of its own rather
than inside the rolled-back transaction of the other tests.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from facility.auth.models import Partner, Role
from facility.auth.service import create_account
from facility.bootstrap import upgrade
from facility.db import make_engine
from facility.engagements.models import Engagement, EngagementStatus, FollowUpReport, ReportKind
from facility.notifications.models import Notification
from facility.notifications.reminders import queue_reminders
from facility.offers.models import Offer, OfferKind
from facility.requests.models import CapacityRequest, RequestStatus
from governance.models import MatchProposal, OptimiserRun
from tests.conftest import BACKENDS, _create_postgres_database

DUE = date(2028, 4, 30)


@pytest.fixture(params=BACKENDS)
def fresh_engine(request, tmp_path: Path) -> Iterator:
    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'concurrent.db'}", (lambda: None)
    else:
        url, drop = _create_postgres_database()
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()
    drop()


def _one_report_due(engine) -> None:
    with Session(engine) as session:
        state = create_account(session, role=Role.STATE, email="m@example.org", name="Mission",
                               state_code="KEN")
        create_account(session, role=Role.SECRETARIAT, email="s@example.org", name="Staff")
        partner = create_account(session, role=Role.PARTNER, email="p@example.org", name="P",
                                 partner_name="Norad")
        partner_id = session.exec(select(Partner.id)).one()
        request = CapacityRequest(state_code="KEN", status=RequestStatus.COMPLETED, title="T",
                                  need="N", window_start=date(2027, 1, 1),
                                  window_end=date(2027, 4, 30), weeks=4, experts_needed=0,
                                  budget=1, currency="USD", priority=1, created_by_id=state.id)
        offer = Offer(partner_id=partner_id, title="O", kind=OfferKind.FUNDING, budget=1,
                      currency="USD", max_requests=1, window_start=date(2027, 1, 1),
                      window_end=date(2027, 12, 31), created_by_id=partner.id)
        run = OptimiserRun(criteria_version=1, time_limit=1, started_by_id=partner.id)
        session.add_all([request, offer, run])
        session.flush()
        proposal = MatchProposal(run_id=run.id, request_id=request.id, offer_id=offer.id,
                                 value=1, fit=1, explanation="x")
        session.add(proposal)
        session.flush()
        engagement = Engagement(proposal_id=proposal.id, request_id=request.id,
                                offer_id=offer.id, start=date(2027, 3, 1),
                                end=date(2027, 4, 30), budget=1, currency="USD",
                                status=EngagementStatus.COMPLETED)
        session.add(engagement)
        session.flush()
        session.add(FollowUpReport(engagement_id=engagement.id, kind=ReportKind.TWELVE_MONTHS,
                                   due_date=DUE))
        session.commit()


@pytest.mark.slow
def test_two_overlapping_runs_queue_each_notice_once(fresh_engine):
    _one_report_due(fresh_engine)
    first_inserted, results, errors = threading.Event(), {}, []

    def run(name: str, wait: threading.Event | None, hold: float) -> None:
        try:
            with Session(fresh_engine) as session:
                if wait is not None:
                    wait.wait(10)
                results[name] = queue_reminders(session, on=DUE - timedelta(days=10),
                                                offsets=[60, 14])
                if wait is None:
                    first_inserted.set()
                    threading.Event().wait(hold)  # keep the transaction open meanwhile
                session.commit()
        except Exception as error:  # pragma: no cover - what the test must not see
            errors.append(error)

    # The second run starts while the first holds its uncommitted notices.
    threads = [threading.Thread(target=run, args=("first", None, 0.5)),
               threading.Thread(target=run, args=("second", first_inserted, 0))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(sum(q.recipients for q in r) for r in results.values()) == [0, 2]
    with Session(fresh_engine) as session:
        assert session.exec(select(func.count()).select_from(Notification)).one() == 2
