"""GraphQL: the caller's own notifications, and marking one read."""

import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from facility.api.context import context_of, found_or_null, mutate
from facility.api.errors import NotFoundError, PermissionDeniedError
from facility.api.model_fields import from_model
from facility.api.pagination import Connection, connection, page_window
from facility.auth import permissions
from facility.engagements import deployments, reports
from facility.engagements import service as engagements
from facility.engagements.deployment_schema import Deployment
from facility.engagements.schema import FollowUpReportType
from facility.errors import NotFound
from facility.experts import service as experts
from facility.experts.models import ExpertCheck
from facility.experts.schema import ExpertType
from facility.ids import decode_id, encode_id
from facility.notifications import models, service
from facility.referrals import service as referrals
from facility.referrals.schema import ReferralType
from facility.requests import service as requests
from facility.requests.schema import CapacityRequestType
from facility.stories import service as stories
from facility.stories.schema import SuccessStoryType
from governance import models as governance
from governance import proposals, runs
from governance.schema import EngagementType, MotionType, ProposalType, RunType

NotificationKind = strawberry.enum(models.NotificationKind)


def _utc(moment: datetime.datetime | None) -> datetime.datetime | None:
    # SQLite returns the stored UTC moments without their zone: answer the same on both databases.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=datetime.UTC)
    return moment


@strawberry.type(name="Notification")
class NotificationType:
    model: strawberry.Private[models.Notification]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Notification", self.model.id))  # type: ignore[arg-type]

    kind = from_model("kind", NotificationKind)

    @strawberry.field(description="days before the due date; 0 for an overdue notice and for "
                                  "every notice but a report reminder")
    def days_before(self) -> int:
        return self.model.offset_days

    @strawberry.field(description="the report's due date when the notice was queued; for a "
                                  "notice about an engagement, its start; for the other steps, "
                                  "the day the notice was queued")
    def due_date(self) -> datetime.date:
        return self.model.due_date

    subject = from_model("subject", str)
    body = from_model("body", str)

    @strawberry.field(description="the report a reminder is about, if the caller may still "
                                  "see it; null for a decline notice")
    def report(self, info: Info) -> FollowUpReportType | None:
        if self.model.report_id is None:
            return None
        ctx = context_of(info)
        return found_or_null(info, self.model.report_id, lambda pk: FollowUpReportType(
            model=reports.get_report(ctx.session, actor=ctx.actor, report_id=pk)))

    @strawberry.field(description="the engagement a decline notice or a deployment to answer is "
                                  "about, if the caller may still see it; null for a reminder")
    def engagement(self, info: Info) -> EngagementType | None:
        if self.model.engagement_id is None:
            return None
        ctx = context_of(info)
        return found_or_null(info, self.model.engagement_id, lambda pk: EngagementType(
            model=engagements.get_engagement(ctx.session, actor=ctx.actor, engagement_id=pk)))

    @strawberry.field(description="the caller's own deployment a DEPLOYMENT_TO_ANSWER notice is "
                                  "about (id: the engagement's, for answerDeployment)")
    def deployment(self, info: Info) -> Deployment | None:
        if self.model.engagement_id is None:
            return None
        ctx = context_of(info)
        return found_or_null(info, self.model.engagement_id, lambda pk: Deployment(
            model=deployments.get_deployment(ctx.session, actor=ctx.actor, engagement_id=pk)))

    @strawberry.field(description="the approved match a PROPOSAL_TO_CONFIRM notice is about, if "
                                  "the caller may still see it")
    def proposal(self, info: Info) -> ProposalType | None:
        if self.model.proposal_id is None:
            return None
        ctx = context_of(info)
        return found_or_null(info, self.model.proposal_id, lambda pk: ProposalType(
            model=proposals.get_proposal(ctx.session, actor=ctx.actor, proposal_id=pk)))

    @strawberry.field(description="the motion a MOTION_OPEN notice is about, while the caller "
                                  "is on the committee")
    def motion(self, info: Info) -> MotionType | None:
        ctx = context_of(info)
        if self.model.motion_id is None or not permissions.can_view_governance_internals(ctx.actor):
            return None
        row = ctx.session.get(governance.Motion, self.model.motion_id)
        return MotionType(model=row) if row else None

    @strawberry.field(description="the success story a STORY_TO_CONSENT notice is about, if the "
                                  "caller may still see it")
    def success_story(self, info: Info) -> SuccessStoryType | None:
        if self.model.story_id is None:
            return None
        ctx = context_of(info)
        return found_or_null(info, self.model.story_id, lambda pk: SuccessStoryType.many(
            ctx.session, [stories.get_story(ctx.session, actor=ctx.actor, story_id=pk)])[0])

    @strawberry.field(description="the referral a REFERRAL_TO_ANSWER or REFERRAL_ANSWERED notice "
                                  "is about, if the caller may still see it")
    def referral(self, info: Info) -> ReferralType | None:
        if self.model.referral_id is None:
            return None
        ctx = context_of(info)
        return found_or_null(info, self.model.referral_id, lambda pk: ReferralType(
            model=referrals.get_referral(ctx.session, actor=ctx.actor, referral_id=pk)))

    @strawberry.field(description="the request a REQUEST_URGENT notice is about, if the caller "
                                  "may still see it")
    def request(self, info: Info) -> CapacityRequestType | None:
        if self.model.request_id is None:
            return None
        ctx = context_of(info)
        return found_or_null(info, self.model.request_id, lambda pk: CapacityRequestType(
            model=requests.get_request(ctx.session, actor=ctx.actor, request_id=pk)))

    @strawberry.field(description="the expert whose readiness check a CHECK_EXPIRING or "
                                  "CHECK_EXPIRED notice is about (a notice goes to their "
                                  "partner only)")
    def expert(self, info: Info) -> ExpertType | None:
        if self.model.expert_check_id is None:
            return None
        ctx = context_of(info)
        check = ctx.session.get(ExpertCheck, self.model.expert_check_id)
        if check is None:
            return None
        return found_or_null(info, check.expert_id, lambda pk: ExpertType(
            model=experts.get_expert(ctx.session, actor=ctx.actor, expert_id=pk)))

    @strawberry.field(description="the optimiser run a RUN_FINISHED notice is about")
    def optimiser_run(self, info: Info) -> RunType | None:
        if self.model.run_id is None:
            return None
        ctx = context_of(info)
        return found_or_null(info, self.model.run_id, lambda pk: RunType(
            model=runs.get_run(ctx.session, actor=ctx.actor, run_id=pk)))

    @strawberry.field
    def created_at(self) -> datetime.datetime:
        return _utc(self.model.created_at)  # type: ignore[return-value]

    @strawberry.field
    def read_at(self) -> datetime.datetime | None:
        return _utc(self.model.read_at)

    @strawberry.field(description="when it was e-mailed to the caller; null if not (yet)")
    def emailed_at(self) -> datetime.datetime | None:
        return _utc(self.model.email_sent_at)


