"""The dialogue platform on pages: a State's mission posts and publishes progress updates and
opens its page; the public page shows nothing before, everything the State consented to after,
in the reader's language; a partner reads the reports back of the States it supports."""

from __future__ import annotations

import html
from datetime import date

from sqlmodel import select

from facility.auth.models import Role
from facility.dialogue.models import ProgressUpdate, StatePageConsent, UpdateStatus
from facility.engagements.models import EngagementStatus, FollowUpReport, ReportKind
from facility.ids import decode_id
from facility.timeutil import utcnow
from tests.api.conftest import recs  # noqa: F401  (re-exported fixture)
from tests.pages.test_partner_engagements_page import Funder, funder_fixture  # noqa: F401

EVIDENCE = "The moratorium on executions was extended by decree."


def _latest(db) -> ProgressUpdate | None:
    db.expire_all()
    return db.exec(select(ProgressUpdate).order_by(ProgressUpdate.id.desc())).first()


def _post(browser, rec: int, **overrides):
    return browser.submit("/state/updates/new", "/state/updates", {
        "rec": rec, "implementationStatus": "PARTIALLY_IMPLEMENTED", "evidence": EVIDENCE,
        "evidenceLink": "https://gazette.example.org/moratorium",
        "barriers": "The abolition bill is stalled.", "supportWanted": "Comparative studies.",
        "step": "save", **overrides})


def test_a_draft_then_published_update_and_the_page_the_state_opens(browser, new_browser, person,
                                                                     db_session, recs):  # noqa: F811
    mission = person(Role.STATE, state_code="KEN")
    rec = decode_id("Recommendation", recs["TEST-KEN-3"])
    browser.sign_in(mission.email)
    found = browser.get("/state/updates/new?q=death+penalty").text
    assert "TEST-KEN-3" in found and "TEST-GHA-1" not in found
    refused = _post(browser, rec, evidence=" ", evidenceLink="ftp://example.org", implementationStatus="")
    text = html.unescape(refused.text)
    assert refused.status_code == 422 and _latest(db_session) is None
    assert "Evidence: this is required." in text
    assert "Link to the evidence: each link must be a web address starting with http:// or https://." in text
    assert "Status: choose one of the options offered." in text
    assert "The abolition bill is stalled." in text  # the form keeps what was written

    saved = _post(browser, rec)
    update = _latest(db_session)
    assert saved.status_code == 303 and saved.headers["location"] == f"/state/updates/{update.id}?done=saved"
    assert update.status == UpdateStatus.DRAFT
    draft_page = browser.get(f"/state/updates/{update.id}?done=saved").text
    assert "The draft is saved." in draft_page and "TEST-KEN-3" in draft_page
    closed = browser.get("/states/KEN")
    assert closed.status_code == 200
    assert "Kenya has not opened its page" in closed.text and EVIDENCE not in closed.text

    published = browser.submit(f"/state/updates/{update.id}", f"/state/updates/{update.id}", {
        "version": update.version, "implementationStatus": "FULLY_IMPLEMENTED", "evidence": EVIDENCE,
        "evidenceLink": "", "barriers": "", "supportWanted": "", "step": "publish"})
    assert published.status_code == 303
    update = _latest(db_session)
    assert (update.status, update.implementation_status, update.evidence_link) == (
        UpdateStatus.PUBLISHED, "FULLY_IMPLEMENTED", None)
    shown = browser.get(f"/state/updates/{update.id}?done=published").text
    assert "It is final" in shown and 'name="step"' not in shown
    stale = browser.submit("/state/updates", f"/state/updates/{update.id}", {
        "version": update.version, "implementationStatus": "NOT_STARTED", "evidence": "x", "step": "save"})
    assert stale.status_code == 409

    # Still closed: the published update is not public yet.
    assert EVIDENCE not in browser.get("/states/KEN").text
    opened = browser.submit("/state/updates", "/state/page-consent", {"open": "yes", "version": 0})
    assert opened.status_code == 303 and opened.headers["location"] == "/state/updates?done=opened"
    assert db_session.get(StatePageConsent, "KEN").open
    anonymous = new_browser()
    page = html.unescape(anonymous.get("/states/KEN").text)
    assert "Kenya opened this page" in page and EVIDENCE in page and "Fully implemented" in page
    assert "3 recommendations received." in page
    assert "Death penalty" in page and "Women's rights" in page
    assert 'href="/states/KEN"' in anonymous.get("/states").text
    french = html.unescape(anonymous.get("/states/KEN?lang=fr").text)
    assert "Droits des femmes" in french

    browser.submit("/state/updates", "/state/page-consent", {"open": "no", "version": 1})
    assert EVIDENCE not in anonymous.get("/states/KEN").text
    assert 'href="/states/KEN"' not in anonymous.get("/states").text


def test_the_state_is_named_in_the_readers_language_and_unknown_codes_are_not_found(browser, person,
                                                                                    db_session):
    germany = person(Role.STATE, state_code="DEU")
    browser.sign_in(germany.email)
    browser.submit("/state/updates", "/state/page-consent", {"open": "yes", "version": 0})
    assert "<h1>Allemagne</h1>" in browser.get("/states/DEU?lang=fr").text
    assert "<h1>Германия</h1>" in browser.get("/states/deu?lang=ru").text
    assert "Allemagne" in browser.get("/states?lang=fr").text
    assert browser.get("/states/XYZ").status_code == 404


def test_a_partner_reads_the_reports_back_of_the_states_it_funds(browser, funder, person,
                                                                 db_session, recs):  # noqa: F811
    f: Funder = funder()
    other = funder("Another donor")
    engagement = f.engagement([], title="Judicial training (reports back)",
                              status=EngagementStatus.COMPLETED)
    rec = decode_id("Recommendation", recs["TEST-KEN-1"])
    db_session.add(FollowUpReport(
        engagement_id=engagement.id, kind=ReportKind.TWELVE_MONTHS, due_date=date(2028, 4, 28),
        submitted_at=utcnow(), first_submitted_at=utcnow(), on_time=True,
        recommendations=[{"recommendation_id": rec, "status": "PARTIALLY_IMPLEMENTED",
                          "evidence": "Judges trained in three regions", "links": []}]))
    db_session.flush()
    browser.sign_in(f.state.email)
    _post(browser, decode_id("Recommendation", recs["TEST-KEN-3"]), step="publish")
    _post(browser, decode_id("Recommendation", recs["TEST-KEN-2"]), evidence="A draft of ours")

    browser.sign_in(f.account.email)
    page = html.unescape(browser.get("/partner/dialogue").text)
    assert "<h2 id=\"state-KEN\">Kenya</h2>" in page
    assert "Judges trained in three regions" in page and "Partially implemented" in page
    assert EVIDENCE in page and "A draft of ours" not in page
    browser.sign_in(other.account.email)
    assert "None of your offers funds an engagement yet." in browser.get("/partner/dialogue").text
    browser.sign_in(f.state.email)
    assert browser.get("/partner/dialogue").status_code == 403
