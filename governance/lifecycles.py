"""The lifecycles of the committee's objects: match proposals, criteria versions, motions.
Every status change goes through one of these (facility.lifecycle)."""

from __future__ import annotations

from facility.lifecycle import Lifecycle
from governance.models import CriteriaStatus as C
from governance.models import MotionStatus as M
from governance.models import ProposalStatus as P

# Voted on; then, once approved, confirmed by both sides or declined by one.
PROPOSAL = Lifecycle("proposal", {P.PROPOSED: {P.APPROVED, P.REJECTED},
                                  P.APPROVED: {P.CONFIRMED, P.DECLINED}},
                     version=None, touched=None)
# A draft is adopted (in force) or rejected by vote; adopting one supersedes the one in force.
# (A criteria set's `version` is its number, not a row version: drafts carry `row_version`.)
CRITERIA = Lifecycle("criteria version", {C.DRAFT: {C.IN_FORCE, C.REJECTED},
                                          C.IN_FORCE: {C.SUPERSEDED}},
                     version=None, touched=None)
MOTION = Lifecycle("motion", {M.OPEN: {M.PASSED, M.FAILED}}, version=None, touched=None)
