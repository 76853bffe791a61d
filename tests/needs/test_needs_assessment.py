"""A State's needs assessment: clusters, coverage, follow-up, suggested requests, visibility."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from facility.auth.actor import Actor
from facility.auth.models import Account
from facility.ids import encode_id
from facility.needs.service import needs_assessment
from facility.reference.models import Recommendation, RecommendationSdg, RecommendationTheme, Theme
from tests.api.helpers import request_input, run
from tests.api.test_query_cost import counted
from tests.follow_up.conftest import Loop, filled_report

# Kenya's recommendations beyond the three of tests/api/conftest.py (KEN-1 Justice and KEN-2
# Women's rights, both supported and linked to the engagement's request; KEN-3 noted).
MORE = [
    ("TEST-KEN-4", "SUPPORTED", "Ensure free and compulsory primary education for all children.",
     ["Right to education"], [4]),
    ("TEST-KEN-5", "SUPPORTED", "Build schools in rural areas and train more teachers.",
     ["Right to education"], [4]),
    ("TEST-KEN-6", "SUPPORTED", "Reduce the backlog of cases before the courts.", ["Justice"],
     [16]),
]


def _add_recommendations(db_session: Session, rows, state: str = "KEN") -> dict[str, str]:
    themes = {t.name: t.id for t in db_session.exec(select(Theme))}
    ids = {}
    for source_id, response, text, theme_names, goals in rows:
        rec = Recommendation(source_id=source_id, source="upr-info", state_code=state,
                             recommended_by="Norway", cycle=3, text=text, response=response)
        db_session.add(rec)
        db_session.flush()
        for name in theme_names:
            db_session.add(RecommendationTheme(recommendation_id=rec.id, theme_id=themes[name]))
        for goal in goals:
            db_session.add(RecommendationSdg(recommendation_id=rec.id, goal_number=goal))
        ids[source_id] = encode_id("Recommendation", rec.id)
    db_session.flush()
    return ids


def _view(client, **variables) -> dict:
    return run(client, "NeedsAssessment", **variables)["result"]


def test_a_state_sees_its_needs_and_files_the_suggested_request(loop: Loop, clock, db_session):
    more = _add_recommendations(db_session, MORE)
    ids = {**loop.recs, **more}
    name = {v: k for k, v in ids.items()}
    view = _view(loop.kenya)
    assert view["__typename"] == "NeedsAssessment"
    assert (view["stateCode"], view["total"], view["supported"], view["covered"]) == ("KEN", 6, 5, 2)
    by_name = {name[r["id"]]: r for r in view["recommendations"]}
    assert set(by_name) == {f"TEST-KEN-{n}" for n in range(1, 7)}
    assert by_name["TEST-KEN-1"]["covered"] and by_name["TEST-KEN-2"]["covered"]
    [engagement] = by_name["TEST-KEN-1"]["engagements"]
    assert (engagement["id"], engagement["status"], engagement["followUp"]) == (
        loop.engagement_id, "SCHEDULED", [])
    assert [r["status"] for r in by_name["TEST-KEN-1"]["requests"]] == ["ACTIVE"]
    assert not by_name["TEST-KEN-3"]["covered"] and by_name["TEST-KEN-3"]["response"] == "NOTED"

    clusters = {c["theme"]: c for c in view["themeClusters"]}
    assert clusters["Right to education"]["supportedUncovered"] == 2
    justice = clusters["Justice"]
    assert (justice["total"], justice["coveredByEngagement"], justice["supportedUncovered"]) == (2, 1, 1)
    assert (clusters["Death penalty"]["noted"], clusters["Death penalty"]["supportedUncovered"]) == (1, 0)
    # Most supported-and-uncovered first.
    assert view["themeClusters"][0]["theme"] == "Right to education"
    sdg = {c["sdgGoal"]: c for c in view["sdgClusters"]}
    assert set(sdg) == {4, 16} and sdg[4]["title"].startswith("SDG 4: ")
    assert sorted(name[i] for i in sdg[4]["recommendationIds"]) == ["TEST-KEN-4", "TEST-KEN-5"]

    suggestions = view["suggestedRequests"]
    assert [s["themes"] for s in suggestions] == [["Right to education"], ["Justice"]]
    first = suggestions[0]
    assert sorted(name[i] for i in first["recommendationIds"]) == ["TEST-KEN-4", "TEST-KEN-5"]
    assert first["sdgGoals"] == [4] and "TEST-KEN-4" in first["need"]
    assert [name[i] for i in suggestions[1]["recommendationIds"]] == ["TEST-KEN-6"]

    # The suggestion fills CreateRequestInput as it is.
    created = run(loop.kenya, "CreateRequest", input=request_input(
        first["recommendationIds"], title=first["title"], need=first["need"],
        themes=first["themes"]))["result"]
    assert created["__typename"] == "RequestPayload", created
    view = _view(loop.kenya)
    assert [s["themes"] for s in view["suggestedRequests"]] == [["Justice"]]
    by_name = {name[r["id"]]: r for r in view["recommendations"]}
    assert [r["status"] for r in by_name["TEST-KEN-4"]["requests"]] == ["DRAFT"]

    # The engagement's follow-up: reports due, then what the State reported.
    loop.complete()
    clock(date(2028, 2, 1))
    by_name = {name[r["id"]]: r for r in _view(loop.kenya)["recommendations"]}
    follow_up = by_name["TEST-KEN-1"]["engagements"][0]["followUp"]
    assert [(f["kind"], f["status"]) for f in follow_up] == [
        ("TWELVE_MONTHS", "DUE"), ("TWENTY_FOUR_MONTHS", "DUE")]
    twelve = follow_up[0]["reportId"]
    loop.result(loop.kenya, "SaveFollowUpReport", id=twelve,
                input={**filled_report(loop), "expectedRowVersion": 1})
    loop.result(loop.kenya, "SubmitFollowUpReport", id=twelve)
    by_name = {name[r["id"]]: r for r in _view(loop.kenya)["recommendations"]}
    [engagement] = by_name["TEST-KEN-1"]["engagements"]
    assert engagement["status"] == "COMPLETED"
    assert engagement["implementationStatus"] == "PARTIALLY_IMPLEMENTED"
    assert [f["status"] for f in engagement["followUp"]] == ["SUBMITTED", "DUE"]
    assert by_name["TEST-KEN-2"]["engagements"][0]["implementationStatus"] == "NOT_STARTED"


def test_only_the_state_the_committee_and_the_secretariat_see_it(loop: Loop, make_token,
                                                                  db_session):
    _add_recommendations(db_session, MORE)
    run(loop.kenya, "CreateRequest", input=request_input([loop.recs["TEST-KEN-3"]]))  # a draft
    own = _view(loop.kenya)
    for client in (loop.committee, loop.secretariat):
        view = _view(client, stateCode="ken")
        assert view["__typename"] == "NeedsAssessment" and view["total"] == own["total"]
        # Kenya's draft request is Kenya's alone.
        [noted] = [r for r in view["recommendations"] if r["id"] == loop.recs["TEST-KEN-3"]]
        assert noted["requests"] == []
    [noted] = [r for r in own["recommendations"] if r["id"] == loop.recs["TEST-KEN-3"]]
    assert [r["status"] for r in noted["requests"]] == ["DRAFT"]

    for client in (loop.ghana, loop.norad, loop.anonymous,
                   loop.anonymous.as_(make_token("EXPERT", partner="Norad"))):
        assert _view(client, stateCode="KEN") == {
            "__typename": "NotFound", "message": "no needs assessment for State KEN"}
    assert _view(loop.kenya, stateCode="XXX")["__typename"] == "NotFound"
    assert _view(loop.ghana)["stateCode"] == "GHA"
    refused = _view(loop.secretariat)
    assert (refused["__typename"], refused["field"], refused["rule"]) == (
        "ValidationError", "stateCode", "required")


def test_the_view_costs_the_same_statements_for_3_or_30_recommendations(loop: Loop, db_session):
    account = db_session.exec(select(Account).where(Account.state_code == "KEN")).first()
    actor = Actor.from_account(account)
    db_session.expire_all()
    with counted(db_session) as small:
        needs_assessment(db_session, actor=actor)
    _add_recommendations(db_session, [
        (f"TEST-KEN-X{n}", "SUPPORTED", f"Recommendation number {n}.",
         ["Justice", "Right to education"], [4, 16]) for n in range(27)])
    for n in range(3):
        run(loop.kenya, "CreateRequest", input=request_input([loop.recs["TEST-KEN-1"]],
                                                             title=f"Request {n}"))
    db_session.expire_all()
    with counted(db_session) as large:
        view = needs_assessment(db_session, actor=actor)
    assert len(view.recommendations) == 30
    def selects(statements: list[str]) -> list[str]:  # not the session's SAVEPOINTs
        return [s for s in statements if s.lstrip().upper().startswith("SELECT")]

    assert len(selects(large)) == len(selects(small)) == 8, large
