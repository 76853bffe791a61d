"""Who may see and do what: every visibility and permission rule lives here (docs/permissions.md).

Services call these functions; nothing else decides access. An object a caller may not see
is answered exactly like one that does not exist (see `facility.errors.NotFound`). Each
visibility rule is written once, as the SQL condition a list uses (`request_visibility`, …);
a single object is found through the same condition (`find_visible`), so a list and a lookup
can never disagree.
"""

from __future__ import annotations

from typing import TypeGuard, TypeVar

from sqlalchemy import ColumnElement, exists, false, or_, select, true
from sqlmodel import Session, SQLModel

from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.experts.models import Expert
from facility.offers.models import Offer, OfferStatus
from facility.requests.models import CapacityRequest, RequestStatus

# Once a request leaves the State's hands it is visible to the partners, the committee and the
# secretariat; a draft (and a request withdrawn while still a draft) stays the State's own.
NON_DRAFT_STATUSES = tuple(s for s in RequestStatus if s != RequestStatus.DRAFT)
PUBLIC_OFFER_STATUSES = (OfferStatus.PUBLISHED, OfferStatus.CLOSED)
M = TypeVar("M", bound=SQLModel)


def find_visible(session: Session, model: type[M], pk: int,
                 visibility: ColumnElement[bool]) -> M | None:
    """The row of `model` with this id if `visibility` selects it for the caller, else None
    (one statement: the list's own condition, applied to one id)."""
    return session.scalars(select(model).where(model.id == pk, visibility)).first()  # type: ignore[attr-defined]


# Roles --------------------------------------------------------------------------------------

def is_secretariat(actor: Actor | None) -> TypeGuard[Actor]:
    return actor is not None and actor.role == Role.SECRETARIAT


def may_hold_seat(actor: Actor | None) -> TypeGuard[Actor]:
    """Only committee accounts hold committee seats (whether this one holds one now is
    `is_committee_member`, from the seats table)."""
    return actor is not None and actor.role == Role.COMMITTEE


def is_partner(actor: Actor | None) -> TypeGuard[Actor]:
    return actor is not None and actor.role == Role.PARTNER and actor.partner_id is not None


# Requests -----------------------------------------------------------------------------------

def request_visibility(actor: Actor | None) -> ColumnElement[bool]:
    """SQL condition selecting the requests this caller may see."""
    if actor is None or actor.role == Role.EXPERT:
        return false()
    if actor.role == Role.STATE:
        return CapacityRequest.state_code == actor.state_code
    return (CapacityRequest.status.in_(NON_DRAFT_STATUSES)) & (  # type: ignore[attr-defined]
        CapacityRequest.submitted_at.is_not(None)  # type: ignore[union-attr]
    )




def can_file_requests(actor: Actor | None) -> bool:
    return actor is not None and actor.role == Role.STATE and actor.state_code is not None


def can_change_request(actor: Actor | None, request: CapacityRequest) -> bool:
    """Only the requesting State's own mission edits, submits or withdraws its request."""
    return can_file_requests(actor) and request.state_code == actor.state_code  # type: ignore[union-attr]


def can_mark_urgent(actor: Actor | None, request: CapacityRequest) -> bool:
    """The urgent track (governance/urgency.py): the requesting State, or the secretariat for
    OHCHR's own needs (it records the State's consent)."""
    return can_change_request(actor, request) or is_secretariat(actor)


# Offers -------------------------------------------------------------------------------------

def offer_visibility(actor: Actor | None) -> ColumnElement[bool]:
    public = Offer.status.in_(PUBLIC_OFFER_STATUSES)  # type: ignore[attr-defined]
    if actor is not None and actor.role == Role.PARTNER:
        return or_(public, Offer.partner_id == actor.partner_id)
    return public




def can_post_offers(actor: Actor | None) -> bool:
    return actor is not None and actor.role == Role.PARTNER and actor.partner_id is not None


