"""Which request statuses allow which actions (docs/governance.md)."""

from facility.requests.models import RequestStatus as S

# Until the committee has screened it, the State may still revise its request; an ineligible
# request may be revised and resubmitted.
EDITABLE = frozenset({S.DRAFT, S.SUBMITTED, S.INELIGIBLE})
SUBMITTABLE = frozenset({S.DRAFT, S.INELIGIBLE})
# "withdrawn from any state before active"
WITHDRAWABLE = frozenset({S.DRAFT, S.SUBMITTED, S.ELIGIBLE, S.INELIGIBLE, S.PROPOSED, S.APPROVED})
