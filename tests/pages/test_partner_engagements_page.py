"""The partner's engagements page: the engagements its offers fund, the team's answers (and
reasons for declining), follow-up reports, progress steps and replacing a declined expert."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from sqlalchemy import delete
from sqlmodel import select

from facility.auth.actor import Actor
from facility.auth.models import Account, Role
from facility.engagements import deployments
from facility.engagements.models import (
    CareItem,
    Engagement,
    EngagementCareItem,
    EngagementChange,
    EngagementStatus,
    FollowUpReport,
)
from facility.experts import service as experts
from facility.experts.models import Expert, ExpertAvailability
from facility.offers.models import Offer, OfferKind, OfferStatus
from facility.requests.models import CapacityRequest, RequestStatus
from facility.timeutil import today, today_is, utcnow
from governance.models import MatchProposal, OptimiserRun, ProposalStatus
from tests.api.test_query_cost import counted
from tests.pages.conftest import csrf_of

PAGE = "/partner/engagements"


@dataclass
class Funder:
    """A partner account, its offer, and helpers to put experts and engagements on it."""

    db: object
    person: object
    account: Account
    offer: Offer
    run: OptimiserRun
    state: Account
    made: list[Engagement] = field(default_factory=list)

    def expert(self, name: str, *, linked: bool = False, **changes) -> Expert:
        """A roster expert of this partner (consenting to MATCHING), with an account if linked."""
        email = (self.person(Role.EXPERT, partner_name=self.account_partner_name).email if linked
                 else f"{name.lower().replace(' ', '.')}@example.org")
        expert = experts.nominate_expert(
            self.db, actor=Actor.from_account(self.account), consent_given=True,  # type: ignore[arg-type]
            fields=experts.ExpertFields(name=name, email=email, nationality="SEN",
                                        themes=["Justice"], languages=["fr", "en"],
                                        availability=[(date(2027, 1, 1), date(2027, 12, 31))]))
        for key, value in changes.items():
            setattr(expert, key, value)
        self.db.add(expert)  # type: ignore[attr-defined]
        self.db.flush()  # type: ignore[attr-defined]
        return expert

    @property
    def account_partner_name(self) -> str:
        from facility.auth.models import Partner
        return self.db.get(Partner, self.account.partner_id).name  # type: ignore[attr-defined]

    def engagement(self, team: list[Expert], *, title: str = "Training of judges (test)",
                   status: EngagementStatus = EngagementStatus.SCHEDULED,
                   cared: bool = True) -> Engagement:
        """An engagement of this partner's offer; `cared`: its duty-of-care checklist done."""
        db = self.db
        request = CapacityRequest(
            state_code="KEN", status=RequestStatus.ACTIVE, title=title, need="Training (test)",
            support_kinds=["TRAINING"], languages=["en"], window_start=date(2027, 3, 1),
            window_end=date(2027, 9, 30), weeks=4, experts_needed=len(team), budget=40_000,
            currency="USD", priority=1, created_by_id=self.state.id,
            submitted_at=utcnow() - timedelta(days=60))
        db.add(request)  # type: ignore[attr-defined]
        db.flush()  # type: ignore[attr-defined]
        ids = [e.id for e in team]
        proposal = MatchProposal(run_id=self.run.id, request_id=request.id, offer_id=self.offer.id,
                                 expert_ids=ids, value=1, fit=1, explanation="test",
                                 status=ProposalStatus.CONFIRMED)
        db.add(proposal)  # type: ignore[attr-defined]
        db.flush()  # type: ignore[attr-defined]
        engagement = Engagement(proposal_id=proposal.id, request_id=request.id, offer_id=self.offer.id,
                                expert_ids=ids, start=date(2027, 4, 1), end=date(2027, 4, 28),
                                budget=38_500, currency="USD", status=status)
        db.add(engagement)  # type: ignore[attr-defined]
        db.flush()  # type: ignore[attr-defined]
        if cared:
            db.add_all([EngagementCareItem(engagement_id=engagement.id, item=item,  # type: ignore[attr-defined]
                                           done_by_id=self.account.id) for item in CareItem])
            db.flush()  # type: ignore[attr-defined]
        self.made.append(engagement)
        return engagement