def can_change_offer(actor: Actor | None, offer: Offer) -> bool:
    return can_post_offers(actor) and offer.partner_id == actor.partner_id  # type: ignore[union-attr]


# Experts ------------------------------------------------------------------------------------

def expert_visibility(actor: Actor | None) -> ColumnElement[bool]:
    """Signed-in callers see the roster (anonymised unless `can_view_expert_personal`); an
    erased person is no longer on it (their pseudonymised entry stays reachable from the
    proposals and engagements that name them)."""
    if actor is None:
        return false()
    return Expert.erased_at.is_(None)  # type: ignore[union-attr]


def can_view_expert(actor: Actor | None, expert: Expert) -> bool:
    return actor is not None


def is_committee_member(actor: Actor | None) -> bool:
    """A committee account acts as the committee only while it holds a seat."""
    return actor is not None and actor.role == Role.COMMITTEE and actor.seated


def can_view_expert_personal(actor: Actor | None, expert: Expert) -> bool:
    """Name, contact details and CV: the expert, their partner, the committee, the secretariat."""
    if actor is None:
        return False
    if actor.role == Role.SECRETARIAT or is_committee_member(actor):
        return True
    if actor.role == Role.PARTNER:
        return expert.partner_id == actor.partner_id
    if actor.role == Role.EXPERT:
        return expert.account_id == actor.account_id
    return False


def can_nominate_experts(actor: Actor | None) -> bool:
    return can_post_offers(actor)


def can_change_expert(actor: Actor | None, expert: Expert) -> bool:
    if actor is None:
        return False
    if actor.role == Role.PARTNER:
        return expert.partner_id == actor.partner_id
    if actor.role == Role.EXPERT:
        return expert.account_id == actor.account_id
    return False


def can_record_readiness(actor: Actor | None, expert: Expert) -> bool:
    """A person's notice period and checks are attested by the partner that nominated them
    (it verified them); not by the person, nor by any other partner."""
    return is_partner(actor) and expert.partner_id == actor.partner_id


# Governance ---------------------------------------------------------------------------------



def proposal_visibility(actor: Actor | None) -> ColumnElement[bool]:
    """SQL condition selecting the proposals this caller may see."""
    from governance.models import MatchProposal, ProposalExpert

    if actor is None or actor.role == Role.EXPERT:
        return false()
    if can_view_governance_internals(actor):
        return true()
    if actor.role == Role.STATE:
        own = select(CapacityRequest.id).where(CapacityRequest.state_code == actor.state_code)
        return MatchProposal.request_id.in_(own)  # type: ignore[attr-defined]
    if actor.role != Role.PARTNER:
        return false()
    own_offers = select(Offer.id).where(Offer.partner_id == actor.partner_id)
    uses_own_expert = _on_team(ProposalExpert, ProposalExpert.proposal_id == MatchProposal.id,
                               Expert.partner_id == actor.partner_id)
    return MatchProposal.offer_id.in_(own_offers) | uses_own_expert  # type: ignore[attr-defined]


def _on_team(team, owner: ColumnElement[bool], *conditions: ColumnElement[bool]) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
    """SQL: a team has an expert meeting `conditions`. `team` is the table of teams
    (ProposalExpert or EngagementExpert), `owner` ties its rows to their proposal or engagement
    (of the enclosing query, or one id). Every team-membership rule here is this EXISTS."""
    return exists().where(owner, Expert.id == team.expert_id, *conditions)


def can_view_governance_internals(actor: Actor | None) -> bool:
    """Runs, motions and the members' votes, draft criteria: the seated committee and the
    secretariat."""
    return actor is not None and (actor.role == Role.SECRETARIAT or is_committee_member(actor))


def can_view_screening(actor: Actor | None, request) -> bool:  # type: ignore[no-untyped-def]
    """A request's screening: the requesting State, the committee and the secretariat."""
    if can_view_governance_internals(actor):
        return True
    return actor is not None and actor.role == Role.STATE and request.state_code == actor.state_code


