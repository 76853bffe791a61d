"""The urgent track: a State (or the secretariat, with the State's consent) marks a submitted
request urgent; the committee is notified and has the criteria's deadline to decide; the
optimiser serves it from ready experts whose notice lets them start in time."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import select

from facility.ids import decode_id
from facility.notifications.models import Notification, NotificationKind
from facility.requests.models import CapacityRequest
from facility.timeutil import today
from tests.api.helpers import YEAR, offer_input, request_input
from tests.governance_api.conftest import World

REASON = "Mass arrests reported this week; the inquiry cannot wait."


def _submitted(w: World, recs, client=None) -> dict:
    client = client or w.kenya
    made = w.op(client, "CreateRequest", input=request_input(
        [recs["TEST-KEN-1"]], title="Urgent inquiry support"))["result"]["request"]
    w.op(client, "SubmitRequest", id=made["id"])
    return made


def _mark(w: World, client, request_id: str, **overrides) -> dict:
    variables = {"id": request_id, "reason": REASON, "latestStart": f"{YEAR}-04-01", **overrides}
    return w.op(client, "MarkRequestUrgent", **variables)["result"]


def test_the_state_marks_its_request_urgent_and_the_committee_is_told(world: World, recs, db_session):
    request = _submitted(world, recs)
    marked = _mark(world, world.kenya, request["id"])
    assert marked["__typename"] == "RequestPayload", marked
    shown = marked["request"]
    assert (shown["urgent"], shown["latestStart"], shown["urgentReason"]) == (
        True, f"{YEAR}-04-01", REASON)
    assert shown["status"] == "SUBMITTED"  # the screening's path is unchanged
    row = db_session.get(CapacityRequest, decode_id("CapacityRequest", request["id"]))
    # The default criteria give the committee 72 hours from the marking.
    decide_by = datetime.fromisoformat(shown["decideBy"])
    assert decide_by - row.urgent_at.replace(tzinfo=decide_by.tzinfo) == timedelta(hours=72)
    notices = db_session.exec(select(Notification).where(
        Notification.kind == NotificationKind.REQUEST_URGENT)).all()
    assert len(notices) == 5 and {n.request_id for n in notices} == {row.id}  # each seated member
    assert "Urgent request" in notices[0].subject and REASON not in notices[0].body

    told = world.op(world.members["APG"], "Notifications")["notifications"]["edges"]
    [urgent] = [e["node"] for e in told if e["node"]["kind"] == "REQUEST_URGENT"]
    assert urgent["request"] == {"id": request["id"], "urgent": True, "decideBy": shown["decideBy"]}

    again = _mark(world, world.kenya, request["id"])
    assert again["__typename"] == "Conflict" and "already" in again["message"]


def test_bad_urgent_marks_name_the_field_and_change_nothing(world: World, recs, db_session):
    request = _submitted(world, recs)
    for overrides, field, rule in (
        ({"reason": "soon"}, "reason", "required"),
        ({"latestStart": "2020-01-01"}, "latestStart", "future"),
        ({"latestStart": f"{YEAR}-12-01"}, "latestStart", "in_window"),  # window ends 30 Sept
    ):
        refused = _mark(world, world.kenya, request["id"], **overrides)
        assert refused["__typename"] == "ValidationError", refused
        assert (refused["field"], refused["rule"]) == (field, rule)
    stale = _mark(world, world.kenya, request["id"], expectedVersion=99)
    assert stale["__typename"] == "Conflict"
    row = db_session.get(CapacityRequest, decode_id("CapacityRequest", request["id"]))
    assert not row.urgent and row.decide_by is None
    assert not db_session.exec(select(Notification).where(
        Notification.kind == NotificationKind.REQUEST_URGENT)).all()


def test_the_secretariat_marks_only_with_the_states_consent(world: World, recs, db_session):
    request = _submitted(world, recs)
    refused = _mark(world, world.secretariat, request["id"])
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "stateConsent")
    marked = _mark(world, world.secretariat, request["id"], stateConsent=True)
    assert marked["request"]["urgent"] is True
    # The State hears of it too, as well as the five members.
    assert len(db_session.exec(select(Notification).where(
        Notification.kind == NotificationKind.REQUEST_URGENT)).all()) == 6


def test_only_the_requesting_state_or_the_secretariat_and_only_before_screening(world: World, recs):
    request = _submitted(world, recs)
    assert _mark(world, world.ghana, request["id"])["__typename"] == "NotFound"
    assert _mark(world, world.norad, request["id"])["__typename"] == "PermissionDenied"
    assert _mark(world, world.members["APG"], request["id"])["__typename"] == "PermissionDenied"
    draft = world.op(world.kenya, "CreateRequest", input=request_input(
        [recs["TEST-KEN-1"]]))["result"]["request"]
    assert _mark(world, world.kenya, draft["id"])["__typename"] == "Conflict"


def test_the_deadline_comes_from_the_criteria_in_force(world: World, recs, db_session):
    from governance.models import CriteriaSet, CriteriaStatus

    criteria = db_session.exec(select(CriteriaSet).where(
        CriteriaSet.status == CriteriaStatus.IN_FORCE)).one()
    criteria.body = {**criteria.body, "voting": {**criteria.body["voting"],
                                                 "urgent_decision_hours": 24}}
    db_session.add(criteria)
    db_session.flush()
    request = _submitted(world, recs)
    shown = _mark(world, world.kenya, request["id"])["request"]
    row = db_session.get(CapacityRequest, decode_id("CapacityRequest", request["id"]))
    decide_by = datetime.fromisoformat(shown["decideBy"])
    assert decide_by - row.urgent_at.replace(tzinfo=decide_by.tzinfo) == timedelta(hours=24)


def _expert(w: World, nationality: str, *, notice: int | None, medical_expires: date,
            languages: tuple[str, ...] = ("en", "sw")) -> str:
    start = today()
    made = w.op(w.norad, "NominateExpert", input={
        "name": f"Expert from {nationality}", "email": f"ready.{nationality.lower()}@example.org",
        "nationality": nationality, "themes": ["Justice"], "languages": list(languages),
        "availability": [{"start": start.isoformat(), "end": (start + timedelta(days=365)).isoformat()}],
        "consentGiven": True})["result"]["expert"]
    if notice is not None:
        w.op(w.norad, "SetExpertReadiness", id=made["id"], input={"noticeHours": notice})
    for kind in ("TRAINING", "REFERENCES", "SECURITY_CLEARANCE", "MEDICAL"):
        expires = medical_expires if kind == "MEDICAL" else start + timedelta(days=300)
        checked = w.op(w.norad, "RecordExpertCheck", id=made["id"], input={
            "kind": kind, "verifiedOn": (start - timedelta(days=400)).isoformat(),
            "expiresOn": expires.isoformat()})["result"]
        assert checked["__typename"] == "ExpertPayload", checked
    return made["id"]


def test_an_urgent_request_is_proposed_from_a_ready_expert_whose_notice_fits(world: World, recs):
    w, start = world, today()
    good = start + timedelta(days=200)
    # The ready expert fits less well (one of the request's two languages): only the urgent
    # track's rules make it the one proposed.
    ready = _expert(w, "BRA", notice=72, medical_expires=good, languages=("en",))
    _expert(w, "FRA", notice=1440, medical_expires=good)  # ready, but two months' notice
    _expert(w, "POL", notice=72, medical_expires=start - timedelta(days=1))  # a check expired
    _expert(w, "ARG", notice=None, medical_expires=good)  # not on the ready roster
    w.op(w.norad, "PublishOffer", id=w.op(w.norad, "CreateOffer", input=offer_input(
        themes=["Justice"], eligibleGroups=None, windowStart=start.isoformat()))["result"]["offer"]["id"])
    request = w.op(w.kenya, "CreateRequest", input=request_input(
        [recs["TEST-KEN-1"]], expertsNeeded=1, windowStart=(start + timedelta(days=5)).isoformat(),
        windowEnd=(start + timedelta(days=200)).isoformat()))["result"]["request"]
    w.op(w.kenya, "SubmitRequest", id=request["id"])
    latest = start + timedelta(days=10)
    marked = _mark(w, w.kenya, request["id"], latestStart=latest.isoformat())
    assert marked["__typename"] == "RequestPayload", marked

    # The committee screens it as any other (the quorum unchanged), before the deadline.
    motion = w.op(w.secretariat, "OpenScreening", requestId=request["id"])["result"]["screening"]["motion"]
    for group in ("APG", "EEG", "GRULAC"):
        w.op(w.members[group], "CastVote", motionId=motion["id"], choice="APPROVE")
    decided = w.op(w.secretariat, "DecideMotion", motionId=motion["id"])["result"]
    assert decided["motion"]["status"] == "PASSED"

    started = w.op(w.secretariat, "StartOptimiserRun", timeLimit=5)["result"]
    run = w.op(w.secretariat, "OptimiserRun", id=started["run"]["id"])["optimiserRun"]
    assert run["status"] == "DONE", run
    [proposal] = run["proposals"]
    assert proposal["request"]["id"] == request["id"]
    assert [e["id"] for e in proposal["experts"]] == [ready]


def test_the_instance_carries_urgency_readiness_and_evaluation_criteria(world: World, recs, db_session):
    from governance.criteria import CriteriaBody
    from governance.runs import build_instance

    w, start = world, today()
    ready = _expert(w, "BRA", notice=336, medical_expires=start + timedelta(days=30))
    expired = _expert(w, "POL", notice=72, medical_expires=start + timedelta(days=3))
    request = _submitted(w, recs)
    _mark(w, w.kenya, request["id"])
    row = db_session.get(CapacityRequest, decode_id("CapacityRequest", request["id"]))
    row.status = "ELIGIBLE"  # as a passed screening leaves it
    db_session.add(row)
    db_session.flush()
    body = CriteriaBody.model_validate({"matching": {"evaluation_weight": 20, "evaluation_floor": 60}})
    # On the run's day, three days on, the second expert's medical check has expired.
    document, _held, _left = build_instance(db_session, body, as_of=start + timedelta(days=3))
    assert (document["criteria"]["evaluation_weight"], document["criteria"]["evaluation_floor"]) == (20, 60)
    [r] = document["requests"]
    assert (r["urgent"], r["latest_start"]) == (True, f"{YEAR}-04-01")
    notice = {e["id"]: e.get("notice_hours") for e in document["experts"]}
    assert notice == {f"E{decode_id('Expert', ready)}": 336, f"E{decode_id('Expert', expired)}": None}
    plain, _h, _l = build_instance(db_session, CriteriaBody(), as_of=start)
    assert "evaluation_weight" not in plain["criteria"] and "evaluation_floor" not in plain["criteria"]