@pytest.fixture(name="funder")
def funder_fixture(db_session, person):
    state = person(Role.STATE, state_code="KEN")

    def make(name: str = "Funding partner") -> Funder:
        account = person(Role.PARTNER, partner_name=name)
        run = OptimiserRun(criteria_version=1, time_limit=1.0, started_by_id=account.id)
        offer = Offer(partner_id=account.partner_id, status=OfferStatus.PUBLISHED,
                      title=f"{name} judicial fund (test)", kind=OfferKind.FUNDING, budget=500_000,
                      currency="USD", max_requests=50, window_start=date(2027, 1, 1),
                      window_end=date(2027, 12, 31), created_by_id=account.id)
        db_session.add_all([run, offer])
        db_session.flush()
        return Funder(db_session, person, account, offer, run, state)

    return make


def _answer(db, expert: Expert, engagement: Engagement, *, accept: bool, reason: str = "") -> None:
    account = db.get(Account, expert.account_id)
    deployments.answer_deployment(db, actor=Actor.from_account(account), engagement_id=engagement.id,
                                  accept=accept, reason=reason)
    db.flush()


def _fresh(db, engagement: Engagement) -> Engagement:
    db.expire_all()
    return db.get(Engagement, engagement.id)


def test_only_partners_reach_the_page(browser, person):
    assert browser.get(PAGE).headers["location"] == f"/account/sign-in?next={PAGE}"
    for role in (Role.STATE, Role.EXPERT, Role.SECRETARIAT):
        browser.sign_in(person(role).email)
        assert browser.get(PAGE).status_code == 403


def test_a_partner_sees_its_own_engagements_with_the_answers_and_reasons(browser, funder, db_session):
    ours, theirs = funder(), funder("Other partner")
    amina = ours.expert("Amina Diallo", linked=True)
    brice = ours.expert("Brice Okafor", linked=True)
    guest = theirs.expert("Guest Person")  # another partner's expert on our team
    quiet = ours.expert("Quiet Person")
    engagement = ours.engagement([amina, brice, guest, quiet])
    theirs.engagement([guest], title="Prison reform (someone else's)")
    _answer(db_session, amina, engagement, accept=True)
    _answer(db_session, brice, engagement, accept=False, reason="Surgery planned in April")
    browser.sign_in(ours.account.email)
    page = browser.get(PAGE).text
    assert "Training of judges (test)" in page and "Prison reform" not in page
    assert "Kenya" in page and "Funding partner judicial fund (test)" in page
    assert "38,500" in page and "April 1, 2027 to April 28, 2027" in page
    assert "Amina Diallo" in page and "Accepted on" in page
    assert "Brice Okafor" in page and "Declined on" in page and "Surgery planned in April" in page
    assert "Guest Person" not in page and "An expert of another partner (Senegal, Senior)" in page
    assert "Not answered yet" in page
    assert f'href="{PAGE}" aria-current="page"' in page  # the navigation link


