"""The funds OHCHR administers: the secretariat registers a fund and records what donor States
pledged and paid; anyone reads each fund's figures, what it funded, the eligible requests the
latest run left without funding within its mandate, and what more money would fund (from the
run's re-solves) — counted, never naming a request."""

from __future__ import annotations

import pytest
from sqlmodel import select

from facility.audit import AuditEntry, verify
from facility.auth.actor import Actor
from facility.auth.models import Account, Partner, PartnerKind, Role
from facility.errors import PermissionDenied, ValidationFailed
from facility.funds import service as funds
from facility.funds.models import FundMandate
from facility.ids import decode_id, encode_id
from facility.offers.models import Offer
from facility.reference.models import MechanismType, Recommendation
from facility.requests.models import CapacityRequest, RequestStatus
from facility.timeutil import today, utcnow
from governance.models import OptimiserRun, RunStatus
from tests.api.helpers import YEAR, offer_input, request_input, run
from tests.follow_up.conftest import Loop

FUND_OPERATIONS = {"Funds", "Fund", "RecordFundContribution"}


def _staff(db_session) -> Actor:
    account = db_session.exec(select(Account).where(Account.role == Role.SECRETARIAT)).first()
    return Actor.from_account(account)


@pytest.fixture
def fund(loop: Loop, db_session, make_token) -> dict:
    """The technical cooperation fund: a partner with its own published offer."""
    client = loop.anonymous.as_(make_token("PARTNER", partner="Technical Cooperation Fund",
                                           partner_kind=PartnerKind.OHCHR))
    offer = run(client, "CreateOffer", input=offer_input(title="Fund offer"))["result"]["offer"]
    run(client, "PublishOffer", id=offer["id"])
    partner = db_session.exec(select(Partner).where(Partner.name == "Technical Cooperation Fund")).one()
    funds.register_fund(db_session, actor=_staff(db_session), partner_id=partner.id,
                        short_name="VFTC", mandate="TECHNICAL_COOPERATION",
                        description="Technical cooperation in the field of human rights.")
    return {"id": encode_id("Fund", partner.id), "pk": partner.id,
            "offer": decode_id("Offer", offer["id"])}


def _record(loop: Loop, client, fund_id: str, **overrides) -> dict:
    contribution = {"fundId": fund_id, "donorStateCode": "NOR", "year": YEAR, "currency": "USD",
                    "pledged": 1_200_000, "paid": 400_000, **overrides}
    return loop.result(client, "RecordFundContribution", input=contribution)


def test_the_secretariat_records_pledges_and_everyone_reads_them(loop, fund, db_session):
    recorded = _record(loop, loop.secretariat, fund["id"])
    assert recorded["__typename"] == "FundContributionPayload", recorded
    assert recorded["contribution"] == {"donorState": {"code": "NOR"}, "year": YEAR,
                                        "currency": "USD", "pledged": 1_200_000.0,
                                        "paid": 400_000.0, "version": 1}
    assert _record(loop, loop.secretariat, fund["id"], donorStateCode="CHE", pledged=650_000,
                   paid=650_000)["__typename"] == "FundContributionPayload"
    assert _record(loop, loop.secretariat, fund["id"], year=YEAR - 1, pledged=900_000,
                   paid=900_000)["__typename"] == "FundContributionPayload"

    # Later figures replace the earlier ones of the same donor, year and currency; a stale
    # version is refused and changes nothing; the same figures again change nothing.
    paid_more = _record(loop, loop.secretariat, fund["id"], paid=800_000, expectedVersion=1)
    assert paid_more["contribution"]["version"] == 2
    stale = _record(loop, loop.secretariat, fund["id"], paid=1_000_000, expectedVersion=1)
    assert stale["__typename"] == "Conflict" and "expectedVersion" in stale["message"]
    again = _record(loop, loop.secretariat, fund["id"], paid=800_000)
    assert again["contribution"]["version"] == 2

    # Only the secretariat records; the fund's own account, a State and the committee too are refused.
    for client in (loop.kenya, loop.norad, loop.committee, loop.anonymous):
        refused = _record(loop, client, fund["id"], donorStateCode="SWE")
        assert refused["__typename"] == "PermissionDenied", refused

    # Everyone reads the same public figures.
    for client in (loop.anonymous, loop.kenya, loop.norad):
        [shown] = loop.op(client, "Funds", language="fr")["funds"]
        assert (shown["name"], shown["shortName"], shown["mandate"], shown["partner"]["kind"]) == (
            "Technical Cooperation Fund", "VFTC", "TECHNICAL_COOPERATION", "OHCHR_FUND")
        assert shown["years"] == [
            {"year": YEAR, "currency": "USD", "pledged": 1_850_000.0, "paid": 1_450_000.0, "donors": 2},
            {"year": YEAR - 1, "currency": "USD", "pledged": 900_000.0, "paid": 900_000.0, "donors": 1}]
        donors = [(c["donorState"]["code"], c["year"]) for c in shown["contributions"]]
        assert donors == [("CHE", YEAR), ("NOR", YEAR), ("NOR", YEAR - 1)]
        assert shown["contributions"][0]["donorState"]["name"] == "Suisse"
        assert shown["funded"]["openOffers"] == 1 and shown["unfunded"] is None
    one = loop.op(loop.anonymous, "Fund", id=fund["id"], year=YEAR - 1)["fund"]
    assert [c["donorState"]["code"] for c in one["contributions"]] == ["NOR"]
    assert loop.op(loop.anonymous, "Fund", id=encode_id("Fund", 99_999))["fund"] is None

    entries = db_session.exec(select(AuditEntry).where(AuditEntry.subject_type == "fund")
                              .order_by(AuditEntry.seq)).all()
    assert [e.action for e in entries] == ["fund.registered"] + ["fund.contribution_recorded"] * 3 + [
        "fund.contribution_changed"]
    assert entries[-1].payload["paid"] == 800_000
    assert verify(db_session).ok
    assert loop.ran >= FUND_OPERATIONS


