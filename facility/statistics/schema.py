"""GraphQL for the public statistics: readable by anyone, aggregates only (see service.py)."""

import strawberry
from strawberry.types import Info

from facility.api.context import context_of
from facility.api.errors import PublicError
from facility.engagements.schema import ReportKind
from facility.statistics import service


@strawberry.type
class GroupRequestCount:
    regional_group: str
    name: str
    requests: int = strawberry.field(description="submitted and not withdrawn")
    withdrawn: int = strawberry.field(description="withdrawn after submission")


@strawberry.type
class ThemeRequestCount:
    theme: str
    requests: int


@strawberry.type
class SdgRequestCount:
    goal: int
    title: str
    requests: int


@strawberry.type
class GroupFundingShare:
    regional_group: str
    name: str
    currency: str
    requests: int
    funded_requests: int
    requested_budget: int
    funded_budget: int
    share: float | None = strawberry.field(description="funded / requested budget; null if none")


@strawberry.type
class GroupEngagementDelay:
    regional_group: str | None = strawberry.field(description="null: all groups")
    name: str
    engagements: int
    median_days: float | None


@strawberry.type(name="FollowUpComplianceByGroup")
class FollowUpCompliance:
    regional_group: str | None = strawberry.field(description="null: all groups")
    name: str
    due: int = strawberry.field(description="not submitted, due date not passed")
    overdue: int
    on_time: int = strawberry.field(description="first submitted by the due date")
    late: int


@strawberry.type
class ImplementationCounts:
    report_kind: ReportKind  # type: ignore[valid-type]
    reports: int
    not_started: int
    partially_implemented: int
    fully_implemented: int


@strawberry.type
class PublicStatistics:
    year: int | None = strawberry.field(description="the calendar year, or null for all years")

    @strawberry.field(description="submitted requests per regional group; drafts never count")
    def requests_by_group(self, info: Info) -> list[GroupRequestCount]:
        return [GroupRequestCount(regional_group=r.group, name=r.name, requests=r.requests,
                                  withdrawn=r.withdrawn)
                for r in service.requests_by_group(context_of(info).session, year=self.year)]

    @strawberry.field(description="requests per theme; a request with two themes counts twice")
    def requests_by_theme(self, info: Info) -> list[ThemeRequestCount]:
        return [ThemeRequestCount(theme=r.theme, requests=r.requests)
                for r in service.requests_by_theme(context_of(info).session, year=self.year)]

    @strawberry.field(description="requests per SDG goal of their linked recommendations")
    def requests_by_sdg(self, info: Info) -> list[SdgRequestCount]:
        return [SdgRequestCount(goal=r.goal, title=r.title, requests=r.requests)
                for r in service.requests_by_sdg(context_of(info).session, year=self.year)]

    @strawberry.field(description="share of the requested budget funded, per group and currency")
    def funding_by_group(self, info: Info) -> list[GroupFundingShare]:
        return [GroupFundingShare(regional_group=f.group, name=f.name, currency=f.currency,
                                  requests=f.requests, funded_requests=f.funded_requests,
                                  requested_budget=f.requested, funded_budget=f.funded,
                                  share=f.share)
                for f in service.funding_by_group(context_of(info).session, year=self.year)]

    @strawberry.field(description="median days from submission to engagement; last row: all")
    def time_to_engagement(self, info: Info) -> list[GroupEngagementDelay]:
        return [GroupEngagementDelay(regional_group=d.group, name=d.name,
                                     engagements=d.engagements, median_days=d.median_days)
                for d in service.time_to_engagement(context_of(info).session, year=self.year)]

    @strawberry.field(description="follow-up reports by status today; last row: all groups")
    def follow_up_compliance(self, info: Info) -> list[FollowUpCompliance]:
        return [FollowUpCompliance(regional_group=c.group, name=c.name, due=c.due,
                                   overdue=c.overdue, on_time=c.on_time, late=c.late)
                for c in service.follow_up_compliance(context_of(info).session, year=self.year)]

    @strawberry.field(description="implementation status of linked recommendations one and two "
                                  "years on, from the latest submitted reports")
    def implementation_status(self, info: Info) -> list[ImplementationCounts]:
        return [ImplementationCounts(report_kind=i.kind, reports=i.reports,
                                     not_started=i.not_started,
                                     partially_implemented=i.partially_implemented,
                                     fully_implemented=i.fully_implemented)
                for i in service.implementation_status(context_of(info).session, year=self.year)]


MIN_YEAR, MAX_YEAR = 2000, 2100


@strawberry.type
class StatisticsQuery:
    @strawberry.field(description="anonymised aggregate figures, public; year filters by the "
                                  "year each figure's event happened (docs/statistics.md)")
    def public_statistics(self, year: int | None = None) -> PublicStatistics:
        if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
            raise PublicError(f"year: must be between {MIN_YEAR} and {MAX_YEAR}, got {year}")
        return PublicStatistics(year=year)