def test_progress_steps_then_the_follow_up_reports(browser, funder, db_session):
    ours = funder()
    amina = ours.expert("Amina Diallo", linked=True)
    engagement = ours.engagement([amina], cared=False)
    browser.sign_in(ours.account.email)
    action = f"{PAGE}/{engagement.id}/progress"
    with today_is(engagement.start):
        # The duty-of-care checklist first: until it is complete the team may not start.
        page = browser.get(PAGE).text
        assert "Mark as started" not in page
        assert ("Missing: Briefing of the team, Security clearance, Insurance, Visas, Medical "
                "clearance.") in page
        refused = browser.submit(PAGE, action, {"status": "IN_PROGRESS"})
        assert refused.status_code == 422 and "The duty-of-care checklist is not complete" in refused.text
        care = f"{PAGE}/{engagement.id}/duty-of-care"
        saved = browser.submit(PAGE, care, {"items": ["BRIEFING", "INSURANCE", "VISAS", "MEDICAL"]})
        assert saved.status_code == 303
        assert "Missing: Security clearance." in browser.get(PAGE).text
        browser.submit(PAGE, care, {"items": ["BRIEFING", "SECURITY_CLEARANCE", "INSURANCE",
                                              "VISAS", "MEDICAL"]})
        assert "Mark as started" in browser.get(PAGE).text
        # The step has its confirmation page; nothing changes until it is confirmed there.
        confirm = browser.get(f"{action}?status=IN_PROGRESS")
        assert confirm.status_code == 200 and "Confirm: the engagement has started" in confirm.text
        assert _fresh(db_session, engagement).status == EngagementStatus.SCHEDULED
        started = browser.submit(f"{action}?status=IN_PROGRESS", action, {"status": "IN_PROGRESS"})
        assert started.status_code == 303 and started.headers["location"] == f"{PAGE}?done=started"
        assert _fresh(db_session, engagement).status == EngagementStatus.IN_PROGRESS
        page = browser.get(f"{PAGE}?done=started").text
        assert "The engagement is marked as started." in page
        twice = browser.http.post(action, data={"csrf_token": csrf_of(page), "status": "IN_PROGRESS"})
        assert twice.status_code == 409 and "no longer at the step before it" in twice.text
    _answer(db_session, amina, engagement, accept=True)
    with today_is(engagement.end):
        assert "Mark as completed" in browser.get(PAGE).text
        done = browser.submit(f"{action}?status=COMPLETED", action, {"status": "COMPLETED"})
        assert done.headers["location"] == f"{PAGE}?done=completed"
        assert _fresh(db_session, engagement).status == EngagementStatus.COMPLETED
        page = browser.get(PAGE).text
    assert "12-month report" in page and "24-month report" in page and "April 28, 2028" in page
    assert "Mark as" not in page and "Replace an expert" not in page
    assert page.count("<td>Due</td>") == 2  # both reports due, as lifecycle.report_status says

    first, second = db_session.exec(select(FollowUpReport).where(
        FollowUpReport.engagement_id == engagement.id).order_by(FollowUpReport.due_date)).all()
    first.first_submitted_at, first.on_time = utcnow(), False
    second.due_date = today() - timedelta(days=1)
    db_session.add_all([first, second])
    db_session.flush()
    page = browser.get(PAGE).text
    assert "Submitted late" in page and "<td>Overdue</td>" in page


def test_a_declined_expert_is_replaced_by_one_of_the_partners_own(browser, funder, db_session):
    ours = funder()
    amina, brice = ours.expert("Amina Diallo", linked=True), ours.expert("Brice Okafor", linked=True)
    chloe = ours.expert("Chloe Martin", linked=True)
    ours.expert("Withdrawn Person", consent_scope="ROSTER")  # not consenting to matching
    engagement = ours.engagement([amina, brice])
    browser.sign_in(ours.account.email)
    assert "Replace an expert" not in browser.get(PAGE).text  # nobody declined yet
    _answer(db_session, brice, engagement, accept=False, reason="Unavailable in April")
    page = browser.get(PAGE).text
    assert "Replace an expert" in page and "Brice Okafor (declined)" in page
    joining = page[page.index(f'id="joining-{engagement.id}"'):]
    joining = joining[:joining.index("</select>")]
    assert "Chloe Martin" in joining and "Amina Diallo" not in joining
    assert "Withdrawn Person" not in joining

    done = browser.submit(PAGE, f"{PAGE}/{engagement.id}/replace", {
        f"leaving-{engagement.id}": str(brice.id), f"joining-{engagement.id}": str(chloe.id),
        "reason": "Brice declined; Chloe covers the same courses", "version": str(engagement.version)})
    assert done.status_code == 303 and done.headers["location"] == f"{PAGE}?done=replaced"
    assert _fresh(db_session, engagement).expert_ids == [amina.id, chloe.id]
    change = db_session.exec(select(EngagementChange).where(
        EngagementChange.engagement_id == engagement.id)).one()
    assert change.reason == "Brice declined; Chloe covers the same courses"
    # The new expert now sees the deployment; the one who declined no longer does.
    chloe_actor = Actor.from_account(db_session.get(Account, chloe.account_id))
    rows, _ = deployments.list_deployments(db_session, actor=chloe_actor, limit=10, offset=0)
    assert [d.engagement.id for d in rows] == [engagement.id] and rows[0].answer is None
    brice_actor = Actor.from_account(db_session.get(Account, brice.account_id))
    assert deployments.list_deployments(db_session, actor=brice_actor, limit=10, offset=0) == ([], 0)
    page = browser.get(f"{PAGE}?done=replaced").text
    assert "The expert is replaced." in page and "Replace an expert" not in page


