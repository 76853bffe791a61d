"""GraphQL types, queries and mutations of governance."""

import datetime
import enum
from typing import Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from facility.api.context import context_of, found_or_null, mutate
from facility.api.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from facility.api.model_fields import from_model
from facility.api.pagination import Connection, connection, page_window
from facility.auth import permissions
from facility.auth.models import Account
from facility.engagements import checklist
from facility.engagements import models as engagement_models
from facility.engagements.models import DeploymentAnswerChoice as DeploymentAnswerChoiceEnum
from facility.errors import NotFound, PermissionDenied
from facility.experts.schema import ExpertType
from facility.ids import decode_id, encode_id
from facility.offers.models import Offer
from facility.offers.schema import OfferType
from facility.reference.schema import RegionalGroupCode, StateType, state_by_code
from facility.requests.models import CapacityRequest
from facility.requests.schema import CapacityRequestType
from facility.timeutil import as_utc
from governance import (
    carried,
    committee,
    coordination,
    criteria,
    models,
    motions,
    proposals,
    publication,
    runs,
    screening,
    views,
)
from governance import decisions as _decisions
from governance.coordination_schema import DuplicateSupportType

MotionKind = strawberry.enum(models.MotionKind)
MotionStatus = strawberry.enum(models.MotionStatus)
VoteChoice = strawberry.enum(models.VoteChoice)
CriteriaStatus = strawberry.enum(models.CriteriaStatus)
RunStatus = strawberry.enum(models.RunStatus)
ProposalStatus = strawberry.enum(models.ProposalStatus)
EngagementStatus = strawberry.enum(engagement_models.EngagementStatus)
CareItem = strawberry.enum(engagement_models.CareItem, description=(
    "an item of the duty-of-care checklist the funding partner completes before deployment"))


def _pk(kind: str, id: strawberry.ID) -> int:
    pk = decode_id(kind, id)
    if pk is None:
        raise NotFound(f"no {kind} with id {id}")
    return pk


def _internal(info: Info) -> None:
    if not permissions.can_view_governance_internals(context_of(info).actor):
        raise PermissionDenied("only the committee and the secretariat see this")


@strawberry.type(name="CommitteeSeat")
class SeatType:
    model: strawberry.Private[models.CommitteeSeat]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("CommitteeSeat", self.model.id))  # type: ignore[arg-type]

    @strawberry.field
    def regional_group(self) -> RegionalGroupCode:
        return RegionalGroupCode(self.model.group_code)

    @strawberry.field(description="the State the member represents")
    def state(self, info: Info) -> StateType:
        return state_by_code(info, self.model.state_code)  # type: ignore[return-value]

    @strawberry.field
    def member_name(self, info: Info) -> str:
        account = context_of(info).session.get(Account, self.model.account_id)
        return account.name if account else ""

    started_at = from_model("started_at", datetime.datetime)
    ended_at = from_model("ended_at", datetime.datetime | None)


@strawberry.type(name="CriteriaSet")
class CriteriaSetType:
    model: strawberry.Private[models.CriteriaSet]

    version = from_model("version", int)
    title = from_model("title", str)
    status = from_model("status", CriteriaStatus)
    body = from_model("body", JSON, description="eligibility, matching and voting rules (see docs)")
    notes = from_model("notes", str)
    row_version = from_model(
        "row_version", int,
        description="pass it back as expectedRowVersion when editing a draft")

    adopted_at = from_model("adopted_at", datetime.datetime | None)


DocumentKindEnum = strawberry.enum(criteria.DocumentKind, name="DocumentKind")
RequiredFieldEnum = strawberry.enum(criteria.RequiredField, name="RequiredRequestField")


