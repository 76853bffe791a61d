"""Imports every table so that SQLModel.metadata (Alembic's target) knows them all."""

from facility.auth.models import Account, ApiToken, Partner
from facility.experts.models import Expert, ExpertAvailability, ExpertTheme
from facility.idempotency import IdempotencyRecord
from facility.offers.models import Offer, OfferTheme
from facility.reference.models import (
    Recommendation,
    RecommendationSdg,
    RecommendationTheme,
    RegionalGroup,
    SdgGoal,
    SdgTarget,
    State,
    StateAlias,
    Theme,
    ThemeAlias,
)
from facility.requests.models import CapacityRequest, RequestRecommendation, RequestTheme

__all__ = [
    "Account", "ApiToken", "CapacityRequest", "Expert", "ExpertAvailability", "ExpertTheme",
    "IdempotencyRecord", "Offer", "OfferTheme", "Partner", "Recommendation", "RecommendationSdg",
    "RecommendationTheme", "RegionalGroup", "RequestRecommendation", "RequestTheme", "SdgGoal",
    "SdgTarget", "State", "StateAlias", "Theme", "ThemeAlias",
]