def test_a_replacement_names_every_bad_field_and_stores_nothing(browser, funder, db_session):
    ours, theirs = funder(), funder("Other partner")
    amina, brice = ours.expert("Amina Diallo", linked=True), ours.expert("Brice Okafor", linked=True)
    outsider = theirs.expert("Outside Person")
    banned = ours.expert("Banned Person", conflict_states=["KEN"])
    chloe = ours.expert("Chloe Martin")
    engagement = ours.engagement([amina, brice])
    _answer(db_session, brice, engagement, accept=False, reason="Unavailable")
    browser.sign_in(ours.account.email)
    action, version = f"{PAGE}/{engagement.id}/replace", str(engagement.version)
    leaving, joining = f"leaving-{engagement.id}", f"joining-{engagement.id}"

    def refused(**data) -> str:
        answer = browser.submit(PAGE, action, {"version": version, leaving: str(brice.id), **data})
        assert answer.status_code == 422, answer.text
        assert _fresh(db_session, engagement).expert_ids == [amina.id, brice.id]
        assert db_session.exec(select(EngagementChange)).all() == []
        return answer.text

    page = refused(**{joining: "", "reason": " "})
    assert "Replacement expert: choose the expert who takes the place." in page
    assert "Reason for the change: say why the expert is replaced." in page
    assert f'href="#reason-{engagement.id}"' in page and f'href="#{joining}"' in page
    page = refused(**{joining: str(outsider.id), "reason": "Typed reason kept"})
    assert "choose one of your own experts who consent to matching" in page
    assert "Typed reason kept</textarea>" in page
    page = refused(**{joining: str(amina.id), "reason": "x"})
    assert "Replacement expert: this expert is on the team already." in page
    page = refused(**{joining: str(banned.id), "reason": "x"})
    assert "does not work for the State concerned" in page
    page = refused(**{leaving: str(outsider.id), joining: str(chloe.id),
                      "reason": "x"})
    assert "Expert to replace: choose a member of the team." in page


def test_a_replacement_must_be_free_for_the_whole_engagement(browser, funder, db_session):
    ours = funder()
    amina, brice = ours.expert("Amina Diallo", linked=True), ours.expert("Brice Okafor", linked=True)
    late = ours.expert("Late Starter")  # available from May only
    db_session.exec(delete(ExpertAvailability).where(ExpertAvailability.expert_id == late.id))
    db_session.add(ExpertAvailability(expert_id=late.id, start=date(2027, 5, 1), end=date(2027, 12, 31)))
    busy = ours.expert("Busy Person", max_assignments=1)
    ours.engagement([busy], title="Another mission in April (test)")
    # Two windows that meet (March, then April onwards) cover the engagement between them.
    joined = ours.expert("Joined Windows")
    db_session.exec(delete(ExpertAvailability).where(ExpertAvailability.expert_id == joined.id))
    db_session.add_all([
        ExpertAvailability(expert_id=joined.id, start=date(2027, 3, 1), end=date(2027, 4, 10)),
        ExpertAvailability(expert_id=joined.id, start=date(2027, 4, 11), end=date(2027, 6, 30))])
    db_session.flush()
    engagement = ours.engagement([amina, brice])
    _answer(db_session, brice, engagement, accept=False, reason="Unavailable")
    browser.sign_in(ours.account.email)
    page = browser.get(PAGE).text
    joining = page[page.index(f'id="joining-{engagement.id}"'):]
    joining = joining[:joining.index("</select>")]
    assert "Joined Windows" in joining
    assert "Late Starter" not in joining and "Busy Person" not in joining

    action = f"{PAGE}/{engagement.id}/replace"
    for expert, message in ((late, "this expert is not available for the whole engagement"),
                            (busy, "already on as many engagements at those dates")):
        answer = browser.submit(PAGE, action, {
            "version": str(engagement.version), f"leaving-{engagement.id}": str(brice.id),
            f"joining-{engagement.id}": str(expert.id), "reason": "Brice declined"})
        assert answer.status_code == 422 and message in answer.text
        assert _fresh(db_session, engagement).expert_ids == [amina.id, brice.id]
    done = browser.submit(PAGE, action, {
        "version": str(engagement.version), f"leaving-{engagement.id}": str(brice.id),
        f"joining-{engagement.id}": str(joined.id), "reason": "Brice declined"})
    assert done.status_code == 303
    assert _fresh(db_session, engagement).expert_ids == [amina.id, joined.id]