@strawberry.type(name="ApplicationProcedure")
class ApplicationProcedureType:
    """The application procedure of one criteria version: adopted, versioned and published with
    the criteria (the `procedure` section of their body). A request records the version it was
    submitted under (`CapacityRequest.procedureVersion`)."""

    model: strawberry.Private[models.CriteriaSet]

    @strawberry.field(description="the criteria version it belongs to")
    def version(self) -> int:
        return self.model.version

    @strawberry.field
    def status(self) -> CriteriaStatus:  # type: ignore[valid-type]
        return self.model.status

    @strawberry.field
    def adopted_at(self) -> datetime.datetime | None:
        return self.model.adopted_at

    def _procedure(self) -> criteria.Procedure:
        return criteria.CriteriaBody.model_validate(self.model.body).procedure

    @strawberry.field(description="the round the call for requests opens, e.g. \"Call 2027\"; "
                                  "empty when requests are taken at any time")
    def call_title(self) -> str:
        return self._procedure().call_title

    @strawberry.field(description="first day a request may be submitted (null: no limit)")
    def call_opens(self) -> datetime.date | None:
        return self._procedure().call_opens

    @strawberry.field(description="last day a request may be submitted (null: no limit)")
    def call_closes(self) -> datetime.date | None:
        return self._procedure().call_closes

    @strawberry.field(description="the documents a request must carry to be submitted")
    def required_documents(self) -> list[DocumentKindEnum]:  # type: ignore[valid-type]
        return list(self._procedure().required_documents)

    @strawberry.field(description="the fields of a request it makes required")
    def required_fields(self) -> list[RequiredFieldEnum]:  # type: ignore[valid-type]
        return list(self._procedure().required_fields)


@strawberry.type
class Tally:
    approve: int
    reject: int
    abstain: int
    recused: int
    quorum: int
    quorum_met: bool


@strawberry.type(name="Recusal")
class RecusalType:
    regional_group: RegionalGroupCode
    automatic: bool
    reason: str | None = strawberry.field(description=(
        "why the seat stands aside (the member's own words, or the conflict the data shows); "
        "null unless the caller is on the committee or the secretariat"))


@strawberry.type(name="Vote")
class VoteType:
    regional_group: RegionalGroupCode
    choice: VoteChoice  # type: ignore[valid-type]
    comment: str
    cast_at: datetime.datetime


@strawberry.type(name="Motion")
class MotionType:
    model: strawberry.Private[models.Motion]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Motion", self.model.id))  # type: ignore[arg-type]

    kind = from_model("kind", MotionKind)
    status = from_model("status", MotionStatus)
    criteria_version = from_model("criteria_version", int)
    opened_at = from_model("opened_at", datetime.datetime)
    decided_at = from_model("decided_at", datetime.datetime | None)
    outcome_note = from_model("outcome_note", str)

    @strawberry.field
    def tally(self, info: Info) -> Tally:
        t = motions.tally(context_of(info).session, self.model)
        return Tally(approve=t.approve, reject=t.reject, abstain=t.abstain, recused=t.recused,
                     quorum=t.quorum, quorum_met=t.quorum_met)

    @strawberry.field
    def recusals(self, info: Info) -> list[RecusalType]:
        context = context_of(info)
        # That a seat stood aside is part of the outcome a State or partner reads; why it did
        # stays with the committee and the secretariat (docs/governance.md, "Visibility").
        internal = permissions.can_view_governance_internals(context.actor)
        return [RecusalType(regional_group=RegionalGroupCode(r.group_code), automatic=r.automatic,
                            reason=r.reason if internal else None)
                for r in views.recusals_of(context.session, self.model.id)]  # type: ignore[arg-type]

    @strawberry.field(description="every vote as cast, in order (a changed vote appears twice); "
                                  "null unless the caller is on the committee or the secretariat")
    def votes(self, info: Info) -> list[VoteType] | None:
        if not permissions.can_view_governance_internals(context_of(info).actor):
            return None
        return [VoteType(regional_group=RegionalGroupCode(v.group_code), choice=v.choice,  # type: ignore[arg-type]
                         comment=v.comment, cast_at=v.cast_at)  # type: ignore[arg-type]
                for v in views.votes_of(context_of(info).session, self.model.id)]  # type: ignore[arg-type]

    @strawberry.field
    def request(self, info: Info) -> CapacityRequestType | None:
        if self.model.kind != models.MotionKind.SCREENING:
            return None
        row = context_of(info).session.get(CapacityRequest, self.model.subject_id)
        return CapacityRequestType(model=row) if row else None

    @strawberry.field
    def proposal(self, info: Info) -> "ProposalType | None":
        if self.model.kind != models.MotionKind.PROPOSAL:
            return None
        row = context_of(info).session.get(models.MatchProposal, self.model.subject_id)
        return ProposalType(model=row) if row else None

    @strawberry.field
    def criteria_set(self, info: Info) -> CriteriaSetType | None:
        if self.model.kind != models.MotionKind.CRITERIA:
            return None
        row = context_of(info).session.get(models.CriteriaSet, self.model.subject_id)
        return CriteriaSetType(model=row) if row else None


