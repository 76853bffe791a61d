"""The demo's closing of the loop: earlier engagements, completed, whose follow-up reports are
due, submitted on time, submitted late and overdue, and the reminders the daily run queues.

The earlier rounds are seeded as history: each State files a "(first phase)" request with the
same recommendations as its current one, on a date in the past (through the settable clock, so
every rule of the services applies), the engagement is recorded as a confirmed match of an
earlier round, and the secretariat records it as completed. Reports are filed by the State's
mission on the day the clock is set to, which decides whether they came on time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, select

from facility.auth.actor import Actor
from facility.auth.models import Account, Role
from facility.config import get_settings
from facility.engagements import duty_of_care
from facility.engagements import reports as follow_up
from facility.engagements import service as engagements
from facility.engagements.lifecycle import report_status
from facility.engagements.models import (
    CareItem,
    Engagement,
    EngagementStatus,
    FollowUpReport,
    ReportKind,
)
from facility.experts.models import Expert
from facility.notifications.reminders import queue_reminders
from facility.offers.models import Offer, OfferStatus
from facility.requests import service as requests
from facility.requests.models import CapacityRequest, RequestStatus
from facility.timeutil import add_months, today, today_is
from governance.models import MatchProposal, OptimiserRun, ProposalStatus, RunStatus

# Months since the earlier engagement ended, and what the State did with each report:
# "on_time" / "late" (filed that many days after the due date) / None (not filed).
HISTORY = (
    (13, {ReportKind.TWELVE_MONTHS: ("on_time", -12)}),   # 12-month filed; 24-month due
    (12, {}),                                             # 12-month due today
    (15, {}),                                             # 12-month overdue
    (27, {ReportKind.TWELVE_MONTHS: ("late", 40),         # both filed, the first one late
          ReportKind.TWENTY_FOUR_MONTHS: ("on_time", -5)}),
    (26, {ReportKind.TWELVE_MONTHS: ("on_time", -3)}),    # 24-month overdue
)


def moment(day: date) -> datetime:
    """Nine in the morning (UTC) of that day: when the demo's earlier steps happened."""
    return datetime.combine(day, time(9), tzinfo=UTC)


def completion_reason(status: EngagementStatus) -> str:
    """The demo's earlier engagements were delivered before the platform held their experts'
    answers, so the secretariat completes them with a reason, as the rules ask."""
    return ("The team's acceptance was agreed outside the platform, before the demo began (demo)"
            if status == EngagementStatus.COMPLETED else "")


def complete_duty_of_care(session: Session, engagement: Engagement) -> None:
    """The funding partner ticks off the whole duty-of-care checklist, as it would before
    the team deploys (the engagement may not start otherwise)."""
    offer = session.get(Offer, engagement.offer_id)
    assert offer is not None
    account = session.exec(select(Account).where(Account.partner_id == offer.partner_id,
                                                 Account.role == Role.PARTNER)
                           .order_by(col(Account.id))).first()
    assert account is not None, "the demo's partners each have an account"
    duty_of_care.record(session, actor=Actor.from_account(account),
                        engagement_id=engagement.id,  # type: ignore[arg-type]
                        items=[item.value for item in CareItem])


def _report_content(session: Session, engagement: Engagement) -> follow_up.ReportChanges:
    linked = requests.recommendation_ids_by_request(session, [engagement.request_id])[
        engagement.request_id]
    return follow_up.ReportChanges(
        recommendations=[{"recommendation_id": rid, "status": "PARTIALLY_IMPLEMENTED" if i == 0
                          else "NOT_STARTED", "evidence": "Fictitious evidence of the demo.",
                          "links": []} for i, rid in enumerate(linked)],
        indicators=[{"type": "STRUCTURAL", "name": "Implementing body designated (demo)",
                     "unit": "yes/no", "baseline": "no", "target": "yes", "current": "yes"},
                    {"type": "PROCESS", "name": "Officials trained (demo)", "unit": "persons",
                     "baseline": "0", "target": "80", "current": "55"}],
        narrative="Fictitious narrative of the demo: the programme ran in two regions; the "
                  "third is planned.",
        further_needs="Support to extend the programme to the remaining regions (demo).")