def test_a_stale_replacement_and_a_completed_engagement_are_refused(browser, funder, db_session):
    ours = funder()
    amina, brice = ours.expert("Amina Diallo", linked=True), ours.expert("Brice Okafor", linked=True)
    chloe = ours.expert("Chloe Martin")
    engagement = ours.engagement([amina, brice])
    _answer(db_session, brice, engagement, accept=False, reason="Unavailable")
    browser.sign_in(ours.account.email)
    form = {f"leaving-{engagement.id}": str(brice.id), f"joining-{engagement.id}": str(chloe.id),
            "reason": "Replacing Brice"}
    stale = browser.submit(PAGE, f"{PAGE}/{engagement.id}/replace",
                           {**form, "version": str(engagement.version - 1)})
    assert stale.status_code == 409 and "Someone changed this engagement in the meantime" in stale.text
    assert _fresh(db_session, engagement).expert_ids == [amina.id, brice.id]
    engagement = _fresh(db_session, engagement)
    engagement.status = EngagementStatus.COMPLETED
    db_session.add(engagement)
    db_session.flush()
    assert "Replace an expert" not in browser.get(PAGE).text
    completed = browser.submit(PAGE, f"{PAGE}/{engagement.id}/replace",
                               {**form, "version": str(engagement.version)})
    assert completed.status_code == 409 and "its team can no longer change" in completed.text
    assert _fresh(db_session, engagement).expert_ids == [amina.id, brice.id]


def test_another_partners_engagement_answers_not_found(browser, funder, db_session):
    ours, theirs = funder(), funder("Other partner")
    engagement = theirs.engagement([theirs.expert("Their Expert")])
    mine = ours.expert("Amina Diallo")
    browser.sign_in(ours.account.email)
    token = csrf_of(browser.get(PAGE).text)
    for action, data in ((f"{PAGE}/{engagement.id}/progress", {"status": "IN_PROGRESS"}),
                         (f"{PAGE}/{engagement.id}/replace", {
                             f"leaving-{engagement.id}": str(engagement.expert_ids[0]),
                             f"joining-{engagement.id}": str(mine.id), "reason": "x",
                             "version": str(engagement.version)}),
                         (f"{PAGE}/999999/progress", {"status": "IN_PROGRESS"})):
        assert browser.http.post(action, data={"csrf_token": token, **data}).status_code == 404
    assert _fresh(db_session, engagement).status == EngagementStatus.SCHEDULED
    assert browser.http.post(f"{PAGE}/{engagement.id}/progress",
                             data={"status": "IN_PROGRESS"}).status_code == 403  # no CSRF token


def test_the_page_costs_the_same_statements_whatever_the_engagements(browser, funder, db_session):
    ours = funder()
    one = ours.expert("Amina Diallo", linked=True)
    ours.engagement([one])
    browser.sign_in(ours.account.email)

    def statements():
        browser.get(PAGE)
        db_session.expunge_all()  # measured cold (the identity map is not deterministic)
        with counted(db_session) as seen:
            assert browser.get(PAGE).status_code == 200
        return seen

    small = statements()
    busy = funder("Busy partner")
    team = [busy.expert(f"Expert {i}", linked=True) for i in range(4)]
    busy.expert("Spare Expert")
    for i in range(25):
        engagement = busy.engagement(team, title=f"Mission {i} (test)")
        _answer(db_session, team[i % 4], engagement, accept=False, reason=f"Reason {i}")
        _answer(db_session, team[(i + 1) % 4], engagement, accept=True)
        if i % 2:  # half completed, with their two reports
            engagement.status = EngagementStatus.COMPLETED
            db_session.add(engagement)
            for kind_months in (12, 24):
                db_session.add(FollowUpReport(engagement_id=engagement.id, kind=(
                    "TWELVE_MONTHS" if kind_months == 12 else "TWENTY_FOUR_MONTHS"),
                    due_date=date(2028, 4, 28)))
    db_session.flush()
    browser.sign_in(busy.account.email)
    large = statements()
    page = browser.get(PAGE).text
    assert "Pages of engagements" in page and "Reason 24" in page and "12-month report" in page
    # 13: one more since the duty-of-care checklists (read for the whole page at once).
    assert len(large) == len(small) and len(large) <= 13, "\n".join(large)


