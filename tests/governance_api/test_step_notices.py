"""Nobody has to guess that it is their turn: each step queues its notice once, for the people
who must act next and nobody else, listed in GraphQL `notifications` and e-mailed over SMTP."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from datetime import date

from sqlmodel import select

from facility.auth.models import Account, Role
from facility.ids import decode_id
from facility.notifications.mail import Smtp, deliver_pending
from facility.notifications.models import Notification
from tests.api.helpers import request_input
from tests.follow_up.smtp_sink import smtp_sink
from tests.governance_api.conftest import World, publish_offer

YEAR = date.today().year + 1


def _kinds(w: World, client) -> Counter:
    page = w.op(client, "Notifications", first=100)["notifications"]
    return Counter(e["node"]["kind"] for e in page["edges"])


def _nodes(w: World, client, kind: str) -> list[dict]:
    page = w.op(client, "Notifications", first=100)["notifications"]
    return [e["node"] for e in page["edges"] if e["node"]["kind"] == kind]


def _expert_with_account(w: World, make_token, db_session,
                         nationality: str) -> tuple[object, str, str]:
    """An expert of Norad who has an account (linked by e-mail): client, e-mail, expert id."""
    client = w.gql.as_(make_token("EXPERT", partner="Norad"))
    email = db_session.exec(select(Account.email).where(Account.role == Role.EXPERT)
                            .order_by(Account.id.desc())).first()
    result = w.op(w.norad, "NominateExpert", input={
        "name": f"Dr Private {nationality}", "email": email, "nationality": nationality,
        "themes": ["Justice"], "languages": ["en"], "consentGiven": True,
        "availability": [{"start": f"{YEAR}-01-01", "end": f"{YEAR}-12-31"}]})["result"]
    assert result["__typename"] == "ExpertPayload", result
    return client, email, result["expert"]["id"]


def _opener(session):
    @contextmanager
    def same():
        yield session

    return same


def test_each_step_notifies_who_acts_next_once_and_nobody_else(world: World, recs, make_token,
                                                               db_session):
    w = world
    sida = w.gql.as_(make_token("PARTNER", partner="Sida"))
    brazilian, brazilian_email, brazilian_id = _expert_with_account(w, make_token, db_session,
                                                                    "BRA")
    french, _, french_id = _expert_with_account(w, make_token, db_session, "FRA")
    everyone = {"secretariat": w.secretariat, "kenya": w.kenya, "ghana": w.ghana,
                "norad": w.norad, "sida": sida, "brazilian": brazilian, "french": french,
                **{f"member {g}": c for g, c in w.members.items()}}

    def seen() -> dict[str, Counter]:
        return {name: _kinds(w, client) for name, client in everyone.items()}

    before = seen()
    assert all(not kinds for kinds in before.values())

    # A screening opens: every seated member but Kenya's (recused) is told, once.
    ken = w.op(w.kenya, "CreateRequest", input=request_input(
        [recs["TEST-KEN-1"]], themes=["Justice"], expertsNeeded=2,
        budget=80000))["result"]["request"]
    w.op(w.kenya, "SubmitRequest", id=ken["id"])
    screening = w.op(w.secretariat, "OpenScreening", requestId=ken["id"])["result"]["screening"]
    now = seen()
    told = {name for name, kinds in now.items() if kinds}
    assert told == {"member APG", "member EEG", "member GRULAC", "member WEOG"}
    assert all(now[name] == Counter({"MOTION_OPEN": 1}) for name in told)
    [notice] = _nodes(w, w.members["APG"], "MOTION_OPEN")
    assert notice["motion"] == {"id": screening["motion"]["id"], "kind": "SCREENING",
                                "status": "OPEN"}
    assert notice["subject"] == "A screening is open (Kenya)"
    assert "/committee/motions/" in notice["body"] and "Judicial training" in notice["body"]
    for group in ("APG", "EEG", "GRULAC"):
        w.op(w.members[group], "CastVote", motionId=screening["motion"]["id"], choice="APPROVE",
             comment="")
    w.op(w.secretariat, "DecideMotion", motionId=screening["motion"]["id"])

    # A run ends: the secretariat is told; the match it proposes opens a vote for the members
    # not recused (Kenya's: the requesting State; Norway's: the offer's partner is Norwegian).
    publish_offer(w, themes=["Justice"], eligibleGroups=None)
    started = w.op(w.secretariat, "StartOptimiserRun", timeLimit=5)["result"]
    run = w.op(w.secretariat, "OptimiserRun", id=started["run"]["id"])["optimiserRun"]
    assert run["status"] == "DONE"
    [proposal] = run["proposals"]
    after_run = seen()
    assert after_run["secretariat"] == Counter({"RUN_FINISHED": 1})
    [finished] = _nodes(w, w.secretariat, "RUN_FINISHED")
    assert finished["optimiserRun"] == {"id": run["id"], "status": "DONE"}
    run_pk = decode_id("OptimiserRun", run["id"])
    assert finished["subject"] == f"Optimiser run {run_pk} finished: 1 new proposal"
    for group, count in {"APG": 2, "EEG": 2, "GRULAC": 2, "WEOG": 1, "AFRICAN": 0}.items():
        assert after_run[f"member {group}"]["MOTION_OPEN"] == count, group
    assert not any(after_run[n] for n in ("kenya", "ghana", "norad", "sida", "brazilian", "french"))

    # The committee approves the match: Kenya and Norad are to confirm it; nobody else.
    for group in ("APG", "EEG", "GRULAC"):
        w.op(w.members[group], "CastVote", motionId=proposal["motion"]["id"], choice="APPROVE",
             comment="")
    w.op(w.secretariat, "DecideMotion", motionId=proposal["motion"]["id"])
    approved = seen()
    changed = {n for n in everyone if approved[n] != after_run[n]}
    assert changed == {"kenya", "norad"}
    assert approved["kenya"] == approved["norad"] == Counter({"PROPOSAL_TO_CONFIRM": 1})
    [to_confirm] = _nodes(w, w.kenya, "PROPOSAL_TO_CONFIRM")
    assert to_confirm["proposal"] == {"id": proposal["id"], "status": "APPROVED"}

    # Both confirm: the engagement is scheduled and each expert on it is asked to answer.
    w.op(w.kenya, "ConfirmProposal", id=proposal["id"])
    both = w.op(w.norad, "ConfirmProposal", id=proposal["id"])["result"]["proposal"]
    engagement_id = both["engagement"]["id"]
    scheduled = seen()
    changed = {n for n in everyone if scheduled[n] != approved[n]}
    assert changed == {"brazilian", "french"}
    for name in changed:
        assert scheduled[name] == Counter({"DEPLOYMENT_TO_ANSWER": 1})
    [ask] = _nodes(w, brazilian, "DEPLOYMENT_TO_ANSWER")
    assert ask["deployment"] == {"id": engagement_id, "answer": None}
    assert ask["engagement"] is None  # the engagement's internals are not the expert's
    assert "/expert/deployments" in ask["body"]

    # The French expert declines; Norad puts a Swedish expert in their place: only the one who
    # joins is asked to answer (the Brazilian, still on the team, is not asked again).
    declined = w.op(french, "AnswerDeployment", id=engagement_id, accept=False,
                    reason="A family matter")["result"]
    assert declined["__typename"] == "DeploymentPayload", declined
    swedish, _, swedish_id = _expert_with_account(w, make_token, db_session, "SWE")
    everyone["swedish"] = swedish
    before_amendment = seen()
    assert before_amendment["norad"]["EXPERT_DECLINED"] == 1
    team = [brazilian_id if e == brazilian_id else swedish_id for e in (brazilian_id, french_id)]
    amended = w.op(w.norad, "AmendEngagement", id=engagement_id, input={
        "reason": "Replaces the expert who declined", "expertIds": team})["result"]
    assert amended["__typename"] == "EngagementPayload", amended
    after_amendment = seen()
    assert {n for n in everyone if after_amendment[n] != before_amendment[n]} == {"swedish"}
    assert after_amendment["swedish"] == Counter({"DEPLOYMENT_TO_ANSWER": 1})
    scheduled = after_amendment

    # The queue holds one row per notice seen, no more (nothing queued twice or for others).
    rows = db_session.exec(select(Notification)).all()
    assert len(rows) == sum(sum(k.values()) for k in scheduled.values())

    # E-mail: one message per notice, to its recipient; no person's name in any of them.
    with smtp_sink() as sink:
        delivery = deliver_pending(_opener(db_session), Smtp(host="127.0.0.1", port=sink.port,
                                                             sender="facility@example.org"))
        assert (delivery.sent, delivery.failed) == (len(rows), [])
        emails = dict(db_session.exec(select(Account.id, Account.email)).all())
        assert Counter(m["To"] for m in sink.messages) == Counter(emails[r.account_id] for r in rows)
        [deployment_mail] = sink.to(brazilian_email)
        assert deployment_mail["Subject"].startswith("A deployment to answer: Kenya, from ")
        for message in sink.messages:
            text = message.get_payload(decode=True).decode() + message["Subject"]
            for private in ("Dr Private", brazilian_email, "Test State", "Test Committee",
                            "A family matter", "Replaces the expert"):
                assert private not in text


def test_a_run_that_fails_tells_the_secretariat_only(world: World, db_session):
    from facility.timeutil import utcnow
    from governance.models import OptimiserRun, RunStatus
    from governance.runs import fail_interrupted_runs

    staff = db_session.exec(select(Account).where(Account.role == Role.SECRETARIAT)).first()
    # A run its server left behind (no heartbeat): the next start fails it.
    run = OptimiserRun(criteria_version=1, time_limit=1, started_by_id=staff.id,
                       status=RunStatus.RUNNING, claimed_by="elsewhere:1:boot",
                       heartbeat_at=utcnow().replace(year=2000))
    db_session.add(run)
    db_session.flush()
    assert fail_interrupted_runs(db_session) == 1
    [notice] = _nodes(world, world.secretariat, "RUN_FINISHED")
    assert notice["subject"] == f"Optimiser run {run.id} failed"
    assert notice["optimiserRun"]["status"] == "FAILED"
    assert "interrupted" not in notice["body"]  # the reason is on the run's page
    for client in (world.kenya, world.norad, *world.members.values()):
        assert _kinds(world, client) == Counter()