# Donor coordination ---------------------------------------------------------------------------

def can_view_support_map(actor: Actor | None, state_code: str) -> bool:
    """Who supports which recommendation of a State: the partners (to avoid funding a need
    twice), the seated committee and the secretariat for every State; a State for its own."""
    if actor is None:
        return False
    if can_view_governance_internals(actor) or actor.role == Role.PARTNER:
        return True
    return actor.role == Role.STATE and actor.state_code == state_code


def can_view_unmet_demand(actor: Actor | None) -> bool:
    """What the last run left unmatched and what would help: the partners (the donors it is
    for), the seated committee and the secretariat. Partners get causes and figures only
    (governance/demand.py)."""
    return can_view_governance_internals(actor) or (actor is not None and actor.role == Role.PARTNER)


# Engagements and follow-up reports ------------------------------------------------------------

def engagement_visibility(actor: Actor | None) -> ColumnElement[bool]:
    """The committee and secretariat see every engagement; a State those of its own requests;
    a partner those its offers fund."""
    from facility.engagements.models import Engagement

    if actor is None or actor.role == Role.EXPERT:
        return false()
    if can_view_governance_internals(actor):
        return true()
    if actor.role == Role.STATE:
        own = select(CapacityRequest.id).where(CapacityRequest.state_code == actor.state_code)
        return Engagement.request_id.in_(own)  # type: ignore[attr-defined]
    funded = select(Offer.id).where(Offer.partner_id == actor.partner_id)
    return Engagement.offer_id.in_(funded)  # type: ignore[attr-defined]




def can_record_engagement_progress(session, actor: Actor | None, engagement) -> bool:  # type: ignore[no-untyped-def]
    """Progress and amendments: the secretariat, or the partner whose offer funds it."""
    if actor is None:
        return False
    if actor.role == Role.SECRETARIAT:
        return True
    if actor.role == Role.PARTNER:
        offer = session.get(Offer, engagement.offer_id)
        return offer is not None and offer.partner_id == actor.partner_id
    return False


def can_record_duty_of_care(session, actor: Actor | None, engagement) -> bool:  # type: ignore[no-untyped-def]
    """The duty-of-care checklist: the partner whose offer funds the engagement (it deploys
    the team and answers for their safety)."""
    if not is_partner(actor):
        return False
    offer = session.get(Offer, engagement.offer_id)
    return offer is not None and offer.partner_id == actor.partner_id


def can_complete_without_acceptances(actor: Actor | None) -> bool:
    """Completing an engagement whose experts have not all accepted, with a reason: the
    secretariat only (lifecycle.check_step)."""
    return actor is not None and actor.role == Role.SECRETARIAT


# Deployments: an expert's place on an engagement -------------------------------------------

def deployment_visibility(actor: Actor | None) -> ColumnElement[bool]:
    """SQL condition selecting the engagements the signed-in expert is deployed on. They see
    these as deployments (what, where, when, who funds it; their own answer), never as the
    engagement itself: its follow-up reports and the team's personal data are not theirs."""
    from facility.engagements.models import Engagement, EngagementExpert

    if actor is None or actor.role != Role.EXPERT:
        return false()
    return _on_team(EngagementExpert,
                    EngagementExpert.engagement_id == Engagement.id,  # type: ignore[arg-type]
                    Expert.account_id == actor.account_id,  # type: ignore[arg-type]
                    Expert.erased_at.is_(None))  # type: ignore[union-attr]


def can_view_own_deployments(actor: Actor | None) -> bool:
    return actor is not None and actor.role == Role.EXPERT


def can_answer_deployment(actor: Actor | None, expert: Expert, engagement) -> bool:  # type: ignore[no-untyped-def]
    """Accepting or declining a deployment is the deployed expert's own."""
    return (actor is not None and actor.role == Role.EXPERT and expert.erased_at is None
            and expert.account_id == actor.account_id and expert.id in engagement.expert_ids)