def test_steps_follow_the_calendar_and_the_team_on_the_page(browser, funder, db_session):
    ours = funder()
    amina = ours.expert("Amina Diallo", linked=True)
    engagement = ours.engagement([amina])
    browser.sign_in(ours.account.email)
    action = f"{PAGE}/{engagement.id}/progress"
    with today_is(engagement.start - timedelta(days=1)):
        page = browser.get(PAGE).text
        assert "Mark as started" not in page
        assert "It can be marked as started from April 1, 2027, its start date." in page
        confirm = browser.get(f"{action}?status=IN_PROGRESS").text
        assert "it can be marked as started from that day" in confirm and "Confirm:" not in confirm
        # A form posted all the same is refused, naming the rule, and changes nothing.
        early = browser.submit(PAGE, action, {"status": "IN_PROGRESS"})
        assert early.status_code == 422 and "The engagement starts on 2027-04-01" in early.text
        assert _fresh(db_session, engagement).status == EngagementStatus.SCHEDULED
    with today_is(engagement.start):
        browser.submit(PAGE, action, {"status": "IN_PROGRESS"})
    with today_is(engagement.end - timedelta(days=1)):
        page = browser.get(PAGE).text
        assert "It can be marked as completed from April 28, 2027, its end date." in page
        early = browser.submit(PAGE, action, {"status": "COMPLETED"})
        assert early.status_code == 422 and "The engagement ends on 2027-04-28" in early.text
    with today_is(engagement.end):  # the end date, but the expert has not answered
        page = browser.get(PAGE).text
        assert "Mark as completed" not in page and "once every expert deployed has accepted" in page
        refused = browser.submit(PAGE, action, {"status": "COMPLETED", "reason": "Done anyway"})
        assert refused.status_code == 422 and "(1 of 1 have not)" in refused.text
        assert "only the secretariat" in refused.text
    assert _fresh(db_session, engagement).status == EngagementStatus.IN_PROGRESS
    assert not db_session.exec(select(FollowUpReport).where(
        FollowUpReport.engagement_id == engagement.id)).all()


def test_the_secretariat_completes_without_every_acceptance_with_a_reason(
        browser, funder, person, db_session):
    ours = funder()
    engagement = ours.engagement([ours.expert("Amina Diallo")], status=EngagementStatus.IN_PROGRESS)
    browser.sign_in(person(Role.SECRETARIAT).email)
    listing = "/secretariat/engagements"
    action = f"{listing}/{engagement.id}/progress"
    with today_is(engagement.end):
        assert f'href="{action}?status=COMPLETED"' in browser.get(listing).text
        confirm = browser.get(f"{action}?status=COMPLETED").text
        assert "give the reason" in confirm and 'name="reason"' in confirm
        blank = browser.submit(f"{action}?status=COMPLETED", action, {"status": "COMPLETED"})
        assert blank.status_code == 422 and "1 of 1 have not" in blank.text
        assert _fresh(db_session, engagement).status == EngagementStatus.IN_PROGRESS
        done = browser.submit(f"{action}?status=COMPLETED", action, {
            "status": "COMPLETED", "reason": "The expert accepted by letter"})
        assert done.status_code == 303 and done.headers["location"] == f"{listing}?done=completed"
    assert _fresh(db_session, engagement).status == EngagementStatus.COMPLETED
    change = db_session.exec(select(EngagementChange).where(
        EngagementChange.engagement_id == engagement.id)).one()
    assert change.reason == "The expert accepted by letter"
    assert change.changes["overrideNotAccepted"] == engagement.expert_ids
