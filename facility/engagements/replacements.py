"""Replacing one expert of an engagement's team, as the funding partner does when an expert
declines their deployment (engagements.deployments).

The partner picks the replacement from its own roster: experts it nominated who consent to
MATCHING (the optimiser's rule for proposing anyone, experts.consent.matchable), who have not
ruled out working for the State concerned, and who are not on the team already. The change
itself is an amendment (`service.amend_engagement`): versioned, reasoned and audited there.
"""

from __future__ import annotations

from sqlmodel import Session, select

from facility import locking
from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.engagements import service
from facility.errors import Conflict, Problems
from facility.experts import consent
from facility.experts.models import Expert
from facility.requests.models import CapacityRequest
from governance.models import Engagement, EngagementStatus


def own_roster(session: Session, *, actor: Actor | None) -> list[Expert]:
    """The partner's experts who may be deployed (consenting to MATCHING), by name, in one
    statement; nobody for other callers."""
    if actor is None or actor.role != Role.PARTNER:
        return []
    return list(session.exec(select(Expert).where(
        Expert.partner_id == actor.partner_id, consent.matchable())
        .order_by(Expert.name, Expert.id)).all())  # type: ignore[arg-type]


def fits_team(expert: Expert, engagement: Engagement, state_code: str) -> bool:
    """Whether a roster expert may join this engagement's team (see the module's docstring)."""
    return expert.id not in engagement.expert_ids and state_code not in expert.conflict_states


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
    elif not fits_team(roster[joining_id], engagement, request.state_code):
        problems.add("joining", "conflict_state",
                     "joining: this expert does not work for the State concerned")
    if not reason.strip():
        # amend_engagement refuses it too; said here as well so one answer lists every problem.
        problems.add("reason", "required", "reason: say why the engagement is amended")
    problems.raise_if_any()
    team = [joining_id if i == leaving_id else i for i in engagement.expert_ids]
    return service.amend_engagement(session, actor=actor, engagement_id=engagement_id,
                                    reason=reason, expert_ids=team,  # type: ignore[arg-type]
                                    expected_version=expected_version)