@strawberry.type
class FailedClause:
    clause: str
    message: str


@strawberry.type(name="Screening")
class ScreeningType:
    model: strawberry.Private[models.Screening]

    criteria_version = from_model("criteria_version", int)

    @strawberry.field(description="the criteria clauses the request fails (automatic check)")
    def failed_clauses(self) -> list[FailedClause]:
        return [FailedClause(**c) for c in self.model.failed_clauses]

    reasons = from_model("reasons", str, description="the committee's reasons, readable by the State")

    @strawberry.field
    def motion(self, info: Info) -> MotionType:
        return MotionType(model=context_of(info).session.get(models.Motion, self.model.motion_id))  # type: ignore[arg-type]


@strawberry.type
class ProgressPoint:
    phase: str
    seconds: float
    score: int | None
    bound: int | None


@strawberry.type
class GroupFairness:
    regional_group: RegionalGroupCode
    requests: int
    matched: int
    floor: int
    shortfall: int


@strawberry.type
class UnmatchedRequest:
    request: CapacityRequestType | None
    reasons: list[str]


def _request_of(info: Info, request_id: int) -> CapacityRequestType:
    return CapacityRequestType(model=context_of(info).session.get(CapacityRequest, request_id))  # type: ignore[arg-type]


def _offer_of(info: Info, offer_id: int) -> OfferType:
    return OfferType(model=context_of(info).session.get(Offer, offer_id))  # type: ignore[arg-type]


def _experts_of(model: engagement_models.Engagement | models.MatchProposal) -> list[ExpertType]:
    """The team in its order (loaded with a list of engagements or proposals, see
    list_engagements and list_proposals; read on first use for one)."""
    return [ExpertType(model=member.expert) for member in model.team]


DeploymentAnswerChoice = strawberry.enum(DeploymentAnswerChoiceEnum, name="DeploymentAnswerChoice")


@strawberry.type(description="one deployed expert's answer to their deployment")
class ExpertAnswer:
    expert: ExpertType
    answer: DeploymentAnswerChoice | None  # type: ignore[valid-type]
    answered_at: datetime.datetime | None
    reason: str | None = strawberry.field(
        description="why they declined: the funding partner and the secretariat only")


@strawberry.type
class DutyOfCareItem:
    item: CareItem  # type: ignore[valid-type]
    done: bool
    done_at: datetime.datetime | None