@pytest.mark.parametrize(("overrides", "field", "rule"), [
    ({"donorStateCode": "XXX"}, "donorStateCode", "known_state"),
    ({"year": 1999}, "year", "range"),
    ({"year": 9999}, "year", "range"),
    ({"currency": "EURO"}, "currency", "iso4217"),
    ({"pledged": -5}, "pledged", "range"),
    ({"paid": 10.5}, "paid", "whole_amount"),
    ({"pledged": 1e15}, "pledged", "range"),
])
def test_bad_figures_are_refused_naming_the_field(loop, fund, db_session, overrides, field, rule):
    assert _record(loop, loop.secretariat, fund["id"])["__typename"] == "FundContributionPayload"
    refused = _record(loop, loop.secretariat, fund["id"], **overrides)
    assert (refused["__typename"], refused["field"], refused["rule"]) == (
        "ValidationError", field, rule), refused
    [kept] = loop.op(loop.anonymous, "Funds")["funds"][0]["contributions"]
    assert (kept["pledged"], kept["paid"]) == (1_200_000.0, 400_000.0)  # nothing stored is lost


def test_a_fund_is_registered_once_by_the_secretariat(loop, db_session, make_token):
    make_token("PARTNER", partner="UPR Fund", partner_kind=PartnerKind.OHCHR)
    partner = db_session.exec(select(Partner).where(Partner.name == "UPR Fund")).one()
    kenya = Actor.from_account(db_session.exec(select(Account).where(
        Account.role == Role.STATE)).first())
    with pytest.raises(PermissionDenied):
        funds.register_fund(db_session, actor=kenya, partner_id=partner.id, short_name="UPR",
                            mandate="UPR_IMPLEMENTATION", description="UPR fund")
    with pytest.raises(ValidationFailed) as bad:
        funds.register_fund(db_session, actor=_staff(db_session), partner_id=partner.id,
                            short_name="", mandate="EVERYTHING", description="UPR fund")
    assert {(p.field, p.rule) for p in bad.value.problems} == {
        ("shortName", "required"), ("mandate", "one_of")}
    funds.register_fund(db_session, actor=_staff(db_session), partner_id=partner.id,
                        short_name="UPR", mandate="UPR_IMPLEMENTATION", description="UPR fund")
    assert db_session.get(Partner, partner.id).kind == PartnerKind.OHCHR_FUND
    with pytest.raises(ValidationFailed) as twice:
        funds.register_fund(db_session, actor=_staff(db_session), partner_id=partner.id,
                            short_name="UPR", mandate="UPR_IMPLEMENTATION", description="UPR fund")
    assert {(p.field, p.rule) for p in twice.value.problems} == {
        ("partnerId", "taken"), ("shortName", "taken")}


