"""An offer's lifecycle: drafted, published (visible to States, open to matching), closed
(never matched again; its engagements go on). Every status change goes through `transition`."""

from __future__ import annotations

from facility.lifecycle import Lifecycle
from facility.offers.models import OfferStatus as S

OFFER = Lifecycle("offer", {S.DRAFT: {S.PUBLISHED, S.CLOSED}, S.PUBLISHED: {S.CLOSED}})
transition = OFFER.move
