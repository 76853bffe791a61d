"""Engagement progress steps, what each needs, and when follow-up reports fall due.

A step follows the calendar and the team: an engagement starts on or after its start date,
once its partner has completed the duty-of-care checklist (facility/engagements/duty_of_care.py);
it completes on or after its end date, and only when every deployed expert accepted. The
secretariat alone may complete it without those answers, with a reason it records (an
override, audited). No one completes an engagement before its end: completion makes the
follow-up reports due, so a premature one would set wrong due dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from facility.engagements.models import (
    DeploymentAnswer,
    DeploymentAnswerChoice,
    Engagement,
    FollowUpReport,
    ReportKind,
    ReportStatus,
)
from facility.engagements.models import EngagementStatus as E
from facility.errors import Problems
from facility.lifecycle import Lifecycle
from facility.timeutil import add_months, today

# Progress moves one step at a time; nothing goes back. The engagement's version is bumped by
# the change record every step and amendment writes (service._log), not here.
ENGAGEMENT = Lifecycle("engagement", {E.SCHEDULED: {E.IN_PROGRESS}, E.IN_PROGRESS: {E.COMPLETED}},
                       version=None, touched=None)
transition = ENGAGEMENT.move
NEXT_STATUS = {status: next(iter(after)) for status, after in ENGAGEMENT.steps.items()}

# Why a step cannot be taken yet (the `rule` of the error on the field `status`).
BEFORE_START, BEFORE_END, NOT_ACCEPTED = "on_or_after_start", "on_or_after_end", "experts_accepted"
DUTY_OF_CARE = "duty_of_care"


def not_accepted(engagement: Engagement, answers: Iterable[DeploymentAnswer]) -> list[int]:
    """The deployed experts who have not accepted (not answered, or declined)."""
    accepted = {a.expert_id for a in answers if a.answer == DeploymentAnswerChoice.ACCEPTED}
    return [i for i in engagement.expert_ids if i not in accepted]


def step_blockers(engagement: Engagement, status: E, answers: Iterable[DeploymentAnswer],
                  on: date | None = None, *, care_missing: Iterable[str] = ()) -> list[str]:
    """Why `status` cannot be recorded on `on` (rules above); empty when it can.
    `care_missing`: the duty-of-care items not done yet (facility/engagements/checklist.py)."""
    on = on or today()
    if status == E.IN_PROGRESS:
        blockers = [BEFORE_START] if on < engagement.start else []
        return blockers + ([DUTY_OF_CARE] if list(care_missing) else [])
    blockers = [BEFORE_END] if on < engagement.end else []
    if status == E.COMPLETED and not_accepted(engagement, answers):
        blockers.append(NOT_ACCEPTED)
    return blockers


def check_step(problems: Problems, engagement: Engagement, status: E,
               answers: list[DeploymentAnswer], *, reason: str, by_secretariat: bool,
               care_missing: Sequence[str] = ()) -> None:
    """Add the problems that stop this step; a secretariat reason overrides missing answers
    (never the dates, never the duty of care)."""
    if reason and not by_secretariat:
        problems.add("reason", "secretariat_only",
                     "reason: only the secretariat records a step with a reason")
    for blocker in step_blockers(engagement, status, answers, care_missing=care_missing):
        if blocker == DUTY_OF_CARE:
            problems.add("status", DUTY_OF_CARE, "status: the duty-of-care checklist is not "
                         f"complete; missing: {', '.join(care_missing)}. The partner funding "
                         "the engagement completes it before the team deploys")
        elif blocker == BEFORE_START:
            problems.add("status", BEFORE_START, f"status: the engagement starts on "
                         f"{engagement.start.isoformat()}; it can be marked as started from that day")
        elif blocker == BEFORE_END:
            problems.add("status", BEFORE_END, f"status: the engagement ends on "
                         f"{engagement.end.isoformat()}; it can be marked as completed from that day")
        elif not (by_secretariat and reason):
            missing = len(not_accepted(engagement, answers))
            problems.add("status", NOT_ACCEPTED, f"status: every deployed expert must accept the "
                         f"deployment before completion ({missing} of {len(engagement.expert_ids)} "
                         f"have not); otherwise the secretariat completes it with a reason")


REPORT_MONTHS = {ReportKind.TWELVE_MONTHS: 12, ReportKind.TWENTY_FOUR_MONTHS: 24}


def due_date(end: date, kind: ReportKind) -> date:
    return add_months(end, REPORT_MONTHS[kind])


def report_status(report: FollowUpReport, on: date | None = None) -> ReportStatus:
    """SUBMITTED once any version was submitted; else DUE until the due date, then OVERDUE."""
    if report.first_submitted_at is not None:
        return ReportStatus.SUBMITTED
    return ReportStatus.OVERDUE if (on or today()) > report.due_date else ReportStatus.DUE
