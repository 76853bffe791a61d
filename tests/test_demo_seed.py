"""The demo data set: labelled, tied to real recommendations, every regional group present."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from facility.audit import AuditEntry, verify
from facility.auth.actor import Actor
from facility.auth.models import Account, Partner, Role
from facility.demo.follow_up import describe_reports
from facility.demo.seed import seed_demo
from facility.engagements import deployments
from facility.engagements.models import Engagement
from facility.experts.models import Expert
from facility.experts.readiness import ready_notice_hours
from facility.needs.service import needs_assessment
from facility.notifications.models import Notification
from facility.offers.models import Offer
from facility.reference.models import Recommendation, State
from facility.reports.item10 import collect, render_html
from facility.requests.models import CapacityRequest, RequestRecommendation
from facility.stories import service as stories
from facility.stories.models import StoryStatus, SuccessStory
from facility.timeutil import as_utc, today
from governance.models import Motion, OptimiserRun, Recusal, Screening


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
    # Treaty bodies and special procedures too: the genuine CESCR sample, and demo rows that
    # say so, for the demo's States.
    by_mechanism = dict(db_session.exec(select(Recommendation.mechanism, func.count())
                                        .group_by(Recommendation.mechanism)).all())
    assert by_mechanism["TREATY_BODY"] >= 7 + 7 and by_mechanism["SPECIAL_PROCEDURE"] >= 4
    assert db_session.exec(select(func.count()).where(
        Recommendation.body == "CESCR", Recommendation.state_code == "AUS")).one() == 7
    demo_rows = db_session.exec(select(Recommendation).where(
        Recommendation.source_id.startswith("demo-"))).all()
    assert demo_rows and all(r.text.startswith("[Demo] ") and r.document.startswith("DEMO/")
                             for r in demo_rows)
    assert {r.state_code for r in demo_rows} <= {r.state_code for r in requests}
    assert db_session.exec(select(func.count()).select_from(Offer)
                           .where(Offer.status == "PUBLISHED")).one() == 7

    # Governance at work: a committee, adopted criteria, a run, decisions and engagements.
    assert any(line.startswith("committee seated") for line in report)
    assert any("criteria version 2 adopted" in line for line in report)
    # The first run is this round's; the second holds the earlier round's confirmed matches.
    run, _earlier = db_session.exec(select(OptimiserRun).order_by(OptimiserRun.id)).all()
    assert run.status == "DONE" and run.solver_status == "OPTIMAL"
    assert db_session.exec(select(func.count()).select_from(Engagement)
                           .where(Engagement.status == "SCHEDULED")).one() == 2
    assert db_session.exec(select(func.count()).select_from(Recusal)).one() >= 1
    # An expert deployed on one of them has an account linked to the roster entry and an
    # answer to give on the deployments page.
    [line] = [ln for ln in report if ln.startswith("expert account ")]
    expert_account = db_session.exec(select(Account).where(Account.role == Role.EXPERT)).one()
    assert expert_account.email in line
    # (The same person may also have served on earlier, completed engagements.)
    rows, total = deployments.list_deployments(
        db_session, actor=Actor.from_account(expert_account), limit=20, offset=0)
    scheduled = [d for d in rows if d.engagement.status == "SCHEDULED"]
    assert total == len(rows) and scheduled and all(d.answer is None for d in scheduled)
    assert verify(db_session).ok

    # The loop closed: earlier engagements completed, reports in every status, reminders.
    assert any("5 earlier engagements completed" in line for line in report), report
    assert describe_reports(db_session) == {"DUE": 4, "OVERDUE": 2, "SUBMITTED_LATE": 1,
                                            "SUBMITTED_ON_TIME": 3}
    kinds = {n.kind for n in db_session.exec(select(Notification))}
    assert {"REPORT_DUE", "REPORT_OVERDUE", "MOTION_OPEN", "RUN_FINISHED"} <= kinds, kinds
    # The demo expert's account came after their engagement (no notice then); their to-do
    # page lists the deployment to answer all the same.
    from facility.notifications.awaiting import awaiting

    assert awaiting(db_session, Actor.from_account(expert_account))["deployments"]
    assert db_session.exec(select(func.count()).select_from(Engagement)
                           .where(Engagement.status == "COMPLETED")).one() == 5
    # One success story, consented and published (facility/demo/stories.py), and the item 10
    # report generated from the demo says it is demo data.
    [story] = db_session.exec(select(SuccessStory)).all()
    assert story.status == StoryStatus.PUBLISHED and story.title.startswith("[Demo] ")
    # The summary says what the report says: 55 trained against a target of 80 is not "beyond".
    assert "beyond the target" not in story.summary
    assert "officials trained: 55 against a target of 80" in story.summary
    assert [s.id for s in stories.list_stories(db_session, actor=None, limit=5, offset=0)[0]] == [story.id]
    assert db_session.exec(select(AuditEntry.action).where(
        AuditEntry.subject_type == "success_story").order_by(AuditEntry.seq)).all() == [
        "success_story.proposed", "success_story.consented", "success_story.published"]
    html = render_html(collect(db_session, year=today().year))
    assert "Demonstration data." in html and story.title in html
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

    # The ready roster: deployable within 72 hours, two weeks and two months; one expert whose
    # medical check expired is out of the ready pool, and partners were told of the checks
    # that expire or expired. One request is on the urgent track, screened within its deadline.
    on = today()
    pool = ready_notice_hours(db_session, on)
    assert sorted(pool.values()) == [72, 336, 1440]
    with_notice = db_session.exec(select(Expert).where(Expert.notice_hours.is_not(None))).all()
    assert len(with_notice) == 4 and len(pool) == 3
    assert db_session.exec(select(func.count()).select_from(Notification).where(
        Notification.expert_check_id.is_not(None))).one() >= 2
    [urgent] = [r for r in requests if r.urgent]
    assert urgent.status != "SUBMITTED" and urgent.latest_start >= on and urgent.decide_by
    [screened] = db_session.exec(select(Screening).where(Screening.request_id == urgent.id)).all()
    decided = db_session.get(Motion, screened.motion_id).decided_at
    assert decided is not None and as_utc(decided) <= as_utc(urgent.decide_by)

    assert seed_demo(db_session) == ["accounts already exist: demo data not seeded again"]
    assert db_session.exec(select(func.count()).select_from(CapacityRequest)).one() == len(requests)