def can_view_decline_reasons(session, actor: Actor | None, engagement) -> bool:  # type: ignore[no-untyped-def]
    """Why an expert declined (free text that may be personal) is for those who replace them:
    the secretariat and the funding partner. Others who see the engagement see the answer."""
    return can_record_engagement_progress(session, actor, engagement)


def follow_up_visibility(actor: Actor | None) -> ColumnElement[bool]:
    """A follow-up report is visible exactly when its engagement is."""
    from facility.engagements.models import Engagement, FollowUpReport

    visible = select(Engagement.id).where(engagement_visibility(actor))
    return FollowUpReport.engagement_id.in_(visible)  # type: ignore[attr-defined]


def can_file_follow_up(session, actor: Actor | None, engagement) -> bool:  # type: ignore[no-untyped-def]
    """Only the mission of the State that received the support files its reports."""
    if not can_file_requests(actor):
        return False
    request = session.get(CapacityRequest, engagement.request_id)
    return request is not None and request.state_code == actor.state_code  # type: ignore[union-attr]


def can_view_follow_up_compliance(actor: Actor | None) -> bool:
    """Compliance by State and regional group: the secretariat and the seated committee, who
    already see every report; States and partners see their own reports only."""
    return can_view_governance_internals(actor)


def follow_up_content_visible(actor: Actor | None, report, engagement, session) -> bool:  # type: ignore[no-untyped-def]
    """A report's content (statuses, indicators, narrative, further needs) is the State's own
    until a version is submitted: others see that it exists and when it is due, not the draft."""
    return report.submitted_at is not None or can_file_follow_up(session, actor, engagement)


# Notifications ----------------------------------------------------------------------------

def notification_visibility(actor: Actor | None) -> ColumnElement[bool]:
    """Every account sees its own notifications and nobody else's, whatever its role."""
    from facility.notifications.models import Notification

    if actor is None:
        return false()
    return Notification.account_id == actor.account_id  # type: ignore[return-value]


# Success stories ----------------------------------------------------------------------------

def can_manage_stories(actor: Actor | None) -> bool:
    """Proposing and publishing success stories is the secretariat's."""
    return actor is not None and actor.role == Role.SECRETARIAT


def story_visibility(actor: Actor | None) -> ColumnElement[bool]:
    """Everyone sees published stories; the secretariat every proposal; a State its own.
    Other States, partners, experts and the committee never see an unpublished proposal."""
    from facility.stories.models import StoryStatus, SuccessStory

    published = SuccessStory.status == StoryStatus.PUBLISHED
    if can_manage_stories(actor):
        return true()
    if actor is not None and actor.role == Role.STATE:
        return or_(published, SuccessStory.state_code == actor.state_code)
    return published  # type: ignore[return-value]




def can_answer_story(actor: Actor | None, story) -> bool:  # type: ignore[no-untyped-def]
    """Consent, decline and withdrawal of consent belong to the State whose report it is."""
    return can_file_requests(actor) and story.state_code == actor.state_code  # type: ignore[union-attr]


# Needs assessment and recommendation suggestions ------------------------------------------------

def can_view_needs_assessment(actor: Actor | None, state_code: str) -> bool:
    """A State's needs assessment: its own mission, the seated committee, the secretariat.
    (It shows the State's requests and engagements, so partners and the public get none.)"""
    if can_view_governance_internals(actor):
        return True
    return actor is not None and actor.role == Role.STATE and actor.state_code == state_code


def can_get_recommendation_suggestions(actor: Actor | None) -> bool:
    """Suggestions while filling a request are for the mission filing it, on its own State."""
    return can_file_requests(actor)


# Referrals ------------------------------------------------------------------------------------

def can_manage_funds(actor: Actor | None) -> bool:
    """The secretariat registers the funds OHCHR administers and records their donors' pledges
    and payments; the funds and those figures are public (facility/funds)."""
    return is_secretariat(actor)


