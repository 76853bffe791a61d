"""Reading engagements, recording their progress and amending their dates and experts."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from facility import audit, locking
from facility.auth import permissions
from facility.auth.actor import Actor
from facility.engagements import checklist, lifecycle
from facility.engagements.deployments import REASON_MAX_LENGTH, answers_by_engagement
from facility.engagements.models import (
    Engagement,
    EngagementChange,
    EngagementChangeKind,
    EngagementExpert,
    EngagementStatus,
    FollowUpReport,
    ReportKind,
)
from facility.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, Problems
from facility.experts.models import Expert
from facility.notifications import steps
from facility.requests import lifecycle as requests_lifecycle
from facility.requests.models import CapacityRequest, RequestStatus
from facility.validation import check_date, check_text


def get_engagement(session: Session, *, actor: Actor | None, engagement_id: int) -> Engagement:
    """The engagement, if this caller may see it."""
    engagement = permissions.find_visible(session, Engagement, engagement_id,
                                          permissions.engagement_visibility(actor))
    if engagement is None:
        raise NotFound(f"no engagement with id {engagement_id}")
    return engagement


def list_engagements(session: Session, *, actor: Actor | None, limit: int,
                     offset: int) -> tuple[list[Engagement], int]:
    """A page of the engagements this caller may see, newest first, and their total count."""
    condition = permissions.engagement_visibility(actor)
    total = session.exec(select(func.count()).select_from(Engagement).where(condition)).one()
    rows = session.exec(select(Engagement).where(condition)
                        # The teams and their experts, for the whole page in one statement.
                        .options(selectinload(Engagement.team).joinedload(EngagementExpert.expert))  # type: ignore[arg-type]
                        .order_by(Engagement.id.desc()).offset(offset).limit(limit)).all()  # type: ignore[union-attr]
    return list(rows), total


def changeable(session: Session, actor: Actor | None, engagement_id: int) -> Engagement:
    """The engagement, locked, if this caller records its progress and amends it."""
    engagement = get_engagement(session, actor=actor, engagement_id=engagement_id)
    if not permissions.can_record_engagement_progress(session, actor, engagement):
        raise PermissionDenied(
            "only the secretariat or the partner funding the engagement records its progress")
    return locking.lock(session, engagement)  # progress and amendments queue on the row


def record_progress(session: Session, *, actor: Actor | None, engagement_id: int,
                    status: EngagementStatus, reason: str = "") -> Engagement:
    """Move the engagement one step on, on its dates and with its team (lifecycle.check_step);
    completing it makes its two follow-up reports due."""
    engagement = changeable(session, actor, engagement_id)
    if not lifecycle.ENGAGEMENT.allows(engagement.status, status):
        raise InvalidTransition(f"an engagement {engagement.status} cannot become {status}")
    reason = (reason or "").strip()
    answers = answers_by_engagement(session, [engagement_id])[engagement_id]
    problems = Problems()
    if reason:
        check_text(problems, "reason", reason, max_length=REASON_MAX_LENGTH)
    care_missing = ([i.value for i in checklist.missing_for(session, engagement)]
                    if status == EngagementStatus.IN_PROGRESS else [])
    lifecycle.check_step(problems, engagement, status, answers, reason=reason,
                         by_secretariat=permissions.can_complete_without_acceptances(actor),
                         care_missing=care_missing)
    problems.raise_if_any()
    changes: dict[str, list] = {"status": [str(engagement.status), str(status)]}
    unanswered = lifecycle.not_accepted(engagement, answers) if status == EngagementStatus.COMPLETED else []
    if unanswered:  # the secretariat's override: who had not accepted, kept in the audit chain
        changes["overrideNotAccepted"] = unanswered
    lifecycle.transition(engagement, status)
    session.add(engagement)
    _log(session, actor, engagement, EngagementChangeKind.PROGRESS, changes, reason=reason)
    if status == EngagementStatus.COMPLETED:
        _complete(session, actor, engagement)
    session.flush()
    return engagement


def _complete(session: Session, actor: Actor | None, engagement: Engagement) -> None:
    request = session.get(CapacityRequest, engagement.request_id)
    assert request is not None
    requests_lifecycle.transition(request, RequestStatus.COMPLETED)
    session.add(request)
    for kind in ReportKind:
        report = FollowUpReport(engagement_id=engagement.id, kind=kind,  # type: ignore[arg-type]
                                due_date=lifecycle.due_date(engagement.end, kind))
        session.add(report)
        session.flush()
        audit.record(session, actor_account_id=actor.account_id,  # type: ignore[union-attr]
                     action="follow_up.due", subject_type="follow_up_report",
                     subject_id=report.id, payload={"engagement": engagement.id,
                                                    "kind": kind.value,
                                                    "due": report.due_date.isoformat()})


def amend_engagement(session: Session, *, actor: Actor | None, engagement_id: int,
                     reason: str, start: date | None = None, end: date | None = None,
                     expert_ids: list[int] | None = None,
                     expected_version: int | None = None) -> Engagement:
    """Change the dates or the experts deployed, with a reason; due dates follow a new end."""
    engagement = locking.check_version(session, changeable(session, actor, engagement_id),
                                       expected_version, what="engagement")
    problems = Problems()
    if not reason.strip():
        problems.add("reason", "required", "reason: say why the engagement is amended")
    new_start = start or engagement.start
    new_end = end or engagement.end
    in_range = [check_date(problems, field, day) for field, day in (("start", start), ("end", end))
                if day is not None]
    if all(in_range) and new_end < new_start:
        problems.add("end", "after_start", f"end: {new_end} is before start {new_start}")
    if expert_ids is not None:
        found = set(session.exec(select(Expert.id).where(Expert.id.in_(expert_ids))).all())  # type: ignore[union-attr]
        if any(i not in found for i in expert_ids):
            problems.add("expertIds", "exists", "expertIds: one of the experts does not exist")
        if len(set(expert_ids)) != len(expert_ids):
            problems.add("expertIds", "unique", "expertIds: an expert is named twice")
    problems.raise_if_any()

    changes: dict[str, list] = {}
    if new_start != engagement.start:
        changes["start"] = [engagement.start.isoformat(), new_start.isoformat()]
    if new_end != engagement.end:
        changes["end"] = [engagement.end.isoformat(), new_end.isoformat()]
    if expert_ids is not None and list(expert_ids) != list(engagement.expert_ids):
        changes["experts"] = [list(engagement.expert_ids), list(expert_ids)]
    if not changes:
        raise Conflict("the amendment changes nothing")
    joining = set(expert_ids or ()) - set(engagement.expert_ids)
    engagement.start, engagement.end = new_start, new_end
    if expert_ids is not None:
        engagement.set_team(expert_ids)
    session.add(engagement)
    if "end" in changes:
        _move_due_dates(session, engagement)
    _log(session, actor, engagement, EngagementChangeKind.AMENDMENT, changes, reason=reason.strip())
    session.flush()
    steps.deployment_to_answer(session, engagement, joining)  # those who join answer too
    return engagement


def _move_due_dates(session: Session, engagement: Engagement) -> None:
    # A report already submitted keeps the due date it was judged against.
    for report in session.exec(select(FollowUpReport).where(
            FollowUpReport.engagement_id == engagement.id,
            FollowUpReport.first_submitted_at.is_(None))):  # type: ignore[union-attr]
        report.due_date = lifecycle.due_date(engagement.end, report.kind)
        session.add(report)


def _log(session: Session, actor: Actor | None, engagement: Engagement,
         kind: EngagementChangeKind, changes: dict, *, reason: str) -> None:
    assert actor is not None
    session.add(EngagementChange(engagement_id=engagement.id, kind=kind, changes=changes,  # type: ignore[arg-type]
                                 reason=reason, account_id=actor.account_id))
    engagement.version += 1
    session.add(engagement)
    # The reason is free text and may name people: the audit payload keeps ids and values only.
    audit.record(session, actor_account_id=actor.account_id,
                 action=f"engagement.{'progress' if kind == EngagementChangeKind.PROGRESS else 'amended'}",
                 subject_type="engagement", subject_id=engagement.id, payload=changes)


def changes_of(session: Session, engagement_id: int) -> list[EngagementChange]:
    return list(session.exec(select(EngagementChange)
                             .where(EngagementChange.engagement_id == engagement_id)
                             .order_by(EngagementChange.id)).all())  # type: ignore[arg-type]


def engagements_by_id(session: Session, *, actor: Actor | None,
                      engagement_ids: list[int]) -> dict[int, Engagement]:
    """The engagements with these ids that the caller may see, in one statement."""
    if not engagement_ids:
        return {}
    rows = session.exec(select(Engagement).where(
        permissions.engagement_visibility(actor), Engagement.id.in_(set(engagement_ids)))).all()  # type: ignore[union-attr]
    return {e.id: e for e in rows}  # type: ignore[misc]