@strawberry.type
class NotificationPayload:
    notification: NotificationType


NotificationResult = Annotated[NotificationPayload | NotFoundError | PermissionDeniedError,
                               strawberry.union("NotificationResult")]


@strawberry.type
class NotificationQuery:
    @strawberry.field(description="the caller's own notifications, newest first")
    def notifications(self, info: Info, unread_only: bool = False, first: int | None = None,
                      after: str | None = None) -> Connection[NotificationType]:
        ctx = context_of(info)
        limit, offset = page_window(first, after, ctx.settings.max_page_size)
        rows, total = service.list_notifications(ctx.session, actor=ctx.actor,
                                                 unread_only=unread_only, limit=limit,
                                                 offset=offset)
        return connection([NotificationType(model=r) for r in rows], total=total, offset=offset)


@strawberry.type
class NotificationMutation:
    @strawberry.mutation(description="mark one of the caller's notifications read")
    def mark_notification_read(self, info: Info, id: strawberry.ID) -> NotificationResult:
        ctx = context_of(info)

        def action() -> NotificationPayload:
            pk = decode_id("Notification", id)
            if pk is None:
                raise NotFound(f"no notification with id {id}")
            return NotificationPayload(notification=NotificationType(model=service.mark_read(
                ctx.session, actor=ctx.actor, notification_id=pk)))

        return mutate(info, action)  # type: ignore[return-value]