def can_record_referrals(actor: Actor | None) -> bool:
    """The secretariat records what the Council's President or OHCHR refers to the facility."""
    return is_secretariat(actor)


def referral_visibility(actor: Actor | None) -> ColumnElement[bool]:
    """The secretariat and the seated committee see every referral; a State its own; everyone
    else only those the State concerned chose to make public when it answered."""
    from facility.referrals.models import Referral

    if can_view_governance_internals(actor):
        return true()
    public = Referral.public.is_(True)  # type: ignore[attr-defined]
    if actor is not None and actor.role == Role.STATE:
        return or_(public, Referral.state_code == actor.state_code)  # type: ignore[arg-type]
    return public  # type: ignore[no-any-return]


def can_answer_referral(actor: Actor | None, referral) -> bool:  # type: ignore[no-untyped-def]
    """The State concerned alone accepts or declines a referral."""
    return can_file_requests(actor) and referral.state_code == actor.state_code  # type: ignore[union-attr]


def can_view_decline_reason(actor: Actor | None, referral) -> bool:  # type: ignore[no-untyped-def]
    """Why a State declined: the State, the secretariat and the seated committee; anyone else
    only if the State made the reason public too."""
    return (referral.public and referral.reason_public) or can_view_governance_internals(actor) \
        or can_answer_referral(actor, referral)


# The dialogue platform: progress updates and the State pages ------------------------------------

def can_post_progress_updates(actor: Actor | None) -> bool:
    """A State mission reports on its own State's recommendations."""
    return can_file_requests(actor)


def can_change_progress_update(actor: Actor | None, update) -> bool:  # type: ignore[no-untyped-def]
    return can_file_requests(actor) and update.state_code == actor.state_code  # type: ignore[union-attr]


def can_set_state_page_consent(actor: Actor | None) -> bool:
    """Only the State's own mission opens or closes its public page."""
    return can_file_requests(actor)


def open_state_pages() -> ColumnElement[bool]:
    """SQL: the rows (with a `state_code`) of States that opened their public page."""
    from facility.dialogue.models import StatePageConsent

    return StatePageConsent.open.is_(True)  # type: ignore[attr-defined, no-any-return]


def funded_states(actor: Actor | None):  # type: ignore[no-untyped-def]
    """SQL: the codes of the States whose engagements the partner's offers fund."""
    from facility.engagements.models import Engagement

    return (select(CapacityRequest.state_code)  # type: ignore[call-overload]
            .join(Engagement, Engagement.request_id == CapacityRequest.id)  # type: ignore[arg-type]
            .join(Offer, Offer.id == Engagement.offer_id)  # type: ignore[arg-type]
            .where(Offer.partner_id == actor.partner_id))  # type: ignore[union-attr]


def progress_update_visibility(actor: Actor | None) -> ColumnElement[bool]:
    """A draft is its State's own. A published update goes to the secretariat and the seated
    committee, to the partners funding an engagement of that State (the reports back), and to
    everyone once the State opened its public page."""
    from facility.dialogue.models import ProgressUpdate, StatePageConsent, UpdateStatus

    published = ProgressUpdate.status == UpdateStatus.PUBLISHED
    own = false()
    if actor is not None and actor.role == Role.STATE:
        own = ProgressUpdate.state_code == actor.state_code  # type: ignore[assignment]
    if can_view_governance_internals(actor):
        return or_(own, published)  # type: ignore[arg-type]
    opened = select(StatePageConsent.state_code).where(open_state_pages())  # type: ignore[call-overload]
    readers = ProgressUpdate.state_code.in_(opened)  # type: ignore[attr-defined]
    if is_partner(actor):
        readers = or_(readers, ProgressUpdate.state_code.in_(funded_states(actor)))  # type: ignore[attr-defined]
    return or_(own, published & readers)


