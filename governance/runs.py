"""Optimiser runs: the instance built from the database, the background run, its proposals.

A run reads every eligible request (an urgent one with its latest start), every published
offer and every expert who consents to matching (facility.experts.consent), with the notice
period of those on the ready roster that day (facility.experts.readiness), takes off it the
capacity the matches agreed earlier hold (governance/carried.py; they are not judged again),
and calls `matching.solve` under the criteria in force. Budgets are compared in one currency,
so the run takes the requests and offers in `RUN_CURRENCY`; the others are reported as not
considered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import date
from typing import Any

from sqlmodel import Session, select

import matching
import matching.demand
from facility import audit, idempotency, jobs, locking
from facility.auth import permissions
from facility.auth.actor import Actor
from facility.auth.models import Partner
from facility.errors import Conflict, NotFound, ValidationFailed
from facility.experts import consent, readiness
from facility.experts.models import Expert, ExpertAvailability, ExpertTheme
from facility.notifications import steps
from facility.offers.models import Offer, OfferStatus, OfferTheme
from facility.reference.models import Recommendation, State, Theme, counts_as_supported
from facility.requests import lifecycle as requests_lifecycle
from facility.requests.models import (
    CapacityRequest,
    RequestRecommendation,
    RequestStatus,
    RequestTheme,
)
from facility.timeutil import today, utcnow
from governance import carried, demand, run_claims
from governance.committee import require_secretariat
from governance.criteria import CriteriaBody, body_in_force, get_criteria
from governance.models import (
    MatchProposal,
    MotionKind,
    OptimiserRun,
    RunStatus,
)
from governance.motions import open_motion
from matching.instance import DEFAULT_EVALUATION_FLOOR

log = logging.getLogger("facility.optimiser")
JOB_KIND = "optimiser_run"
RUN_CURRENCY = demand.RUN_CURRENCY
MAX_TIME_LIMIT = 600.0
OpenSession = Callable[[], AbstractContextManager[Session]]


class RunCancelled(Exception):
    """Raised from the progress callback when the secretariat cancels a run."""


class RunTakenOver(Exception):
    """Raised from the progress callback when the run is no longer this process's to finish
    (another process found it interrupted and failed it): stop without touching it."""


def start_run(session: Session, *, actor: Actor | None, time_limit: float = 30.0,
              idempotency_key: str | None = None) -> OptimiserRun:
    """Queue a run, and its job for the worker in the same transaction (facility.jobs): the
    worker starts `execute_run` once this transaction has committed, never before.

    A retry with the same key gets the first run back (a retried start never queues a second
    run); without a key, a start while a run is queued or running is a Conflict.
    """
    actor = require_secretariat(actor, "run the optimiser")
    if not 1 <= time_limit <= MAX_TIME_LIMIT:
        raise ValidationFailed.single("timeLimit", "range",
                                      f"timeLimit: between 1 and {MAX_TIME_LIMIT:.0f} seconds")
    # Two starts at once queue here; the second then finds the first (a retry with the same
    # key gets it back, any other start sees it busy).
    locking.advisory_lock(session, "optimiser-run-start")
    return idempotency.create_once(
        session, account_id=actor.account_id, operation="startOptimiserRun",
        key=idempotency_key, payload={"time_limit": time_limit}, what="an optimiser run",
        model=OptimiserRun, create=lambda: _queue_run(session, actor, time_limit))


def _queue_run(session: Session, actor: Actor, time_limit: float) -> OptimiserRun:
    busy = session.exec(select(OptimiserRun).where(
        OptimiserRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]))).first()  # type: ignore[attr-defined]
    if busy is not None:
        raise Conflict(f"run {busy.id} is still {busy.status.lower()}; wait for it or cancel it")
    version, _ = body_in_force(session)
    # Owned by no process until a worker claims it; its job is in the queue from this commit
    # on, so a queued run always has a worker's job waiting for it (governance/run_claims.py).
    run = OptimiserRun(criteria_version=version, time_limit=time_limit,
                       started_by_id=actor.account_id, heartbeat_at=utcnow())
    session.add(run)
    session.flush()
    jobs.enqueue(session, JOB_KIND, {"run_id": run.id})
    audit.record(session, actor_account_id=actor.account_id, action="run.started",
                 subject_type="optimiser_run", subject_id=run.id,
                 payload={"criteria_version": version, "time_limit": time_limit})
    return run


def get_run(session: Session, *, actor: Actor | None, run_id: int) -> OptimiserRun:
    """A run, for the committee and the secretariat; anyone else is told it does not exist."""
    run = session.get(OptimiserRun, run_id)
    if run is None or not permissions.can_view_governance_internals(actor):
        raise NotFound(f"no optimiser run with id {run_id}")
    return run


def cancel_run(session: Session, *, actor: Actor | None, run_id: int) -> OptimiserRun:
    actor = require_secretariat(actor, "cancel optimiser runs")
    run = session.get(OptimiserRun, run_id)
    if run is None:
        raise NotFound(f"no optimiser run with id {run_id}")
    locking.lock(session, run)  # cancelled once however many times it is asked at once
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        raise Conflict(f"run {run_id} is already {run.status.lower()}")
    run.cancel_requested = True
    if run.status == RunStatus.QUEUED:
        run.status = RunStatus.CANCELLED
        run.finished_at = utcnow()
    session.add(run)
    session.flush()
    audit.record(session, actor_account_id=actor.account_id, action="run.cancel_requested",
                 subject_type="optimiser_run", subject_id=run.id, payload={})
    return run


def _by_key(rows: Iterator[tuple[int, str]]) -> dict[int, list[str]]:
    result: dict[int, list[str]] = {}
    for key, value in rows:
        result.setdefault(key, []).append(value)
    return result


# One record of the instance file (facility-matching/1, matching/instance.py) per database row:
# the optimiser's runs and the partners' fit of their offers to a request
# (governance/offer_fit.py) read rows the same way.

def criteria_record(criteria: CriteriaBody) -> dict[str, Any]:
    m = criteria.matching
    record = {"request_base_value": m.request_base_value, "weights": m.weights.model_dump(),
              "team_min_groups": m.team_min_groups, "group_floor_share": m.group_floor_share,
              "fairness_penalty": m.fairness_penalty}
    # Optional in the format: written only when the criteria set them (the defaults are the
    # reader's own), so instances of criteria without them are unchanged.
    if m.evaluation_weight:
        record["evaluation_weight"] = m.evaluation_weight
    if m.evaluation_floor != DEFAULT_EVALUATION_FLOOR:
        record["evaluation_floor"] = m.evaluation_floor
    return record


def request_record(r: CapacityRequest, *, group: str, themes: list[str],
                   all_supported: bool) -> dict[str, Any]:
    return {
        "id": f"R{r.id}", "state": r.state_code, "group": group,
        "themes": themes, "languages": list(r.languages),
        "window": [r.window_start.isoformat(), r.window_end.isoformat()], "weeks": r.weeks,
        "budget": r.budget, "experts_needed": r.experts_needed, "priority": r.priority,
        "submitted": (r.submitted_at or r.created_at).date().isoformat(),
        "all_supported": all_supported,
        # The urgent track (governance/urgency.py): served from the ready roster only.
        **({"urgent": True, "latest_start": r.latest_start.isoformat()}
           if r.urgent and r.latest_start is not None else {}),
    }


def offer_record(o: Offer, *, partner: Partner, themes: list[str]) -> dict[str, Any]:
    return {
        "id": f"O{o.id}", "partner": partner.name, "partner_state": partner.state_code,
        "themes": themes, "groups": o.eligible_groups, "states": o.eligible_states,
        "window": [o.window_start.isoformat(), o.window_end.isoformat()],
        "budget": o.budget, "max_requests": o.max_requests,
    }


def build_instance(session: Session, criteria: CriteriaBody, *, as_of: date,
                   ) -> tuple[dict[str, Any], carried.Carried, list[dict]]:
    """The `facility-matching/1` document of the live data, what earlier agreed matches hold
    of it, and the eligible requests left out (with their reasons)."""
    groups = {s.code: s.regional_group_code for s in session.exec(select(State))}
    offers = {o.id: o for o in session.exec(select(Offer).where(Offer.status == OfferStatus.PUBLISHED))}
    requests = list(session.exec(select(CapacityRequest).where(
        CapacityRequest.status == RequestStatus.ELIGIBLE)))
    left_out: list[dict] = []
    kept = []
    for r in requests:
        if r.currency != RUN_CURRENCY:
            left_out.append({"request": r.id, "causes": ["other_currency"], "reasons": [
                f"budget in {r.currency}: this run compares budgets in {RUN_CURRENCY} only"]})
        elif groups.get(r.state_code) is None:
            left_out.append({"request": r.id, "causes": ["no_regional_group"],
                             "reasons": ["the State belongs to no regional group"]})
        else:
            kept.append(r)
    requests = kept
    request_ids = [r.id for r in requests]
    themes = _by_key(session.exec(select(RequestTheme.request_id, Theme.name).join(
        Theme, Theme.id == RequestTheme.theme_id).where(RequestTheme.request_id.in_(request_ids))))  # type: ignore[attr-defined]
    for r in requests:
        if not themes.get(r.id):
            left_out.append({"request": r.id, "causes": ["no_theme"], "reasons": [
                "none of its recommendations has a theme, and offers and experts are matched "
                "by theme"]})
    requests = [r for r in requests if themes.get(r.id)]
    without_position = criteria.eligibility.without_position_supported
    noted = {request_id for request_id, response in session.exec(
        select(RequestRecommendation.request_id, Recommendation.response).join(
            Recommendation, Recommendation.id == RequestRecommendation.recommendation_id)
        .where(RequestRecommendation.request_id.in_(request_ids)))  # type: ignore[attr-defined]
        if not counts_as_supported(response, without_position=without_position)}

    offers = {k: o for k, o in offers.items() if o.currency == RUN_CURRENCY}
    partners = {p.id: p for p in session.exec(select(Partner))}
    offer_themes = _by_key(session.exec(select(OfferTheme.offer_id, Theme.name).join(
        Theme, Theme.id == OfferTheme.theme_id).where(OfferTheme.offer_id.in_(list(offers)))))  # type: ignore[attr-defined]
    offers = {k: o for k, o in offers.items() if offer_themes.get(k)}

    # No consent to matching (never given, withdrawn, or the person erased): not considered.
    experts = list(session.exec(select(Expert).where(consent.matchable())))
    matchable = {e.id for e in experts}
    experts = [e for e in experts if groups.get(e.nationality)]
    expert_ids = [e.id for e in experts]
    expert_themes = _by_key(session.exec(select(ExpertTheme.expert_id, Theme.name).join(
        Theme, Theme.id == ExpertTheme.theme_id).where(ExpertTheme.expert_id.in_(expert_ids))))  # type: ignore[attr-defined]
    windows: dict[int, list[list[str]]] = {}
    for w in session.exec(select(ExpertAvailability).where(
            ExpertAvailability.expert_id.in_(expert_ids))):  # type: ignore[attr-defined]
        windows.setdefault(w.expert_id, []).append([w.start.isoformat(), w.end.isoformat()])
    experts = [e for e in experts if expert_themes.get(e.id) and windows.get(e.id)]
    # The ready roster on the run's day (facility/experts/readiness.py): a notice period only
    # for those whose every check holds on `as_of`; the others are not on it for this run.
    ready = readiness.ready_notice_hours(session, as_of)

    document = {
        "format": "facility-matching/1",
        "as_of": as_of.isoformat(),
        "criteria": criteria_record(criteria),
        "requests": [request_record(r, group=groups[r.state_code], themes=themes[r.id],
                                    all_supported=r.id not in noted)
                     for r in requests],
        "offers": [offer_record(o, partner=partners[o.partner_id], themes=offer_themes[o.id])
                   for o in offers.values()],
        "experts": [{
            "id": f"E{e.id}", "nationality": e.nationality, "group": groups[e.nationality],
            "themes": expert_themes[e.id], "languages": list(e.languages),
            "available": windows[e.id], "max_assignments": e.max_assignments,
            "conflicts": list(e.conflict_states),
            **({"notice_hours": ready[e.id]} if e.id in ready else {}),
        } for e in experts],
    }
    held = carried.agreed(session, offer_ids={k: f"O{k}" for k in offers},
                          expert_ids={e.id: f"E{e.id}" for e in experts},  # type: ignore[misc]
                          matchable=matchable)  # type: ignore[arg-type]
    return document, held, left_out


def _progress_recorder(open_session: OpenSession, run_id: int,
                       ) -> Callable[[matching.Progress], None]:
    """Stores progress points (at most one a second), each one also the run's heartbeat, and
    stops the solver once cancelled or taken over."""
    last = {"at": -1.0}
    me = run_claims.this_process()

    def on_progress(point: matching.Progress) -> None:
        if point.seconds - last["at"] < 1.0 and point.phase != "done":
            return
        last["at"] = point.seconds
        with open_session() as session:
            run = session.get(OptimiserRun, run_id, populate_existing=True)
            assert run is not None
            if run.status != RunStatus.RUNNING or run.claimed_by != me:
                raise RunTakenOver
            if run.cancel_requested:
                raise RunCancelled
            run.progress = [*run.progress, {"phase": point.phase, "seconds": round(point.seconds, 2),
                                            "score": point.score, "bound": point.bound}]
            run.heartbeat_at = utcnow()
            session.add(run)
            session.commit()

    return on_progress


def execute_run(open_session: OpenSession, run_id: int) -> None:
    """Solve and store the proposals; runs in the background, each step in its own transaction."""
    with open_session() as session:
        if not run_claims.claim(session, run_id):  # cancelled, or another process has it
            session.rollback()
            return
        session.commit()
        run = session.get(OptimiserRun, run_id, populate_existing=True)
        assert run is not None
        criteria = CriteriaBody.model_validate(get_criteria(session, version=run.criteria_version).body)
        document, held, left_out = build_instance(session, criteria, as_of=today())
        time_limit = run.time_limit
    try:
        # The agreed matches only take capacity off the instance: the run proposes around
        # them and never judges them again (governance/carried.py).
        instance, exceeded = matching.residual(matching.parse_instance(document), held.commitments)
        result = matching.solve(instance, time_limit=time_limit,
                                progress=_progress_recorder(open_session, run_id))
    except RunCancelled:
        _finish(open_session, run_id, RunStatus.CANCELLED)
        return
    except RunTakenOver:
        log.warning("optimiser run %s was failed as interrupted by another process; "
                    "its result is dropped", run_id)
        return
    except Exception as error:  # the run must end in a visible state, whatever happened
        log.exception("optimiser run %s failed", run_id)
        _finish(open_session, run_id, RunStatus.FAILED, error=f"{type(error).__name__}: {error}")
        return
    with open_session() as session:
        if not _still_ours(session, run_id):
            log.warning("optimiser run %s was failed as interrupted by another process; "
                        "its result is dropped", run_id)
            return
        store_result(session, run_id, result, held.with_problems(exceeded), left_out)
        session.commit()
    analyse_unmet_demand(open_session, run_id, instance, result, time_limit)


def analyse_unmet_demand(open_session: OpenSession, run_id: int, instance: matching.Instance,
                         result: matching.Result, time_limit: float) -> None:
    """Re-solve the run with candidate additions (matching.demand) and store what they unlock.

    Runs after the proposals are stored, in its own transaction: the committee can already vote
    while it works, and a failure leaves the run DONE with an analysis that says it failed.
    """
    try:
        analysis = matching.demand.analyse(instance, result,
                                           time_limit=max(1.0, min(10.0, time_limit / 4)))
        stored: dict[str, Any] = demand_record(analysis)
    except Exception as error:  # the run itself succeeded; the analysis must not undo that
        log.exception("unmet-demand analysis of run %s failed", run_id)
        stored = {"error": f"{type(error).__name__}: {error}", "suggestions": [],
                  "candidates_tried": 0, "seconds": 0.0}
    stored["analysed_at"] = utcnow().isoformat()
    with open_session() as session:
        run = session.get(OptimiserRun, run_id, populate_existing=True)
        assert run is not None
        run.demand = stored
        session.add(run)
        session.commit()


def demand_record(analysis: matching.demand.DemandAnalysis) -> dict[str, Any]:
    """The analysis as stored on the run: database ids, dates as ISO strings."""
    return {
        "candidates_tried": analysis.candidates_tried,
        "seconds": round(analysis.seconds, 3),
        "error": None,
        "suggestions": [{
            "kind": s.addition.kind, "theme": s.addition.theme, "language": s.addition.language,
            "group": s.addition.group,
            "window": [d.isoformat() for d in s.addition.window] if s.addition.window else None,
            "budget": s.addition.budget, "requests": s.addition.requests,
            "offer": _pk(s.addition.offer) if s.addition.offer else None,
            "description": s.addition.description, "reach": s.reach,
            "newly_matched": [_pk(r) for r in s.newly_matched],
            "no_longer_matched": [_pk(r) for r in s.no_longer_matched],
            "score_gain": s.score_gain, "proven": s.proven,
        } for s in analysis.suggestions],
    }


def _still_ours(session: Session, run_id: int) -> bool:
    """Lock the run and check this process still runs it (nobody failed it meanwhile)."""
    run = session.get(OptimiserRun, run_id, populate_existing=True, with_for_update=True)
    return (run is not None and run.status == RunStatus.RUNNING
            and run.claimed_by == run_claims.this_process())


def _finish(open_session: OpenSession, run_id: int, status: RunStatus, error: str | None = None) -> None:
    with open_session() as session:
        if not _still_ours(session, run_id):
            return  # another process failed it as interrupted: its end is recorded already
        run = session.get(OptimiserRun, run_id)
        assert run is not None
        run.status = status
        run.error = error
        run.finished_at = utcnow()
        session.add(run)
        audit.record(session, actor_account_id=None, action=f"run.{status.lower()}",
                     subject_type="optimiser_run", subject_id=run_id, payload={"error": error})
        if status == RunStatus.FAILED:  # a cancelled run was stopped by the secretariat itself
            steps.run_finished(session, run)
        session.commit()


def _pk(opaque: str) -> int:
    return int(opaque[1:])


def store_result(session: Session, run_id: int, result: matching.Result,
                 carried_records: list[dict], left_out: list[dict]) -> None:
    """Proposals for the new matches (each put to the committee's vote), and the run's record
    (with the agreed matches it carried, `governance.carried`)."""
    run = session.get(OptimiserRun, run_id, populate_existing=True)
    assert run is not None
    system = Actor(account_id=run.started_by_id, role="SECRETARIAT", name="optimiser")  # type: ignore[arg-type]
    new = 0
    for match in result.matches:
        request = session.get(CapacityRequest, _pk(match.request))
        assert request is not None
        proposal = MatchProposal(run_id=run_id, request_id=request.id, offer_id=_pk(match.offer),  # type: ignore[arg-type]
                                 expert_ids=[_pk(e) for e in match.experts], value=match.value,
                                 fit=match.fit, explanation=match.explanation)
        session.add(proposal)
        requests_lifecycle.transition(request, RequestStatus.PROPOSED)
        session.add(request)
        session.flush()
        open_motion(session, kind=MotionKind.PROPOSAL, subject_id=proposal.id,  # type: ignore[arg-type]
                    criteria_version=run.criteria_version, actor=system)
        new += 1
    run.status = RunStatus.DONE
    run.solver_status = result.status.value
    run.score = result.score
    run.bound = result.bound
    run.seconds = round(result.seconds, 3)
    run.fairness = {g: {"requests": row.requests, "matched": row.matched, "floor": row.floor,
                        "shortfall": row.shortfall} for g, row in result.groups.items()}
    run.unmatched = [{"request": _pk(u.request), "reasons": list(u.reasons), "causes": list(u.causes)}
                     for u in result.unmatched] + left_out
    run.carried = carried_records
    run.finished_at = utcnow()
    session.add(run)
    audit.record(session, actor_account_id=None, action="run.done", subject_type="optimiser_run",
                 subject_id=run_id, payload={"status": run.solver_status, "score": run.score,
                                             "bound": run.bound, "proposals": new})
    steps.run_finished(session, run, proposals=new)


def fail_interrupted_runs(session: Session) -> int:
    """Runs left running by a worker that stopped can never finish: mark them failed. Runs
    another live worker is executing are left alone (governance/run_claims.py says when a run
    counts as interrupted), and so are queued runs, which wait for a worker to claim their job.
    The rows are locked first, so two workers at once fail each run once, and a run's owner
    cannot renew its heartbeat or finish it between the check and the change."""
    unfinished = session.exec(select(OptimiserRun).where(
        OptimiserRun.status == RunStatus.RUNNING)
        .with_for_update().execution_options(populate_existing=True))
    now = utcnow()
    stale = [run for run in unfinished if run_claims.interrupted(run, now)]
    for run in stale:
        run.status = RunStatus.FAILED
        run.error = "interrupted: the server stopped before the run finished; start a new run"
        run.finished_at = utcnow()
        session.add(run)
        audit.record(session, actor_account_id=None, action="run.failed",
                     subject_type="optimiser_run", subject_id=run.id, payload={"error": run.error})
        steps.run_finished(session, run)
    return len(stale)
