"""Imports every table so that SQLModel.metadata (Alembic's target) knows them all."""

from sqlalchemy import MetaData
from sqlmodel import SQLModel

from facility.audit import AuditEntry, AuditHead
from facility.auth.models import Account, ApiToken, LoginAttempt, Partner, WebSession
from facility.dialogue.models import ProgressUpdate, StatePageConsent
from facility.engagements.models import (
    DeploymentAnswer,
    Engagement,
    EngagementCareItem,
    EngagementChange,
    EngagementExpert,
    FollowUpReport,
)
from facility.experts.models import Expert, ExpertAvailability, ExpertCheck, ExpertTheme
from facility.funds.models import Fund, FundContribution
from facility.idempotency import IdempotencyRecord
from facility.jobs import Job
from facility.library.models import LibraryLink, LibraryResource
from facility.notifications.models import Notification
from facility.offers.models import Offer, OfferTheme
from facility.programmes.models import Programme, ProgrammeApplication, ProgrammeTheme
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
from facility.referrals.models import Referral
from facility.requests.models import CapacityRequest, RequestRecommendation, RequestTheme
from facility.semantic.models import RecommendationEmbedding
from facility.stories.models import SuccessStory
from governance.models import (
    CommitteeSeat,
    CriteriaSet,
    MatchProposal,
    Motion,
    OptimiserRun,
    ProposalExpert,
    Recusal,
    Screening,
    Vote,
)

__all__ = [
    "Account",
    "ApiToken",
    "AuditEntry",
    "AuditHead",
    "CapacityRequest",
    "CommitteeSeat",
    "CriteriaSet",
    "DeploymentAnswer",
    "Engagement",
    "EngagementCareItem",
    "EngagementChange",
    "EngagementExpert",
    "Expert",
    "ExpertAvailability",
    "ExpertCheck",
    "ExpertTheme",
    "FollowUpReport",
    "Fund",
    "FundContribution",
    "IdempotencyRecord",
    "Job",
    "LibraryLink",
    "LibraryResource",
    "LoginAttempt",
    "MatchProposal",
    "Motion",
    "Notification",
    "Offer",
    "OfferTheme",
    "OptimiserRun",
    "Partner",
    "Programme",
    "ProgrammeApplication",
    "ProgrammeTheme",
    "ProgressUpdate",
    "ProposalExpert",
    "Recommendation",
    "RecommendationEmbedding",
    "RecommendationSdg",
    "RecommendationTheme",
    "Recusal",
    "Referral",
    "RegionalGroup",
    "RequestRecommendation",
    "RequestTheme",
    "Screening",
    "SdgGoal",
    "SdgTarget",
    "State",
    "StateAlias",
    "StatePageConsent",
    "SuccessStory",
    "Theme",
    "ThemeAlias",
    "Vote",
    "WebSession",
]


def metadata() -> MetaData:
    """The metadata of every table (importing this module registers them all)."""
    return SQLModel.metadata