@strawberry.type(name="Engagement")
class EngagementType:
    model: strawberry.Private[engagement_models.Engagement]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Engagement", self.model.id))  # type: ignore[arg-type]

    status = from_model("status", EngagementStatus)
    start = from_model("start", datetime.date)
    end = from_model("end", datetime.date)
    budget = from_model("budget", int)
    currency = from_model("currency", str)
    version = from_model("version", int, description="send it back as expectedVersion when amending")

    @strawberry.field
    def request(self, info: Info) -> CapacityRequestType:
        return _request_of(info, self.model.request_id)

    @strawberry.field
    def offer(self, info: Info) -> OfferType:
        return _offer_of(info, self.model.offer_id)

    @strawberry.field(description="personal data per the usual rules (Expert.personal)")
    def experts(self, info: Info) -> list[ExpertType]:
        return _experts_of(self.model)

    @strawberry.field(description="the duty-of-care checklist, every item in order: the "
                                  "engagement starts only once all are done")
    def duty_of_care(self, info: Info) -> list[DutyOfCareItem]:
        done = {r.item: r for r in checklist.done_by_engagement(
            context_of(info).session, [self.model.id])[self.model.id]}  # type: ignore[list-item, index]
        return [DutyOfCareItem(item=item, done=item in done,
                               done_at=as_utc(done[item].done_at) if item in done else None)
                for item in engagement_models.CareItem]

    @strawberry.field(description="each deployed expert's answer to the deployment, in the "
                                  "order the team lists them (answer null: not answered yet)")
    def expert_answers(self, info: Info) -> list[ExpertAnswer]:
        ctx = context_of(info)
        answers = {a.expert_id: a for a in ctx.loaders.deployment_answers.load(self.model.id)}  # type: ignore[arg-type]
        reasons = permissions.can_view_decline_reasons(ctx.session, ctx.actor, self.model)
        listed = []
        for expert in _experts_of(self.model):
            answer = answers.get(expert.model.id)  # type: ignore[arg-type]
            listed.append(ExpertAnswer(
                expert=expert, answer=answer.answer if answer else None,
                answered_at=answer.answered_at if answer else None,
                reason=(answer.reason or None) if answer and reasons else None))
        return listed


@strawberry.type(name="MatchProposal")
class ProposalType:
    model: strawberry.Private[models.MatchProposal]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("MatchProposal", self.model.id))  # type: ignore[arg-type]

    status = from_model("status", ProposalStatus)

    @strawberry.field
    def request(self, info: Info) -> CapacityRequestType:
        return _request_of(info, self.model.request_id)

    @strawberry.field
    def offer(self, info: Info) -> OfferType:
        return _offer_of(info, self.model.offer_id)

    @strawberry.field(description="personal data per the usual rules (Expert.personal)")
    def experts(self, info: Info) -> list[ExpertType]:
        return _experts_of(self.model)

    value = from_model("value", int, description="the request's value under the criteria")
    fit = from_model("fit", int, description="the experts' theme and language fit")
    explanation = from_model("explanation", str)

    @strawberry.field
    def state_confirmed(self) -> bool:
        return self.model.state_confirmed_at is not None

    @strawberry.field
    def partner_confirmed(self) -> bool:
        return self.model.partner_confirmed_at is not None

    declined_by = from_model("declined_by", str | None)
    decline_reason = from_model("decline_reason", str | None)

    @strawberry.field
    def motion(self, info: Info) -> MotionType | None:
        row = views.motion_for(context_of(info).session, models.MotionKind.PROPOSAL, self.model.id)  # type: ignore[arg-type]
        return MotionType(model=row) if row else None

    @strawberry.field
    def engagement(self, info: Info) -> EngagementType | None:
        row = proposals.engagement_for(context_of(info).session, self.model.id)  # type: ignore[arg-type]
        return EngagementType(model=row) if row else None

    @strawberry.field(description="a warning, not a block: existing engagements and approved "
                                  "proposals that already support recommendations of this "
                                  "proposal's request")
    def duplicate_support(self, info: Info) -> list[DuplicateSupportType]:
        overlaps = coordination.duplicate_support(context_of(info).session, self.model)
        return [DuplicateSupportType(model=o) for o in overlaps]


@strawberry.enum(description="what an agreed match carried into a run holds")
class CarriedHold(enum.Enum):
    MATCH = strawberry.enum_value(carried.HOLDS_MATCH, description=(
        "approved or confirmed, not completed: its offer's budget and one of its requests, "
        "its experts at its dates"))
    BUDGET = strawberry.enum_value(carried.HOLDS_BUDGET, description=(
        "a completed engagement: only the budget it spent"))