def can_view_outcomes_of(actor: Actor | None) -> bool:
    """The reports back (published updates and submitted follow-up outcomes of the States
    whose engagements a partner funds) are the partners' page."""
    return is_partner(actor)


# The good-practice library ----------------------------------------------------------------------

LIBRARY_CONTRIBUTORS = (Role.STATE, Role.PARTNER, Role.EXPERT, Role.SECRETARIAT)


def can_contribute_resources(actor: Actor | None) -> TypeGuard[Actor]:
    """States, partners, experts (and the secretariat itself) contribute to the library."""
    if actor is None or actor.role not in LIBRARY_CONTRIBUTORS:
        return False
    if actor.role == Role.STATE:
        return actor.state_code is not None
    return actor.role != Role.PARTNER or actor.partner_id is not None


def own_resources(actor: Actor | None) -> ColumnElement[bool]:
    """SQL: the resources of the caller's tenant — its State's, its partner's, the expert's own,
    the secretariat's."""
    from facility.library.models import LibraryResource as R

    if not can_contribute_resources(actor):
        return false()
    if actor.role == Role.STATE:
        return (R.contributor_role == Role.STATE) & (R.state_code == actor.state_code)  # type: ignore[return-value]
    if actor.role == Role.PARTNER:
        return (R.contributor_role == Role.PARTNER) & (R.partner_id == actor.partner_id)  # type: ignore[return-value]
    if actor.role == Role.EXPERT:
        return (R.contributor_role == Role.EXPERT) & (R.contributed_by_id == actor.account_id)  # type: ignore[return-value]
    return R.contributor_role == Role.SECRETARIAT  # type: ignore[return-value]


def resource_visibility(actor: Actor | None) -> ColumnElement[bool]:
    """Everyone reads a published resource; a draft or a returned one is its tenant's own; the
    secretariat also reads what was submitted to it (and what it returned)."""
    from facility.library.models import LibraryResource as R
    from facility.library.models import ResourceStatus

    published = R.status == ResourceStatus.PUBLISHED
    if is_secretariat(actor):
        return or_(published, R.status != ResourceStatus.DRAFT, own_resources(actor))  # type: ignore[arg-type]
    return or_(published, own_resources(actor))  # type: ignore[arg-type]


def can_change_resource(actor: Actor | None, resource) -> bool:  # type: ignore[no-untyped-def]
    """The contributor's tenant changes and submits its draft (or a returned resource)."""
    if not can_contribute_resources(actor):
        return False
    if actor.role != resource.contributor_role:
        return False
    if actor.role == Role.STATE:
        return resource.state_code == actor.state_code  # type: ignore[no-any-return]
    if actor.role == Role.PARTNER:
        return resource.partner_id == actor.partner_id  # type: ignore[no-any-return]
    if actor.role == Role.EXPERT:
        return resource.contributed_by_id == actor.account_id  # type: ignore[no-any-return]
    return True


def can_review_resources(actor: Actor | None) -> TypeGuard[Actor]:
    """The secretariat publishes or returns what is submitted, and turns success stories into
    case studies."""
    return is_secretariat(actor)


# The programmes directory -------------------------------------------------------------------------

def can_add_programmes(actor: Actor | None) -> TypeGuard[Actor]:
    """The secretariat and the partners maintain the directory."""
    return is_secretariat(actor) or is_partner(actor)


def can_change_programme(actor: Actor | None, programme) -> bool:  # type: ignore[no-untyped-def]
    """The secretariat changes any programme; a partner its own."""
    if is_secretariat(actor):
        return True
    return is_partner(actor) and programme.partner_id == actor.partner_id


def programme_application_visibility(actor: Actor | None) -> ColumnElement[bool]:
    """A State's applications are seen where its request is: by whoever may see the request."""
    from facility.programmes.models import ProgrammeApplication

    visible = select(CapacityRequest.id).where(request_visibility(actor))
    return ProgrammeApplication.request_id.in_(visible)  # type: ignore[attr-defined, no-any-return]
