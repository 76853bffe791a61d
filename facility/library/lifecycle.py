"""A library resource's lifecycle: submitted for review, then published or returned."""

from __future__ import annotations

from facility.library.models import ResourceStatus as S
from facility.lifecycle import Lifecycle

RESOURCE = Lifecycle("library resource", {
    S.DRAFT: {S.SUBMITTED},
    S.SUBMITTED: {S.PUBLISHED, S.RETURNED},
    S.RETURNED: {S.SUBMITTED},
})