@strawberry.type(description="A match agreed before the run whose capacity the run held; "
                             "never judged again by the run's criteria")
class CarriedMatch:
    record: strawberry.Private[dict]

    @strawberry.field
    def proposal(self, info: Info) -> "ProposalType | None":
        found = context_of(info).session.get(models.MatchProposal, self.record["proposal"])
        return ProposalType(model=found) if found else None

    @strawberry.field(description="the criteria version the match was decided under")
    def criteria_version(self) -> int | None:
        return self.record["criteria_version"]

    @strawberry.field
    def holds(self) -> CarriedHold:
        return CarriedHold(self.record["holds"])

    @strawberry.field(description="the budget it takes from its offer")
    def budget(self) -> int:
        return self.record["budget"]

    @strawberry.field(description="the dates its experts are held (null: none held)")
    def start(self) -> datetime.date | None:
        dates = carried.dates_of(self.record)
        return dates[0] if dates else None

    @strawberry.field
    def end(self) -> datetime.date | None:
        dates = carried.dates_of(self.record)
        return dates[1] if dates else None

    @strawberry.field(description="why it can no longer hold as agreed, in plain words "
                                  "(empty when it holds)")
    def problems(self, info: Info) -> list[str]:
        ctx = context_of(info)
        subjects = carried.subjects_of(ctx.session, [self.record])
        return [carried.problem_text(p, subjects, ctx.actor) for p in self.record["problems"]]


@strawberry.type(name="OptimiserRun")
class RunType:
    model: strawberry.Private[models.OptimiserRun]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("OptimiserRun", self.model.id))  # type: ignore[arg-type]

    status = from_model("status", RunStatus)
    criteria_version = from_model("criteria_version", int)
    time_limit = from_model("time_limit", float)

    @strawberry.field
    def progress(self) -> list[ProgressPoint]:
        return [ProgressPoint(**p) for p in self.model.progress]

    solver_status = from_model("solver_status", str | None, description="OPTIMAL (proven) or FEASIBLE")
    score = from_model("score", int | None)
    bound = from_model("bound", int | None, description="best proven upper bound on the score")
    seconds = from_model("seconds", float | None)
    error = from_model("error", str | None)

    @strawberry.field
    def fairness(self) -> list[GroupFairness]:
        return [GroupFairness(regional_group=RegionalGroupCode(g), **row)
                for g, row in sorted(self.model.fairness.items())]

    @strawberry.field
    def unmatched(self, info: Info) -> list[UnmatchedRequest]:
        session = context_of(info).session
        rows = [(session.get(CapacityRequest, u["request"]), u["reasons"]) for u in self.model.unmatched]
        return [UnmatchedRequest(request=CapacityRequestType(model=r) if r else None, reasons=reasons)
                for r, reasons in rows]

    @strawberry.field(description="the matches agreed before the run whose capacity it held")
    def carried(self) -> list[CarriedMatch]:
        return [CarriedMatch(record=r) for r in self.model.carried]

    @strawberry.field
    def proposals(self, info: Info) -> list[ProposalType]:
        return [ProposalType(model=p)
                for p in views.run_proposals(context_of(info).session, self.model.id)]  # type: ignore[arg-type]


@strawberry.type
class PublishedDecision:
    request_title: str
    state: StateType
    partner: str | None
    kind: MotionKind  # type: ignore[valid-type]
    decision: str
    decided_at: datetime.datetime


def _union(name: str, payload: type) -> object:
    return Annotated[
        payload | ValidationError | PermissionDeniedError | NotFoundError | ConflictError,
        strawberry.union(name),
    ]


@strawberry.type
class SeatPayload:
    seat: SeatType


@strawberry.type
class CriteriaPayload:
    criteria_set: CriteriaSetType


@strawberry.type
class MotionPayload:
    motion: MotionType


@strawberry.type
class ScreeningPayload:
    screening: ScreeningType


@strawberry.type
class RunPayload:
    run: RunType


