"""Replacing one expert of an engagement's team, as the funding partner does when an expert
declines their deployment (engagements.deployments).

The partner picks the replacement from its own roster: experts it nominated who consent to
MATCHING (the optimiser's rule for proposing anyone, experts.consent.matchable), who have not
ruled out working for the State concerned, who are not on the team already, whose availability
windows cover the engagement's dates, and who are not already on as many other open engagements
at those dates as they take at a time (`max_assignments`, as the optimiser counts them). The
change itself is an amendment (`service.amend_engagement`): versioned, reasoned and audited there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from facility import locking
from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.engagements import service
from facility.engagements.models import Engagement, EngagementStatus
from facility.errors import Conflict, Problems
from facility.experts import consent
from facility.experts import service as experts
from facility.experts.models import Expert
from facility.requests.models import CapacityRequest


def own_roster(session: Session, *, actor: Actor | None) -> list[Expert]:
    """The partner's experts who may be deployed (consenting to MATCHING), by name, in one
    statement; nobody for other callers."""
    if actor is None or actor.role != Role.PARTNER:
        return []
    return list(session.exec(select(Expert).where(
        Expert.partner_id == actor.partner_id, consent.matchable())
        .order_by(col(Expert.name), col(Expert.id))).all())


@dataclass(frozen=True)
class Schedule:
    """When experts can work and where they already do: their availability windows, and the
    dates of the open (not completed) engagements each is on."""

    windows: dict[int, list[tuple[date, date]]]
    booked: dict[int, list[tuple[int, date, date]]]  # expert -> (engagement id, start, end)


def schedule_of(session: Session, expert_ids: list[int]) -> Schedule:
    """The schedule of these experts, in two statements whatever their number."""
    wanted = set(expert_ids)
    booked: dict[int, list[tuple[int, date, date]]] = {i: [] for i in wanted}
    if wanted:
        for engagement_id, team, start, end in session.exec(
                select(col(Engagement.id), col(Engagement.expert_ids), col(Engagement.start),
                       col(Engagement.end))
                .where(Engagement.status != EngagementStatus.COMPLETED)):
            for expert_id in set(team) & wanted:
                booked[expert_id].append((engagement_id, start, end))
    return Schedule(windows=dict(experts.availability_by_expert(session, list(wanted))) if wanted
                    else {}, booked=booked)


def _covers(windows: list[tuple[date, date]], start: date, end: date) -> bool:
    """Whether the windows, joined where one ends the day before the next starts, hold
    start..end."""
    reach = None  # the last day covered so far from `start` on
    for first, last in sorted(windows):
        if reach is None:
            if first <= start <= last:
                reach = last
        elif first <= reach + timedelta(days=1):
            reach = max(reach, last)
        if reach is not None and reach >= end:
            return True
    return False


def problem_with(expert: Expert, engagement: Engagement, state_code: str,
                 schedule: Schedule) -> str | None:
    """The rule a roster expert fails to join this engagement's team, or None when they may."""
    if expert.id in engagement.expert_ids:
        return "on_team"
    if state_code in expert.conflict_states:
        return "conflict_state"
    if not _covers(schedule.windows.get(expert.id, []), engagement.start, engagement.end):  # type: ignore[arg-type]
        return "available"
    elsewhere = [b for b in schedule.booked.get(expert.id, [])  # type: ignore[arg-type]
                 if b[0] != engagement.id and b[1] <= engagement.end and engagement.start <= b[2]]
    if len(elsewhere) >= expert.max_assignments:
        return "max_assignments"
    return None


def fits_team(expert: Expert, engagement: Engagement, state_code: str, schedule: Schedule) -> bool:
    """Whether a roster expert may join this engagement's team (see the module's docstring)."""
    return problem_with(expert, engagement, state_code, schedule) is None


def can_replace(engagement: Engagement) -> bool:
    """Deployments are answered until the engagement is completed; so the team changes."""
    return engagement.status != EngagementStatus.COMPLETED


def replace_expert(session: Session, *, actor: Actor | None, engagement_id: int, leaving_id: int | None,
                   joining_id: int | None, reason: str, expected_version: int | None) -> Engagement:
    """Put `joining_id` in the place of `leaving_id` on the team (same position), with a
    reason. A stale `expected_version` is a Conflict before anything else is judged."""
    engagement = locking.check_version(session, service.changeable(session, actor, engagement_id),
                                       expected_version, what="engagement")
    if not can_replace(engagement):
        raise Conflict("the engagement is completed: its team can no longer change")
    request = session.get(CapacityRequest, engagement.request_id)
    assert request is not None
    roster = {e.id: e for e in own_roster(session, actor=actor)}
    problems = Problems()
    if leaving_id not in engagement.expert_ids:
        problems.add("leaving", "on_team", "leaving: choose a member of the team")
    if joining_id is None:
        problems.add("joining", "required", "joining: choose the expert who takes the place")
    elif joining_id in engagement.expert_ids:
        problems.add("joining", "on_team", "joining: this expert is on the team already")
    elif joining_id not in roster:
        problems.add("joining", "own_roster",
                     "joining: choose one of your own experts who consent to matching")
    elif rule := problem_with(roster[joining_id], engagement, request.state_code,
                              schedule_of(session, [joining_id])):
        problems.add("joining", rule, {
            "conflict_state": "joining: this expert does not work for the State concerned",
            "available": f"joining: this expert is not available from {engagement.start} to "
                         f"{engagement.end}",
            "max_assignments": "joining: this expert is already on as many engagements at "
                               "those dates as they take at a time",
        }[rule])
    if not reason.strip():
        # amend_engagement refuses it too; said here as well so one answer lists every problem.
        problems.add("reason", "required", "reason: say why the engagement is amended")
    problems.raise_if_any()
    team = [joining_id if i == leaving_id else i for i in engagement.expert_ids]
    return service.amend_engagement(session, actor=actor, engagement_id=engagement_id,
                                    reason=reason, expert_ids=team,  # type: ignore[arg-type]
                                    expected_version=expected_version)
