"""The committee sees what it decides: the screening page shows the request in full (the
State's name, need, barrier, linked recommendations with mechanism and response, themes,
window, languages, kinds of support, budget and currency); a proposed match names its experts
with their profile and says why in plain words, with names instead of the optimiser's ids.
Those who may not see the experts' personal data (the State) read the same explanation
without their names."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.experts import service as experts
from facility.reference.models import Recommendation, Theme
from facility.requests.models import RequestRecommendation, RequestStatus, RequestTheme
from governance import screening
from governance.models import Motion, MotionKind, ProposalStatus
from tests.pages.committee_world import World, add_request, add_run_with_proposals, world_fixture  # noqa: F401


def _linked(db, request, n: int, response: str, mechanism: str) -> Recommendation:
    rec = Recommendation(source_id=f"TEST-DECIDES-{request.id}-{n}", source="uhri",
                         state_code=request.state_code, mechanism=mechanism, response=response,
                         text=f"Strengthen the independence of the judiciary ({n}, test).")
    db.add(rec)
    db.flush()
    db.add(RequestRecommendation(request_id=request.id, recommendation_id=rec.id))
    return rec


def test_the_screening_page_shows_the_request_in_full(browser, world: World, db_session, person):
    mission = person(Role.STATE, state_code="GHA")
    request = add_request(db_session, mission, "GHA", 40, need="Train 80 magistrates (test).",
                          barrier="No curriculum on fair trials (test).", languages=["en", "fr"],
                          support_kinds=["TRAINING", "EXPERT_MISSION"], budget=65_000,
                          currency="EUR", window_start=date(2027, 3, 1), window_end=date(2027, 8, 31))
    _linked(db_session, request, 1, "SUPPORTED", "UPR")
    _linked(db_session, request, 2, "NOTED", "Treaty bodies")
    theme = db_session.exec(select(Theme).order_by(Theme.name)).first()
    db_session.add(RequestTheme(request_id=request.id, theme_id=theme.id))
    db_session.flush()
    opened = screening.open_screening(db_session, actor=Actor.from_account(world.secretariat),
                                      request_id=request.id)
    browser.sign_in(world.india_member.email)
    page = browser.get(f"/committee/motions/{opened.motion_id}").text
    assert "<dt>State</dt><dd>Ghana</dd>" in page
    for shown in ("Train 80 magistrates (test).", "No curriculum on fair trials (test).",
                  "Strengthen the independence of the judiciary (1, test).", "Treaty bodies",
                  "<td>Supported</td>", "<td>Noted</td>", theme.names["en"], "March 1, 2027",
                  "August 31, 2027", "English, French", "Training, Expert mission", "€65,000"):
        assert shown in page, shown


def _proposal_with_expert(db, world: World, offers_of, person):
    offer = offers_of(1)[0]
    partner = db.get(type(world.secretariat), offer.created_by_id)
    expert = experts.nominate_expert(
        db, actor=Actor.from_account(partner), consent_given=True,
        fields=experts.ExpertFields(name="Awa Diop", email="awa.diop@example.org", nationality="SEN",
                                    themes=["Justice"], languages=["fr", "en"],
                                    cv="Twenty years as a judge of the Dakar court of appeal.",
                                    availability=[(date(2027, 1, 1), date(2027, 12, 31))]))
    mission = person(Role.STATE, state_code="BRA")
    request = add_request(db, mission, "BRA", 41, status=RequestStatus.ELIGIBLE)
    _run, [proposal] = add_run_with_proposals(db, world.secretariat, [request], offer.id)
    proposal.set_team([expert.id])
    proposal.explanation = (
        f"Funded by offer O{offer.id} (Test partner: themes Justice; budget left after this "
        f"match 1,194,567). Expert E{expert.id} (AFRICAN; Justice; speaks fr, en). Value 130 "
        "(base 100 + priority 2 x 10 + 2 months waiting x 5); expert fit 7.")
    db.add(proposal)
    db.flush()
    motion = db.exec(select(Motion).where(Motion.kind == MotionKind.PROPOSAL,
                                          Motion.subject_id == proposal.id)).one()
    return offer, expert, request, proposal, motion


def test_a_proposal_names_its_experts_and_says_why_in_plain_words(browser, world: World, db_session,
                                                                  offers_of, person):
    offer, expert, request, proposal, motion = _proposal_with_expert(db_session, world, offers_of,
                                                                     person)
    browser.sign_in(world.india_member.email)
    page = browser.get(f"/committee/motions/{motion.id}").text
    assert f"Funded by offer “{offer.title}” (Test partner" in page
    assert "Expert Awa Diop (African Group; Justice; speaks fr, en)" in page
    for code in (f"O{offer.id} ", f"E{expert.id} ", "AFRICAN;"):
        assert code not in page, code
    # The experts proposed, with their profile (the committee may see personal data).
    assert "<td>Awa Diop</td><td>Senegal</td><td>African Group</td><td>Senior</td>" in page
    assert "Twenty years as a judge of the Dakar court of appeal." in page
    # The run page says the same.
    run_page = browser.get(f"/committee/runs/{proposal.run_id}").text
    assert "Expert Awa Diop (African Group" in run_page and f"E{expert.id} " not in run_page

    # Approved, the State reads the same explanation without the expert's name.
    proposal.status = ProposalStatus.APPROVED
    db_session.add(proposal)
    db_session.flush()
    mission = db_session.get(type(world.secretariat), request.created_by_id)
    browser.sign_in(mission.email)
    state_page = browser.get(f"/state/requests/{request.id}").text
    assert f"Funded by offer “{offer.title}”" in state_page
    assert "Expert #1 (African Group; Justice; speaks fr, en)" in state_page
    assert "Awa Diop" not in state_page and "Dakar" not in state_page