def _treaty_body_request(loop: Loop, db_session) -> int:
    """A submitted request of Kenya serving a treaty body's recommendation only."""
    rec = Recommendation(source_id="TB-KEN-1", source="uhri", state_code="KEN",
                         mechanism=MechanismType.TREATY_BODY, body="CEDAW",
                         text="Adopt a law on domestic violence (test data)")
    db_session.add(rec)
    db_session.flush()
    created = run(loop.kenya, "CreateRequest", input=request_input(
        [encode_id("Recommendation", rec.id)], title="Treaty body request",
        themes=["Justice"]))["result"]
    assert created["__typename"] == "RequestPayload", created
    pk = decode_id("CapacityRequest", created["request"]["id"])
    row = db_session.get(CapacityRequest, pk)
    row.status, row.submitted_at, row.budget = RequestStatus.ELIGIBLE, utcnow(), 30_000
    db_session.add(row)
    db_session.flush()
    return pk


def test_the_page_counts_what_waits_for_funding_and_what_would_fund_it(
        loop, fund, db_session, make_token, browser):
    make_token("PARTNER", partner="UPR Fund", partner_kind=PartnerKind.OHCHR)
    upr = db_session.exec(select(Partner).where(Partner.name == "UPR Fund")).one()
    funds.register_fund(db_session, actor=_staff(db_session), partner_id=upr.id,
                        short_name="UPR", mandate=FundMandate.UPR_IMPLEMENTATION,
                        description="Implementing UPR recommendations.")
    upr_request = decode_id("CapacityRequest", loop.request_id)  # serves UPR recommendations
    upr_row = db_session.get(CapacityRequest, upr_request)
    tb_request = _treaty_body_request(loop, db_session)
    other_offer = db_session.exec(select(Offer.id).where(Offer.partner_id != fund["pk"])).first()
    staff = _staff(db_session)
    # The latest finished run: both requests unmatched for want of funding, a third for want
    # of an expert (not money); its re-solves: topping up the fund's offer funds the UPR
    # request, a new offer funds both, another partner's top-up and an expert are not the fund's.
    db_session.add(OptimiserRun(
        status=RunStatus.DONE, criteria_version=1, time_limit=1, started_by_id=staff.account_id,
        finished_at=utcnow(),
        unmatched=[{"request": upr_request, "causes": ["offer_capacity"], "reasons": []},
                   {"request": tb_request, "causes": ["no_offer_theme"], "reasons": []},
                   {"request": 10_000, "causes": ["expert_language"], "reasons": []}],
        demand={"suggestions": [
            {"kind": "TOP_UP", "offer": fund["offer"], "budget": 80_000, "requests": 1,
             "newly_matched": [upr_request], "no_longer_matched": [], "description": "",
             "reach": 1, "score_gain": 1, "proven": True},
            {"kind": "OFFER", "offer": None, "theme": "Justice", "group": "AFRICAN",
             "budget": 150_000, "requests": 2, "newly_matched": [upr_request, tb_request],
             "no_longer_matched": [], "description": "", "reach": 2, "score_gain": 2,
             "proven": True},
            {"kind": "TOP_UP", "offer": other_offer, "budget": 10_000, "requests": 1,
             "newly_matched": [tb_request], "no_longer_matched": [], "description": "",
             "reach": 1, "score_gain": 1, "proven": True},
            {"kind": "EXPERT", "offer": None, "budget": 0, "requests": 0,
             "newly_matched": [10_000], "no_longer_matched": [], "description": "",
             "reach": 1, "score_gain": 1, "proven": True}]}))
    db_session.flush()

    shown = {f["shortName"]: f for f in loop.op(loop.anonymous, "Funds")["funds"]}
    vftc, upr_fund = shown["VFTC"], shown["UPR"]
    assert (vftc["unfunded"]["requests"], vftc["unfunded"]["budget"]) == (
        2, float(upr_row.budget + 30_000))
    assert [(w["kind"], w["offerTitle"], w["requests"]) for w in vftc["wouldFund"]] == [
        ("OFFER", None, 2), ("TOP_UP", "Fund offer", 1)]
    # The UPR fund counts only the request serving UPR recommendations.
    assert (upr_fund["unfunded"]["requests"], upr_fund["unfunded"]["budget"]) == (
        1, float(upr_row.budget))
    assert [(w["kind"], w["theme"], w["requests"]) for w in upr_fund["wouldFund"]] == [
        ("OFFER", "Justice", 1)]
    assert "Treaty body request" not in str(shown)  # counted, never named

    # The public page says the same, in the reader's language, with the currency.
    page = browser.get(f"/funds/{fund['pk']}?lang=fr")
    assert page.status_code == 200
    assert "Technical Cooperation Fund" in page.text
    assert f"{upr_row.budget + 30_000:,}".replace(",", "\u202f") + "\xa0$US" in page.text
    assert "Treaty body request" not in page.text
    assert browser.get("/funds/99999").status_code == 404
    listing = browser.get("/funds")
    assert "UPR Fund" in listing.text and "Technical Cooperation Fund" in listing.text


