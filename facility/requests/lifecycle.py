"""A request's lifecycle (docs/governance.md): which status may follow which. Every status
change goes through `transition`, which also bumps the row version."""

from __future__ import annotations

from facility.lifecycle import Lifecycle
from facility.requests.models import RequestStatus as S

# "withdrawn from any state before active": every status before ACTIVE may go to WITHDRAWN.
REQUEST = Lifecycle("request", {
    S.DRAFT: {S.SUBMITTED, S.WITHDRAWN},
    S.SUBMITTED: {S.ELIGIBLE, S.INELIGIBLE, S.WITHDRAWN},  # screened
    S.INELIGIBLE: {S.SUBMITTED, S.WITHDRAWN},  # revised and resubmitted
    S.ELIGIBLE: {S.PROPOSED, S.WITHDRAWN},  # an optimiser run proposes a match
    # The committee approves the proposal, or rejects it (the request waits for the next run).
    S.PROPOSED: {S.APPROVED, S.ELIGIBLE, S.WITHDRAWN},
    # Both sides confirm (an engagement starts), or one declines (back to the next run).
    S.APPROVED: {S.ACTIVE, S.ELIGIBLE, S.WITHDRAWN},
    S.ACTIVE: {S.COMPLETED},
    S.COMPLETED: {S.CLOSED},
})
transition = REQUEST.move

# Until the committee has screened it, the State may still revise its request; an ineligible
# request may be revised and resubmitted.
EDITABLE = frozenset({S.DRAFT, S.SUBMITTED, S.INELIGIBLE})
SUBMITTABLE = REQUEST.before(S.SUBMITTED)
WITHDRAWABLE = REQUEST.before(S.WITHDRAWN)
