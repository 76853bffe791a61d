"""Partner pages: screened requests with filters (never drafts), offers (create, edit with version,
publish, close, capacity left), experts (nominate, edit, availability), proposals; refusals, CSRF,
validation, statements."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from facility.auth.models import Role
from facility.experts.models import Expert, ExpertAvailability
from facility.offers.models import Offer, OfferStatus
from facility.reference.models import Recommendation, RecommendationSdg, Theme
from facility.requests.models import CapacityRequest, RequestRecommendation, RequestStatus, RequestTheme
from governance.models import MatchProposal, OptimiserRun, ProposalStatus
from tests.api.test_query_cost import counted

MAX_STATEMENTS = 12


def _request(db_session, account, *, state="KEN", status=RequestStatus.SUBMITTED, budget=40_000,
             title="Request (test)", theme_id=None):
    request = CapacityRequest(state_code=state, status=status, title=title, need="(test)",
                              window_start=date(2027, 2, 1), window_end=date(2027, 6, 30), weeks=4,
                              experts_needed=1, budget=budget, currency="USD", priority=2,
                              created_by_id=account.id, languages=["en"], support_kinds=["TRAINING"],
                              submitted_at=None if status == RequestStatus.DRAFT else date(2026, 11, 1))
    db_session.add(request)
    db_session.flush()
    if theme_id:
        db_session.add(RequestTheme(request_id=request.id, theme_id=theme_id))
        db_session.flush()
    return request


def _offer_form(**overrides):
    data = {"title": "Prison reform training (test)", "kind": "TRAINING_PROGRAMME",
            "themes": [], "languages": ["en", "fr"], "budget": "250000", "currency": "USD",
            "maxRequests": "3", "windowStart": "2027-01-01", "windowEnd": "2027-12-31",
            "description": "Two-week course", "conditions": ""}
    data.update(overrides)
    return data


@pytest.fixture
def theme_names(db_session):
    return [t.name for t in db_session.exec(select(Theme).order_by(Theme.name).limit(2))]


def test_anonymous_and_other_roles_are_refused(browser, person):
    assert browser.get("/partner/offers").status_code == 303
    browser.sign_in(person(Role.STATE).email)
    page = browser.get("/partner/offers")
    assert page.status_code == 403 and "Not available to your account" in page.text


def test_browse_screened_requests_with_filters_never_drafts(browser, person, db_session):
    mission = person(Role.STATE)
    themes = list(db_session.exec(select(Theme).order_by(Theme.id).limit(2)))
    _request(db_session, mission, title="Kenya small (test)", budget=10_000, theme_id=themes[0].id)
    _request(db_session, mission, title="Kenya large (test)", budget=900_000, status=RequestStatus.ELIGIBLE,
             theme_id=themes[1].id)
    _request(db_session, mission, state="POL", title="Poland (test)", budget=50_000, theme_id=themes[0].id)
    _request(db_session, mission, title="Secret draft (test)", status=RequestStatus.DRAFT)
    with_sdg = _request(db_session, mission, state="BRA", title="Brazil SDG (test)")
    rec = Recommendation(source_id="TEST-BRA-1", source="upr-info", state_code="BRA", text="(test)",
                         response="SUPPORTED")
    db_session.add(rec)
    db_session.flush()
    db_session.add_all([RecommendationSdg(recommendation_id=rec.id, goal_number=16),
                        RequestRecommendation(request_id=with_sdg.id, recommendation_id=rec.id)])
    db_session.flush()
    browser.sign_in(person(Role.PARTNER).email)
    everything = browser.get("/partner/requests").text
    assert "Kenya small (test)" in everything and "Secret draft" not in everything
    african = browser.get("/partner/requests?group=AFRICAN").text
    assert "Kenya small (test)" in african and "Poland (test)" not in african
    themed = browser.get(f"/partner/requests?theme={themes[0].id}").text
    assert "Poland (test)" in themed and "Kenya large" not in themed
    budget = browser.get("/partner/requests?budget_min=20000&budget_max=100000").text
    assert "Poland (test)" in budget and "Kenya small" not in budget and "Kenya large" not in budget
    sdg = browser.get("/partner/requests?sdg=16").text
    assert "Brazil SDG (test)" in sdg and "Poland" not in sdg
    assert "Secret draft" not in browser.get("/partner/requests?group=AFRICAN&budget_max=50000").text


def test_create_edit_publish_close_an_offer(browser, person, db_session, theme_names):
    partner = person(Role.PARTNER)
    browser.sign_in(partner.email)
    bad = browser.submit("/partner/offers/new", "/partner/offers",
                         _offer_form(title="x", budget="0", windowEnd="2026-01-01"))
    assert bad.status_code == 422
    assert "Themes: this is required." in bad.text and "Budget: must be a positive whole amount." in bad.text
    assert "Available until: must not be before the start date." in bad.text
    assert db_session.exec(select(Offer).where(Offer.partner_id == partner.partner_id)).first() is None
    made = browser.submit("/partner/offers/new", "/partner/offers", _offer_form(themes=theme_names))
    assert made.status_code == 303
    offer = db_session.exec(select(Offer).where(Offer.partner_id == partner.partner_id)).one()
    assert offer.status == OfferStatus.DRAFT and offer.languages == ["en", "fr"]
    listed = browser.get("/partner/offers").text
    assert "3 of 3 requests left" in listed and "Publish" in listed
    edit = f"/partner/offers/{offer.id}/edit"
    read_version = offer.version
    saved = browser.submit(edit, edit, _offer_form(themes=theme_names, title="Renamed (test)",
                                                   version=str(read_version)))
    assert saved.status_code == 303
    stale = browser.submit(edit, edit, _offer_form(themes=theme_names, title="Stale (test)",
                                                   version=str(read_version)))
    assert stale.status_code == 422 and "Someone changed this offer in the meantime" in stale.text
    db_session.refresh(offer)
    assert offer.title == "Renamed (test)"
    assert browser.submit("/partner/offers", f"/partner/offers/{offer.id}/publish", {}).status_code == 303
    db_session.refresh(offer)
    assert offer.status == OfferStatus.PUBLISHED
    assert browser.submit("/partner/offers", f"/partner/offers/{offer.id}/close", {}).status_code == 303
    db_session.refresh(offer)
    assert offer.status == OfferStatus.CLOSED


def test_capacity_left_counts_approved_and_confirmed_matches(browser, person, db_session, offers_of):
    offer = offers_of(1, partner="Capacity partner")[0]
    mission = person(Role.STATE)
    run = OptimiserRun(criteria_version=1, time_limit=1.0, started_by_id=mission.id)
    db_session.add(run)
    db_session.flush()
    for status, budget in ((ProposalStatus.APPROVED, 30_000), (ProposalStatus.CONFIRMED, 20_000),
                           (ProposalStatus.REJECTED, 99_000)):
        request = _request(db_session, mission, status=RequestStatus.APPROVED, budget=budget)
        db_session.add(MatchProposal(run_id=run.id, request_id=request.id, offer_id=offer.id, value=1,
                                     fit=1, explanation="(test)", status=status))
    db_session.flush()
    from facility.auth.models import Account
    owner = db_session.get(Account, offer.created_by_id)
    browser.sign_in(owner.email)
    listed = browser.get("/partner/offers").text
    # "Capacity left" shows what is left, then what is used, each labelled (issue 13).
    assert "1 of 3 requests left" in listed
    assert "$1,184,567 of $1,234,567 left" in listed
    assert "In use: 2 requests, $50,000 committed" in listed


def test_a_new_offer_has_all_its_capacity_left(browser, offers_of, db_session):
    offer = offers_of(1, partner="New partner")[0]
    offer.max_requests, offer.budget = 2, 150_000
    db_session.add(offer)
    db_session.flush()
    from facility.auth.models import Account
    browser.sign_in(db_session.get(Account, offer.created_by_id).email)
    listed = " ".join(browser.get("/partner/offers").text.split())
    assert "2 of 2 requests left" in listed and "$150,000 of $150,000 left" in listed
    assert "In use: 0 requests, $0 committed" in listed
    assert "0 of 2 requests," not in listed and "$0 of $150,000 committed" not in listed


def test_another_partners_offer_cannot_be_edited_or_closed(browser, person, db_session, offers_of):
    theirs = offers_of(1, partner="Other partner")[0]
    browser.sign_in(person(Role.PARTNER, partner_name="Me partner").email)
    assert browser.get(f"/partner/offers/{theirs.id}/edit").status_code == 404
    refused = browser.submit("/partner/offers", f"/partner/offers/{theirs.id}/close", {})
    assert refused.status_code == 404
    db_session.refresh(theirs)
    assert theirs.status == OfferStatus.PUBLISHED


def test_csrf_is_required(browser, person, db_session, theme_names):
    partner = person(Role.PARTNER)
    browser.sign_in(partner.email)
    page = browser.http.post("/partner/offers", data=_offer_form(themes=theme_names))
    assert page.status_code == 403
    assert db_session.exec(select(Offer).where(Offer.partner_id == partner.partner_id)).first() is None


def _expert_form(theme_names, **overrides):
    data = {"name": "Amina Test", "email": "amina@example.org", "nationality": "KEN",
            "themes": theme_names, "languages": ["en"], "seniority": "SENIOR", "maxAssignments": "2",
            "window_start": ["2027-01-01", "", ""], "window_end": ["2027-06-30", "", ""],
            "consentGiven": "1", "cv": "", "phone": "", "conflictStates": ""}
    data.update(overrides)
    return data


def test_nominate_and_edit_an_expert_with_availability(browser, person, db_session, theme_names):
    partner = person(Role.PARTNER)
    browser.sign_in(partner.email)
    refused = browser.submit("/partner/experts/new", "/partner/experts",
                             _expert_form(theme_names, consentGiven="", window_start=["2027-05-01", "", ""],
                                          window_end=["2027-01-01", "", ""]))
    assert refused.status_code == 422
    assert "Consent: this is required." in refused.text
    assert "Available until: must not be before the start date." in refused.text
    assert db_session.exec(select(Expert).where(Expert.partner_id == partner.partner_id)).first() is None
    made = browser.submit("/partner/experts/new", "/partner/experts", _expert_form(theme_names))
    assert made.status_code == 303
    expert = db_session.exec(select(Expert).where(Expert.partner_id == partner.partner_id)).one()
    listed = browser.get("/partner/experts").text
    assert "Amina Test" in listed and "June 30, 2027" in listed
    edit = f"/partner/experts/{expert.id}/edit"
    form = browser.get(edit).text
    assert 'value="2027-06-30"' in form and form.count('name="window_start"') == 3
    saved = browser.submit(edit, edit, _expert_form(
        theme_names, version=str(expert.version), window_start=["2027-01-01", "2028-01-01", ""],
        window_end=["2027-06-30", "2028-03-31", ""]))
    assert saved.status_code == 303
    windows = db_session.exec(select(ExpertAvailability)
                              .where(ExpertAvailability.expert_id == expert.id)).all()
    assert sorted((w.start, w.end) for w in windows) == [(date(2027, 1, 1), date(2027, 6, 30)),
                                                         (date(2028, 1, 1), date(2028, 3, 31))]


def test_another_partners_expert_is_not_found(browser, person, db_session, theme_names):
    first = person(Role.PARTNER, partner_name="First partner")
    browser.sign_in(first.email)
    browser.submit("/partner/experts/new", "/partner/experts", _expert_form(theme_names))
    expert = db_session.exec(select(Expert).where(Expert.partner_id == first.partner_id)).one()
    other = person(Role.PARTNER, partner_name="Second partner")
    browser.sign_in(other.email)
    assert browser.get(f"/partner/experts/{expert.id}/edit").status_code == 404
    assert "Amina Test" not in browser.get("/partner/experts").text


def test_confirm_a_proposal_on_own_offer_and_not_on_anothers(browser, person, db_session, offers_of):
    mine = offers_of(1, partner="Mine partner")[0]
    theirs = offers_of(1, partner="Their partner")[0]
    mission = person(Role.STATE)
    run = OptimiserRun(criteria_version=1, time_limit=1.0, started_by_id=mission.id)
    db_session.add(run)
    db_session.flush()
    proposals = []
    for offer in (mine, theirs):
        request = _request(db_session, mission, status=RequestStatus.APPROVED, title=f"For offer {offer.id}")
        proposal = MatchProposal(run_id=run.id, request_id=request.id, offer_id=offer.id, value=1, fit=1,
                                 explanation="Good fit (test)", status=ProposalStatus.APPROVED)
        db_session.add(proposal)
        proposals.append(proposal)
    db_session.flush()
    from facility.auth.models import Account
    browser.sign_in(db_session.get(Account, mine.created_by_id).email)
    page = browser.get("/partner/proposals").text
    assert f"For offer {mine.id}" in page and f"For offer {theirs.id}" not in page
    mine_path, theirs_path = (f"/partner/proposals/{p.id}" for p in proposals)
    empty = browser.submit("/partner/proposals", f"{mine_path}/decline", {"reason": ""})
    assert empty.status_code == 422 and "Reason: say why you decline the proposal." in empty.text
    assert browser.submit("/partner/proposals", f"{theirs_path}/confirm", {}).status_code == 404
    assert browser.submit("/partner/proposals", f"{mine_path}/confirm", {}).status_code == 303
    db_session.refresh(proposals[0])
    db_session.refresh(proposals[1])
    assert proposals[0].partner_confirmed_at is not None and proposals[1].partner_confirmed_at is None


def _statements(browser, db_session, path):
    db_session.expunge_all()  # measured cold: nothing the test made is cached in the session
    db_session.execute(select(1))  # the test's savepoint is open before counting
    with counted(db_session) as statements:
        page = browser.get(path)
    assert page.status_code == 200, page.text
    return statements


@pytest.mark.parametrize("path", ["/partner/requests",
                                  "/partner/requests?group=AFRICAN&sdg=16&budget_max=90000",
                                  "/partner/offers", "/partner/offers/new", "/partner/experts",
                                  "/partner/experts/new", "/partner/proposals"])
def test_partner_pages_cost_the_same_few_statements_whatever_the_data(browser, person, db_session,
                                                                        offers_of, path):
    mission = person(Role.STATE)
    made = offers_of(2, partner="Counted partner")
    from facility.auth.models import Account
    owner = db_session.get(Account, made[0].created_by_id)
    run = OptimiserRun(criteria_version=1, time_limit=1.0, started_by_id=mission.id)
    db_session.add(run)
    db_session.flush()

    def grow(n):
        for i in range(n):
            request = _request(db_session, mission, status=RequestStatus.APPROVED, title=f"R{i} (test)")
            db_session.add(MatchProposal(run_id=run.id, request_id=request.id, offer_id=made[i % 2].id,
                                         value=1, fit=1, explanation="(test)",
                                         status=ProposalStatus.APPROVED))
            db_session.add(Expert(partner_id=owner.partner_id, name=f"E{i}", email=f"e{i}@example.org",
                                  nationality="KEN", languages=["en"]))
        db_session.flush()

    grow(2)
    browser.sign_in(owner.email)
    small = _statements(browser, db_session, path)
    grow(30)
    large = _statements(browser, db_session, path)
    assert len(large) == len(small), "\n".join(["small:", *small, "large:", *large])
    assert len(large) <= MAX_STATEMENTS, "\n".join(large)
