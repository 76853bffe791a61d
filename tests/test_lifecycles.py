"""Every status change goes through its lifecycle: the tables allow the documented steps, refuse
the others without touching the object, bump the version, and no code sets a status by hand."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest

from facility.engagements.lifecycle import ENGAGEMENT, NEXT_STATUS
from facility.engagements.models import EngagementStatus
from facility.errors import Conflict, InvalidTransition
from facility.offers.lifecycle import OFFER
from facility.offers.models import OfferStatus
from facility.requests.lifecycle import REQUEST, SUBMITTABLE, WITHDRAWABLE
from facility.requests.models import RequestStatus as R
from facility.stories.lifecycle import STORY
from facility.stories.models import StoryStatus
from governance.lifecycles import CRITERIA, MOTION, PROPOSAL
from governance.models import ProposalStatus

ROOT = Path(__file__).resolve().parents[1]


def _request(status: R) -> SimpleNamespace:
    return SimpleNamespace(status=status, version=3, updated_at=None)


def test_a_request_goes_through_its_year_step_by_step() -> None:
    request = _request(R.DRAFT)
    for step in (R.SUBMITTED, R.ELIGIBLE, R.PROPOSED, R.APPROVED, R.ACTIVE, R.COMPLETED):
        REQUEST.move(request, step)
        assert request.status == step
    assert request.version == 9
    assert request.updated_at is not None


@pytest.mark.parametrize(("current", "to"), [
    (R.DRAFT, R.ELIGIBLE),  # screening needs a submission first
    (R.SUBMITTED, R.PROPOSED),  # a run proposes only screened, eligible requests
    (R.ACTIVE, R.WITHDRAWN),  # "withdrawn from any state before active"
    (R.WITHDRAWN, R.SUBMITTED),
    (R.COMPLETED, R.ACTIVE),
])
def test_a_step_the_lifecycle_does_not_allow_is_refused_and_changes_nothing(current: R, to: R) -> None:
    request = _request(current)
    with pytest.raises(InvalidTransition) as refused:
        REQUEST.move(request, to)
    assert isinstance(refused.value, Conflict)  # clients see a Conflict, as before
    assert str(current) in refused.value.message and str(to) in refused.value.message
    assert (request.status, request.version, request.updated_at) == (current, 3, None)


def test_withdrawal_and_submission_follow_from_the_table() -> None:
    assert {R.DRAFT, R.SUBMITTED, R.ELIGIBLE, R.INELIGIBLE, R.PROPOSED, R.APPROVED} == WITHDRAWABLE
    assert {R.DRAFT, R.INELIGIBLE} == SUBMITTABLE


def test_the_other_lifecycles() -> None:
    assert OFFER.allows(OfferStatus.DRAFT, OfferStatus.PUBLISHED)
    assert not OFFER.allows(OfferStatus.CLOSED, OfferStatus.PUBLISHED)
    assert NEXT_STATUS == {EngagementStatus.SCHEDULED: EngagementStatus.IN_PROGRESS,
                           EngagementStatus.IN_PROGRESS: EngagementStatus.COMPLETED}
    assert not ENGAGEMENT.allows(EngagementStatus.COMPLETED, EngagementStatus.IN_PROGRESS)
    assert PROPOSAL.before(ProposalStatus.DECLINED) == {ProposalStatus.APPROVED}
    assert not STORY.allows(StoryStatus.DECLINED, StoryStatus.PUBLISHED)
    assert CRITERIA.steps and MOTION.steps
    proposal = SimpleNamespace(status=ProposalStatus.PROPOSED)
    PROPOSAL.move(proposal, ProposalStatus.APPROVED)  # proposals carry no row version
    assert proposal.status == ProposalStatus.APPROVED


# Optimiser runs and queued jobs are the exceptions: their status follows the workers' claims
# (locked or conditional updates that decide which process runs them), not a user's step.
EXEMPT = {"facility/lifecycle.py", "facility/jobs.py", "governance/runs.py",
          "governance/run_claims.py"}


def test_no_code_sets_a_status_except_through_a_lifecycle() -> None:
    found = []
    for package in ("facility", "governance"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative in EXEMPT:
                continue
            for node in ast.walk(ast.parse(path.read_text(), relative)):
                if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for target in targets:
                        if isinstance(target, ast.Attribute) and target.attr == "status":
                            found.append(f"{relative}:{node.lineno}")
    assert not found, "status set outside its lifecycle: " + ", ".join(found)