def seed_follow_up(session: Session, *, secretariat: Actor,
                   missions: dict[str, Actor]) -> list[str]:
    """Seed the earlier engagements and their reports; returns the report lines."""
    offers = session.exec(select(Offer).where(Offer.status == OfferStatus.PUBLISHED)
                          .order_by(col(Offer.id))).all()
    current = {r.state_code: r for r in session.exec(
        select(CapacityRequest).where(CapacityRequest.status != RequestStatus.DRAFT)
        .order_by(col(CapacityRequest.id)))}
    states = [s for s in missions if s in current][:len(HISTORY)]
    # An earlier round, before this platform's first run: it finished before the first of
    # its engagements started (so it is not this round's latest run).
    starts = [add_months(today(), -months_ago) - timedelta(weeks=current[state].weeks)
              for state, (months_ago, _) in zip(states, HISTORY, strict=False)]
    held_on = datetime.combine(min(starts, default=today()) - timedelta(days=30), time(),
                               tzinfo=UTC)
    run = OptimiserRun(criteria_version=1, time_limit=1, started_by_id=secretariat.account_id,
                       status=RunStatus.DONE, solver_status="OPTIMAL", seconds=0.0,
                       created_at=held_on, finished_at=held_on)
    session.add(run)
    session.flush()
    filed = 0
    for n, (state, (months_ago, filings)) in enumerate(zip(states, HISTORY, strict=False)):
        end = add_months(today(), -months_ago)
        fields = requests.current_fields(session, current[state])
        start = end - timedelta(weeks=fields.weeks)
        offer = offers[n % len(offers)]
        with today_is(start - timedelta(days=90)):
            fields.title = f"{current[state].title} (first phase)"[:200]
            fields.window_start, fields.window_end = start, end
            request = requests.create_request(session, actor=missions[state], fields=fields)
            requests.submit_request(session, actor=missions[state], request_id=request.id)  # type: ignore[arg-type]
        # The earlier cycle happened at its own dates: submitted three months before the start,
        # agreed (both sides confirmed) one month before; the statistics count by these days.
        filed_on, agreed_on = moment(start - timedelta(days=90)), moment(start - timedelta(days=30))
        request.status, request.submitted_at = RequestStatus.ACTIVE, filed_on
        session.add(request)
        expert = session.exec(select(Expert.id).where(Expert.partner_id == offer.partner_id)
                              .order_by(col(Expert.id))).first()
        proposal = MatchProposal(run_id=run.id, request_id=request.id, offer_id=offer.id,  # type: ignore[arg-type]
                                 expert_ids=[expert] if expert else [], value=1, fit=1,
                                 explanation="Confirmed in an earlier round (demo).",
                                 status=ProposalStatus.CONFIRMED, decided_at=agreed_on,
                                 state_confirmed_at=agreed_on, partner_confirmed_at=agreed_on)
        session.add(proposal)
        session.flush()
        engagement = Engagement(proposal_id=proposal.id, request_id=request.id,  # type: ignore[arg-type]
                                offer_id=offer.id, expert_ids=list(proposal.expert_ids),  # type: ignore[arg-type]
                                start=start, end=end, budget=min(request.budget, offer.budget),
                                currency=request.currency, created_at=agreed_on)
        session.add(engagement)
        session.flush()
        complete_duty_of_care(session, engagement)
        for status in (EngagementStatus.IN_PROGRESS, EngagementStatus.COMPLETED):
            engagements.record_progress(session, actor=secretariat, engagement_id=engagement.id,  # type: ignore[arg-type]
                                        status=status, reason=completion_reason(status))
        for kind, (_, days_after_due) in filings.items():
            report = session.exec(select(FollowUpReport).where(
                FollowUpReport.engagement_id == engagement.id, FollowUpReport.kind == kind)).one()
            filed_on = report.due_date + timedelta(days=days_after_due)
            with today_is(filed_on):
                follow_up.save_report(session, actor=missions[state], report_id=report.id,  # type: ignore[arg-type]
                                      changes=_report_content(session, engagement))
                follow_up.submit_report(session, actor=missions[state], report_id=report.id)  # type: ignore[arg-type]
            # Submitted on that day, not when the demo is seeded: the year's figures count by it.
            report.submitted_at = report.first_submitted_at = moment(filed_on)
            session.add(report)
            filed += 1
    queued = queue_reminders(session, on=today(), offsets=get_settings().reminder_offsets)
    return [f"{len(states)} earlier engagements completed ({', '.join(states)}): {filed} "
            f"follow-up reports filed, others due or overdue; reminders queued for "
            f"{len(queued)} reports "
            "(run `facility reminders run` daily to queue and e-mail them)"]


def describe_reports(session: Session) -> dict[str, int]:
    """How many of the demo's reports are in each status today (for the tests and the CLI)."""
    counts: dict[str, int] = {}
    for report in session.exec(select(FollowUpReport).where(~col(FollowUpReport.superseded))):
        key = str(report_status(report))
        if key == "SUBMITTED":
            key += "_ON_TIME" if report.on_time else "_LATE"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))