@strawberry.type
class ProposalPayload:
    proposal: ProposalType


SeatResult = _union("SeatResult", SeatPayload)
CriteriaResult = _union("CriteriaResult", CriteriaPayload)
MotionResult = _union("MotionResult", MotionPayload)
ScreeningResult = _union("ScreeningResult", ScreeningPayload)
RunResult = _union("RunResult", RunPayload)
ProposalResult = _union("ProposalResult", ProposalPayload)


@strawberry.type
class GovernanceQuery:
    @strawberry.field(description="the five seats as held now")
    def committee(self, info: Info) -> list[SeatType]:
        return [SeatType(model=s) for s in committee.current_seats(context_of(info).session)]

    @strawberry.field(description="the criteria set in force (public)")
    def criteria_in_force(self, info: Info) -> CriteriaSetType:
        return CriteriaSetType(model=criteria.in_force(context_of(info).session))

    @strawberry.field(description="every version; drafts only for the committee and secretariat")
    def criteria_sets(self, info: Info) -> list[CriteriaSetType]:
        ctx = context_of(info)
        return [CriteriaSetType(model=c) for c in views.criteria_sets(ctx.session, actor=ctx.actor)]

    @strawberry.field(description="the application procedure of every criteria version, the "
                                  "one in force among them; drafts only for the committee and "
                                  "the secretariat (public)")
    def application_procedures(self, info: Info) -> list[ApplicationProcedureType]:
        ctx = context_of(info)
        return [ApplicationProcedureType(model=c)
                for c in views.criteria_sets(ctx.session, actor=ctx.actor)]

    @strawberry.field(description="motions put to the committee (committee and secretariat)")
    def motions(self, info: Info, kind: MotionKind | None = None,  # type: ignore[valid-type]
                status: MotionStatus | None = None,  # type: ignore[valid-type]
                first: int | None = None, after: str | None = None) -> Connection[MotionType]:
        ctx = context_of(info)
        limit, offset = page_window(first, after, ctx.settings.max_page_size)
        if not permissions.can_view_governance_internals(ctx.actor):
            return connection([], total=0, offset=0)
        rows, total = views.list_motions(ctx.session, actor=ctx.actor, kind=kind, status=status,
                                         limit=limit, offset=offset)
        return connection([MotionType(model=m) for m in rows], total=total, offset=offset)

    @strawberry.field(description="the latest screening of a request the caller may see")
    def screening(self, info: Info, request_id: strawberry.ID) -> ScreeningType | None:
        ctx = context_of(info)

        def latest(pk: int) -> ScreeningType | None:
            row = views.latest_screening(ctx.session, actor=ctx.actor, request_id=pk)
            # A request the caller may see that was never screened: nothing refused.
            return ScreeningType(model=row) if row else None

        return found_or_null(info, decode_id("CapacityRequest", request_id), latest)

    @strawberry.field(description="optimiser runs, newest first (committee and secretariat)")
    def optimiser_runs(self, info: Info, first: int | None = None,
                       after: str | None = None) -> Connection[RunType]:
        ctx = context_of(info)
        limit, offset = page_window(first, after, ctx.settings.max_page_size)
        if not permissions.can_view_governance_internals(ctx.actor):
            return connection([], total=0, offset=0)
        rows, total = views.list_runs(ctx.session, actor=ctx.actor, limit=limit, offset=offset)
        return connection([RunType(model=r) for r in rows], total=total, offset=offset)

    @strawberry.field
    def optimiser_run(self, info: Info, id: strawberry.ID) -> RunType | None:
        ctx = context_of(info)
        return found_or_null(info, decode_id("OptimiserRun", id), lambda pk: RunType(
            model=runs.get_run(ctx.session, actor=ctx.actor, run_id=pk)))

    @strawberry.field(description="proposals the caller may see")
    def proposals(self, info: Info, status: ProposalStatus | None = None,  # type: ignore[valid-type]
                  first: int | None = None, after: str | None = None) -> Connection[ProposalType]:
        ctx = context_of(info)
        limit, offset = page_window(first, after, ctx.settings.max_page_size)
        rows, total = proposals.list_proposals(ctx.session, actor=ctx.actor, status=status,
                                               limit=limit, offset=offset)
        return connection([ProposalType(model=p) for p in rows], total=total, offset=offset)

    @strawberry.field
    def proposal(self, info: Info, id: strawberry.ID) -> ProposalType | None:
        ctx = context_of(info)
        return found_or_null(info, decode_id("MatchProposal", id), lambda pk: ProposalType(
            model=proposals.get_proposal(ctx.session, actor=ctx.actor, proposal_id=pk)))

    @strawberry.field(description="decisions of the committee, as published (public)")
    def published_decisions(self, info: Info, first: int | None = None,
                            after: str | None = None) -> Connection[PublishedDecision]:
        ctx = context_of(info)
        limit, offset = page_window(first, after, ctx.settings.max_page_size)
        rows, total = publication.published_decisions(ctx.session, limit=limit, offset=offset)
        return connection([PublishedDecision(
            request_title=d.request_title, state=state_by_code(info, d.state_code),  # type: ignore[arg-type]
            partner=d.partner, kind=d.kind, decision=d.decision, decided_at=d.decided_at)
            for d in rows], total=total, offset=offset)


