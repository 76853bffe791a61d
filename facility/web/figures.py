"""The public figures of the home page, each in one grouped statement.

Public figures count only what left the State's hands: submitted requests (never drafts,
never a request withdrawn before submission). Follow-up compliance is the public statistic's
(facility/statistics), counted by the one rule in facility/engagements/compliance.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from facility.engagements.models import Engagement
from facility.offers.models import Offer, OfferStatus
from facility.reference.models import Recommendation, RegionalGroup, State
from facility.requests.models import CapacityRequest, RequestStatus
from facility.statistics import service as statistics


@dataclass(frozen=True)
class GroupFigure:
    code: str
    name: str
    requests: int
    funded: int  # requests with an engagement

    @property
    def funded_share(self) -> float:
        return self.funded / self.requests if self.requests else 0.0


@dataclass(frozen=True)
class Compliance:
    on_time: int
    late: int
    overdue: int
    not_yet_due: int

    @property
    def due(self) -> int:
        return self.on_time + self.late + self.overdue


@dataclass(frozen=True)
class HomeFigures:
    recommendations: int
    states_with_recommendations: int
    published_offers: int
    groups: list[GroupFigure]
    compliance: Compliance


def _submitted():
    return col(CapacityRequest.submitted_at).is_not(None) & (
        CapacityRequest.status != RequestStatus.WITHDRAWN)


def requests_by_group(session: Session) -> list[GroupFigure]:
    """Submitted requests and funded requests (with an engagement) per regional group."""
    funded = (select(Engagement.request_id).distinct()).subquery()
    rows = session.exec(
        select(col(RegionalGroup.code), col(RegionalGroup.name), func.count(col(CapacityRequest.id)),
               func.count(funded.c.request_id))
        .select_from(RegionalGroup)
        .join(State, col(State.regional_group_code) == RegionalGroup.code, isouter=True)
        .join(CapacityRequest, (CapacityRequest.state_code == State.code) & _submitted(), isouter=True)
        .join(funded, funded.c.request_id == CapacityRequest.id, isouter=True)
        .group_by(RegionalGroup.code, RegionalGroup.name).order_by(RegionalGroup.code)
    ).all()
    return [GroupFigure(code, name, requests, funded) for code, name, requests, funded in rows]


def follow_up_compliance(session: Session) -> Compliance:
    """Follow-up reports, all groups: submitted on time, late, overdue, not yet due."""
    everyone = statistics.follow_up_compliance(session)[-1]  # the "All groups" row
    return Compliance(on_time=everyone.on_time, late=everyone.late, overdue=everyone.overdue,
                      not_yet_due=everyone.due)


def home_figures(session: Session) -> HomeFigures:
    recommendations, states = session.exec(
        select(func.count(), func.count(func.distinct(Recommendation.state_code)))
        .select_from(Recommendation)).one()
    published = session.exec(select(func.count()).select_from(Offer)
                             .where(Offer.status == OfferStatus.PUBLISHED)).one()
    return HomeFigures(recommendations=recommendations, states_with_recommendations=states,
                       published_offers=published, groups=requests_by_group(session),
                       compliance=follow_up_compliance(session))
