"""The confirmation step before an engagement's progress is recorded, shared by the partner
whose offer funds it and the secretariat.

"Mark as started" and "Mark as completed" open a page that says what the step does and what it
needs (facility.engagements.lifecycle: the dates, the team's answers); the step is recorded
only from that page's form. The secretariat's form also takes the reason it records when it
completes an engagement whose experts have not all accepted (an override, audited).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session
from starlette.datastructures import FormData

from facility.auth import permissions
from facility.auth.actor import Actor
from facility.engagements import checklist, deployments, lifecycle
from facility.engagements import service as engagements
from facility.engagements.models import Engagement, EngagementStatus
from facility.errors import Conflict, NotFound, ValidationFailed
from facility.requests import service as requests
from facility.web.actions import visible, write
from facility.web.deps import PageError
from facility.web.formdata import problem_messages
from facility.web.i18n import gettext_for
from facility.web.labels import LABELS
from facility.web.templating import render

# The word of each step in the page's address and its notice.
STEP_WORDS = {EngagementStatus.IN_PROGRESS: "started", EngagementStatus.COMPLETED: "completed"}


def step_named(request: Request, raw: str | None) -> EngagementStatus:
    """The step a form or link asks for, or a 400 page."""
    for status in STEP_WORDS:
        if raw == status.value:
            return status
    _ = gettext_for(request)
    raise PageError(400, _("This cannot be done"), _("Choose one of the progress steps offered."))


def blocker_messages(request: Request, db: Session, engagement: Engagement,
                     status: EngagementStatus, answers: list, *,
                     by_secretariat: bool) -> dict[str, str]:
    """What stops the step today, by rule, in the page's language."""
    _ = gettext_for(request)
    missing = len(lifecycle.not_accepted(engagement, answers))
    total = len(engagement.expert_ids)
    care = ([i.value for i in checklist.missing(checklist.done_by_engagement(
        db, [engagement.id])[engagement.id])]  # type: ignore[list-item, index]
        if status == EngagementStatus.IN_PROGRESS else [])
    words = {
        lifecycle.DUTY_OF_CARE: _("The duty-of-care checklist is not complete (missing: "
                                  "%(items)s). The partner funding the engagement completes it "
                                  "before the team deploys.")
        % {"items": ", ".join(_(LABELS[f"CARE_{i}"]) for i in care)},
        lifecycle.BEFORE_START: _("The engagement starts on %(day)s: it can be marked as started "
                                  "from that day.") % {"day": engagement.start.isoformat()},
        lifecycle.BEFORE_END: _("The engagement ends on %(day)s: it can be marked as completed from "
                                "that day, not before, since completion makes its follow-up "
                                "reports due.") % {"day": engagement.end.isoformat()},
        lifecycle.NOT_ACCEPTED: (
            _("Not every expert deployed has accepted (%(missing)s of %(total)s have not). To "
              "complete the engagement all the same, give the reason: it is recorded in the "
              "engagement's history and the audit log.") if by_secretariat else
            _("Every expert deployed must accept the deployment before the engagement is "
              "completed (%(missing)s of %(total)s have not). Replace an expert who declined, or "
              "ask the secretariat, who may complete it with a reason."))
        % {"missing": missing, "total": total},
    }
    return {rule: words[rule] for rule in lifecycle.step_blockers(engagement, status, answers,
                                                                  care_missing=care)}


def confirm_page(request: Request, db: Session, actor: Actor, engagement_id: int,
                 raw_status: str | None, *, back: str, not_found: PageError,
                 errors: list[tuple[str, str]] | None = None, reason: str = "",
                 status_code: int = 200) -> Response:
    """The page that asks to confirm a step, or says what it still needs."""
    engagement = visible(lambda: engagements.get_engagement(db, actor=actor,
                                                            engagement_id=engagement_id), not_found)
    status = step_named(request, raw_status)
    if lifecycle.NEXT_STATUS.get(engagement.status) != status:
        raise _stale(request)
    by_secretariat = permissions.can_complete_without_acceptances(actor)
    answers = deployments.answers_by_engagement(db, [engagement_id])[engagement_id]
    blockers = blocker_messages(request, db, engagement, status, answers,
                                by_secretariat=by_secretariat)
    found = requests.requests_by_id(db, actor=actor, request_ids=[engagement.request_id])
    context: dict[str, Any] = {
        "engagement": engagement, "status": status, "word": STEP_WORDS[status],
        "request_row": found.get(engagement.request_id), "back": back,
        "action": request.url.path,
        "accepted": len(engagement.expert_ids) - len(lifecycle.not_accepted(engagement, answers)),
        "blockers": blockers, "errors": errors or [], "reason": reason,
        # The secretariat may record a reason in place of the missing answers; never the dates.
        "asks_reason": by_secretariat and set(blockers) == {lifecycle.NOT_ACCEPTED},
        "COMPLETED": EngagementStatus.COMPLETED,
    }
    return render(request, "engagements/confirm_step.html", context, status_code=status_code)


def record_step(request: Request, form: FormData, db: Session, actor: Actor, engagement_id: int,
                *, back: str, not_found: PageError) -> Response:
    """Record the step confirmed on its page; a refusal shows the page again with why."""
    visible(lambda: engagements.get_engagement(db, actor=actor, engagement_id=engagement_id),
            not_found)
    raw, reason = form.get("status"), str(form.get("reason") or "")
    status = step_named(request, raw if isinstance(raw, str) else None)
    _ = gettext_for(request)

    def again(failure: ValidationFailed) -> Response:
        answers = deployments.answers_by_engagement(db, [engagement_id])[engagement_id]
        engagement = engagements.get_engagement(db, actor=actor, engagement_id=engagement_id)
        said = blocker_messages(request, db, engagement, status, answers,
                                by_secretariat=permissions.can_complete_without_acceptances(actor))
        said["secretariat_only"] = _("Reason: only the secretariat completes an engagement "
                                     "with a reason.")
        labels = {"reason": _("Reason for completing without every expert's acceptance")}
        # A missing reason is the secretariat's to give: its error links to the reason's box.
        errors = [("reason" if p.rule == lifecycle.NOT_ACCEPTED
                   and permissions.can_complete_without_acceptances(actor)
                   else p.field, said[p.rule]) if p.rule in said else
                  problem_messages(_, ValidationFailed([p]), labels)[0] for p in failure.problems]
        return confirm_page(request, db, actor, engagement_id, status.value, back=back,
                            not_found=not_found, errors=errors, reason=reason, status_code=422)

    return write(db, lambda: engagements.record_progress(
        db, actor=actor, engagement_id=engagement_id, status=status, reason=reason),
        done=f"{back}?done={STEP_WORDS[status]}", answers={
            ValidationFailed: again,
            NotFound: lambda _n: not_found,
            Conflict: lambda _c: _stale(request)})


def _stale(request: Request) -> PageError:
    _ = gettext_for(request)
    return PageError(409, _("This cannot be done now"), _(
        "This step cannot be recorded now: the engagement is no longer at the step before it. "
        "Reload the page to see where it stands."))