@strawberry.input
class CriteriaDraftInput:
    title: str
    body: JSON = strawberry.field(description="omitted parts take the documented defaults")
    notes: str = ""
    idempotency_key: str | None = strawberry.field(
        default=None, description="a retry with the same key returns the first draft")


@strawberry.type
class GovernanceMutation:
    @strawberry.mutation(description="give a regional group's seat to a committee account")
    def seat_committee_member(self, info: Info, regional_group: str, member_email: str) -> SeatResult:  # type: ignore[valid-type]
        ctx = context_of(info)
        return mutate(info, lambda: SeatPayload(seat=SeatType(model=committee.seat_member(  # type: ignore[return-value]
            ctx.session, actor=ctx.actor, group_code=regional_group, member_email=member_email))))

    @strawberry.mutation(description="start a new criteria version as a draft")
    def draft_criteria(self, info: Info, input: CriteriaDraftInput) -> CriteriaResult:  # type: ignore[valid-type]
        ctx = context_of(info)
        def action() -> CriteriaPayload:
            draft = criteria.draft_criteria(ctx.session, actor=ctx.actor, title=input.title,
                                            body=input.body or {}, notes=input.notes,
                                            idempotency_key=input.idempotency_key)
            return CriteriaPayload(criteria_set=CriteriaSetType(model=draft))

        return mutate(info, action)  # type: ignore[return-value]

    @strawberry.mutation(description="edit a draft; a stale expectedRowVersion is a Conflict")
    def update_criteria_draft(self, info: Info, version: int, expected_row_version: int,
                              title: str | None = None, body: JSON | None = None,
                              notes: str | None = None) -> CriteriaResult:  # type: ignore[valid-type]
        ctx = context_of(info)
        return mutate(info, lambda: CriteriaPayload(criteria_set=CriteriaSetType(model=criteria.update_draft(  # type: ignore[return-value]
            ctx.session, actor=ctx.actor, version=version, expected_row_version=expected_row_version,
            title=title, body=body, notes=notes))))

    @strawberry.mutation(description="put a criteria draft to the committee's vote")
    def propose_criteria(self, info: Info, version: int) -> MotionResult:  # type: ignore[valid-type]
        ctx = context_of(info)
        return mutate(info, lambda: MotionPayload(motion=MotionType(model=_decisions.propose_criteria(  # type: ignore[return-value]
            ctx.session, actor=ctx.actor, version=version))))

    @strawberry.mutation(description="check a submitted request against the criteria and open its vote")
    def open_screening(self, info: Info, request_id: strawberry.ID) -> ScreeningResult:  # type: ignore[valid-type]
        ctx = context_of(info)
        return mutate(info, lambda: ScreeningPayload(screening=ScreeningType(model=screening.open_screening(  # type: ignore[return-value]
            ctx.session, actor=ctx.actor, request_id=_pk("CapacityRequest", request_id)))))

    @strawberry.mutation(description="vote for your own seat; a new vote replaces your earlier one")
    def cast_vote(self, info: Info, motion_id: strawberry.ID, choice: VoteChoice,  # type: ignore[valid-type]
                  comment: str = "") -> MotionResult:  # type: ignore[valid-type]
        ctx = context_of(info)

        def action() -> MotionPayload:
            vote = motions.cast_vote(ctx.session, actor=ctx.actor, motion_id=_pk("Motion", motion_id),
                                     choice=models.VoteChoice(choice.value), comment=comment)
            return MotionPayload(motion=MotionType(model=motions.get_motion(ctx.session, vote.motion_id)))

        return mutate(info, action)  # type: ignore[return-value]

    @strawberry.mutation(description="recuse yourself from a motion")
    def declare_recusal(self, info: Info, motion_id: strawberry.ID, reason: str) -> MotionResult:  # type: ignore[valid-type]
        ctx = context_of(info)

        def action() -> MotionPayload:
            recusal = motions.declare_recusal(ctx.session, actor=ctx.actor,
                                              motion_id=_pk("Motion", motion_id), reason=reason)
            return MotionPayload(motion=MotionType(model=motions.get_motion(ctx.session, recusal.motion_id)))

        return mutate(info, action)  # type: ignore[return-value]

    @strawberry.mutation(description="close the vote and apply the outcome (needs the quorum)")
    def decide_motion(self, info: Info, motion_id: strawberry.ID, reasons: str = "") -> MotionResult:  # type: ignore[valid-type]
        ctx = context_of(info)
        return mutate(info, lambda: MotionPayload(motion=MotionType(model=_decisions.decide(  # type: ignore[return-value]
            ctx.session, actor=ctx.actor, motion_id=_pk("Motion", motion_id), reasons=reasons))))

    @strawberry.mutation(description="run the optimiser in the background; returns at once")
    def start_optimiser_run(self, info: Info, time_limit: float = 30.0,
                            idempotency_key: str | None = None) -> RunResult:  # type: ignore[valid-type]
        ctx = context_of(info)

        # The run's job is queued with it; a worker starts it once this request has committed.
        return mutate(info, lambda: RunPayload(run=RunType(model=runs.start_run(  # type: ignore[return-value]
            ctx.session, actor=ctx.actor, time_limit=time_limit,
            idempotency_key=idempotency_key))))

    @strawberry.mutation
    def cancel_optimiser_run(self, info: Info, id: strawberry.ID) -> RunResult:  # type: ignore[valid-type]
        ctx = context_of(info)
        return mutate(info, lambda: RunPayload(run=RunType(model=runs.cancel_run(  # type: ignore[return-value]
            ctx.session, actor=ctx.actor, run_id=_pk("OptimiserRun", id)))))

    @strawberry.mutation(description="the State or the partner accepts an approved proposal")
    def confirm_proposal(self, info: Info, id: strawberry.ID) -> ProposalResult:  # type: ignore[valid-type]
        ctx = context_of(info)
        return mutate(info, lambda: ProposalPayload(proposal=ProposalType(model=proposals.confirm_proposal(  # type: ignore[return-value]
            ctx.session, actor=ctx.actor, proposal_id=_pk("MatchProposal", id)))))

    @strawberry.mutation(description="the State or the partner declines, with a reason")
    def decline_proposal(self, info: Info, id: strawberry.ID, reason: str) -> ProposalResult:  # type: ignore[valid-type]
        ctx = context_of(info)
        return mutate(info, lambda: ProposalPayload(proposal=ProposalType(model=proposals.decline_proposal(  # type: ignore[return-value]
            ctx.session, actor=ctx.actor, proposal_id=_pk("MatchProposal", id), reason=reason))))

