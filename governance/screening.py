"""Screening: the automatic check of a request against the criteria in force, and the vote it opens."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlmodel import Session, col, select

from facility import audit, locking
from facility.auth.actor import Actor
from facility.errors import Conflict, NotFound
from facility.reference.models import Recommendation, counts_as_supported
from facility.requests.models import CapacityRequest, RequestRecommendation, RequestStatus
from governance.committee import require_secretariat
from governance.criteria import CriteriaBody, body_in_force
from governance.models import MotionKind, Screening, motion_open_for
from governance.motions import open_motion


@dataclass(frozen=True)
class FailedClause:
    clause: str  # e.g. "eligibility.budget_ceiling"
    message: str


def check_request(request: CapacityRequest, recommendations: list[Recommendation],
                  criteria: CriteriaBody) -> list[FailedClause]:
    """Every eligibility clause the request fails (empty: it meets them all)."""
    rules = criteria.eligibility
    failed: list[FailedClause] = []
    if rules.require_supported:
        noted = sorted(r.source_id for r in recommendations if not counts_as_supported(
            r.response, without_position=rules.without_position_supported))
        if noted:
            failed.append(FailedClause("eligibility.require_supported",
                                       f"linked recommendations not supported by the State: "
                                       f"{', '.join(noted)}"))
    if rules.budget_ceiling is not None and request.budget > rules.budget_ceiling:
        failed.append(FailedClause("eligibility.budget_ceiling",
                                   f"budget {request.budget:,} is above the ceiling of "
                                   f"{rules.budget_ceiling:,}"))
    if not rules.min_weeks <= request.weeks <= rules.max_weeks:
        failed.append(FailedClause("eligibility.duration",
                                   f"mission of {request.weeks} weeks is outside "
                                   f"{rules.min_weeks} to {rules.max_weeks} weeks"))
    if request.experts_needed > rules.max_experts:
        failed.append(FailedClause("eligibility.max_experts",
                                   f"{request.experts_needed} experts requested; at most "
                                   f"{rules.max_experts}"))
    refused = sorted(set(request.support_kinds) - {k.value for k in rules.accepted_kinds})
    if refused:
        failed.append(FailedClause("eligibility.accepted_kinds",
                                   f"kinds of support not accepted: {', '.join(refused)}"))
    return failed


def foreseen_failures(session: Session, request: CapacityRequest,
                      recommendations: list[Recommendation]) -> list[FailedClause]:
    """The clauses of the criteria in force that screening would fail the request on, told to
    the State while it can still change the draft (the same rule as screening itself)."""
    _version, criteria = body_in_force(session)
    return check_request(request, recommendations, criteria)


def open_screening(session: Session, *, actor: Actor | None, request_id: int) -> Screening:
    """Check a submitted request against the criteria in force and put it to the committee's vote."""
    actor = require_secretariat(actor, "open screenings")
    request = session.get(CapacityRequest, request_id)
    if request is None or request.submitted_at is None:
        raise NotFound(f"no submitted request with id {request_id}")
    locking.lock(session, request)  # two screenings opened at once: the second sees the first
    if request.status != RequestStatus.SUBMITTED:
        raise Conflict(f"only a submitted request can be screened; this one is {request.status}")
    if motion_open_for(session, MotionKind.SCREENING, request_id):
        raise Conflict("this request is already being screened")
    version, criteria = body_in_force(session)
    recommendations = list(session.exec(
        select(Recommendation).join(RequestRecommendation,
                                    col(RequestRecommendation.recommendation_id) == Recommendation.id)
        .where(RequestRecommendation.request_id == request_id)))
    failed = check_request(request, recommendations, criteria)
    motion = open_motion(session, kind=MotionKind.SCREENING, subject_id=request_id,
                         criteria_version=version, actor=actor)
    screening = Screening(request_id=request_id, criteria_version=version,
                          failed_clauses=[asdict(f) for f in failed], motion_id=motion.id)  # type: ignore[arg-type]
    session.add(screening)
    session.flush()
    audit.record(session, actor_account_id=actor.account_id, action="screening.opened",
                 subject_type="capacity_request", subject_id=request_id,
                 payload={"motion": motion.id, "criteria_version": version,
                          "failed_clauses": [f.clause for f in failed]})
    return screening


def latest_screening(session: Session, *, actor: Actor | None,
                     request: CapacityRequest) -> Screening | None:
    """The request's latest screening, if the caller may see screenings of it (1 statement)."""
    from facility.auth import permissions

    if not permissions.can_view_screening(actor, request):
        return None
    return session.exec(select(Screening).where(Screening.request_id == request.id)
                        .order_by(col(Screening.id).desc())).first()