def test_the_funded_engagements_count_for_the_fund_whose_offer_funds_them(loop, db_session, make_token):
    # Norad funds Kenya's engagement: registered as a fund, its page counts it.
    norad = db_session.exec(select(Partner).where(Partner.name == "Norad")).one()
    funds.register_fund(db_session, actor=_staff(db_session), partner_id=norad.id,
                        short_name="NORAD", mandate="TECHNICAL_COOPERATION", description="Test")
    [shown] = loop.op(loop.anonymous, "Funds")["funds"]
    assert shown["funded"] == {"engagements": 1, "states": 1, "openOffers": 1,
                               "budgets": [{"currency": "USD", "amount": 80_000.0}]}


def test_the_secretariat_registers_a_fund_and_records_figures_on_its_pages(
        loop, db_session, browser, person, make_token):
    make_token("PARTNER", partner="Page Fund", partner_kind=PartnerKind.OHCHR)
    partner = db_session.exec(select(Partner).where(Partner.name == "Page Fund")).one()
    officer = person(Role.SECRETARIAT)
    assert browser.sign_in(officer.email).status_code == 303
    empty = browser.submit("/secretariat/funds", "/secretariat/funds",
                           {"partnerId": str(partner.id), "shortName": "", "mandate": "",
                            "description": "A fund"})
    assert empty.status_code == 422 and 'href="#shortName"' in empty.text
    made = browser.submit("/secretariat/funds", "/secretariat/funds",
                          {"partnerId": str(partner.id), "shortName": "PAGE",
                           "mandate": "TECHNICAL_COOPERATION", "description": "A fund"})
    assert made.status_code == 303 and made.headers["location"] == (
        f"/secretariat/funds/{partner.id}?done=registered")
    form = f"/secretariat/funds/{partner.id}"
    action = f"{form}/contributions"
    bad = browser.submit(form, action, {"donorStateCode": "NOR", "year": "²⁰²⁷",
                                        "currency": "USD", "pledged": "100", "paid": "0"})
    assert bad.status_code == 422 and 'href="#year"' in bad.text
    good = browser.submit(form, action, {"donorStateCode": "NOR", "year": str(YEAR),
                                         "currency": "USD", "pledged": "1,000,000", "paid": "0"})
    assert good.status_code == 303, good.text
    shown = browser.get(f"/funds/{partner.id}")
    assert "$1,000,000" in shown.text and "Norway" in shown.text
    # Only the secretariat has these pages.
    other = person(Role.STATE)
    browser.http.cookies.clear()
    assert browser.sign_in(other.email).status_code == 303
    assert browser.get("/secretariat/funds").status_code in (403, 404)


def test_demo_funds_show_pledges_and_a_fund_without_offers(tmp_path):
    from facility.bootstrap import upgrade
    from facility.db import make_engine, unit_of_work
    from facility.demo.seed import seed_demo
    from facility.funds import views

    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    upgrade(engine)
    with unit_of_work(engine) as session:
        seed_demo(session)
    with unit_of_work(engine) as session:
        pages = {p.fund.short_name: p for p in (views.fund_page(session, f.partner_id)
                                                for f, _ in funds.list_funds(session))}
        assert set(pages) == {"VFTC", "UPR-VFFTA"}
        assert pages["VFTC"].funded.engagements >= 1 and pages["VFTC"].years
        assert pages["UPR-VFFTA"].funded.engagements == 0 and pages["UPR-VFFTA"].years
        assert pages["VFTC"].unfunded is not None


def test_dates_stay_in_range(loop, fund):
    last = today().year + funds.YEARS_AHEAD
    assert _record(loop, loop.secretariat, fund["id"], year=last)["__typename"] == (
        "FundContributionPayload")
