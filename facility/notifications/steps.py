"""Notices that it is someone's turn: queued in the transaction of the step that makes it so.

- PROPOSAL_TO_CONFIRM: the committee approves a match (governance/decisions.py); to the
  requesting State's accounts and the accounts of the partner whose offer funds it.
- DEPLOYMENT_TO_ANSWER: an engagement is scheduled (governance/proposals.py) or an expert joins
  its team (facility/engagements/service.py); to the account of each expert concerned.
- STORY_TO_CONSENT: the secretariat proposes a success story (facility/stories/service.py); to
  the State's accounts.
- MOTION_OPEN: a screening, a proposed match or criteria are put to the vote
  (governance/motions.py); to every seated member not recused at once.
- RUN_FINISHED: an optimiser run ends DONE or FAILED (governance/runs.py); to the secretariat.
- REFERRAL_TO_ANSWER: the secretariat records a referral (facility/referrals/service.py); to
  the accounts of the State concerned.
- REFERRAL_ANSWERED: the State accepts or declines a referral (facility/referrals/service.py);
  to the secretariat, which follows it (never the State's reason).
- REQUEST_URGENT: a request is marked urgent (governance/urgency.py); to every seated member,
  and to the State's accounts when the secretariat marked it.

Only active accounts receive one. The step itself happens once (each is a change of status
under a row lock), so its notice is queued once. Like the reminders, a message holds only
what its recipient may already read on the platform: titles, the State's name, dates, the
GraphQL id; never a person's name and no other free text (reasons, comments, a run's error, a
story's summary). It is listed under the recipient's notifications at once, and e-mailed by the
next `facility reminders run` when SMTP is configured (facility/notifications/mail.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from facility.auth.models import Account, Role
from facility.engagements.models import Engagement
from facility.experts.models import Expert
from facility.ids import encode_id
from facility.notifications.models import Notification, NotificationKind
from facility.offers.models import Offer
from facility.reference.models import State
from facility.requests.models import CapacityRequest
from facility.timeutil import today
from governance.models import MatchProposal, Motion, MotionKind, OptimiserRun

FOOTER = ("What awaits you is listed on your to-do page in the Implementation Facility (/todo), "
          "with a link to act. This notice is also listed under your notifications there.\n")


def accounts_where(session: Session, condition: ColumnElement[bool]) -> list[int]:
    """The ids of the active accounts meeting `condition`, in a stable order (1 statement)."""
    return list(session.exec(select(Account.id).where(Account.active, condition)  # type: ignore[arg-type]
                             .order_by(col(Account.id))).all())


def secretariat() -> ColumnElement[bool]:
    return col(Account.role) == Role.SECRETARIAT


def of_state(state_code: str) -> ColumnElement[bool]:
    return (col(Account.role) == Role.STATE) & (col(Account.state_code) == state_code)


def of_partner(partner_id: int) -> ColumnElement[bool]:
    return (col(Account.role) == Role.PARTNER) & (col(Account.partner_id) == partner_id)


def queue(session: Session, account_ids: Iterable[int], *, kind: NotificationKind, subject: str,
          body: str, due_date: date, **about: int | None) -> int:
    """One notice per account, about the object named in `about` (e.g. proposal_id=3)."""
    ids = list(account_ids)
    for account_id in ids:
        session.add(Notification(account_id=account_id, kind=kind, offset_days=0,
                                 due_date=due_date, subject=subject, body=body, **about))
    session.flush()
    return len(ids)


def _state_name(session: Session, code: str) -> str:
    state = session.get(State, code)
    return state.name if state else code


def proposal_to_confirm(session: Session, proposal: MatchProposal) -> int:
    """The committee approved the match: the State and the partner each confirm or decline."""
    request = session.get(CapacityRequest, proposal.request_id)
    offer = session.get(Offer, proposal.offer_id)
    assert request is not None and offer is not None
    state = _state_name(session, request.state_code)
    subject = f"A match to confirm: \"{request.title}\" ({state})"
    body = (f"The committee approved the match of the request \"{request.title}\" ({state}, "
            f"{request.window_start.isoformat()} to {request.window_end.isoformat()}) with the "
            f"offer \"{offer.title}\". The requesting State and the partner each confirm or "
            "decline it; the engagement is scheduled once both have confirmed.\n\n"
            f"Proposal id (GraphQL proposal): {encode_id('MatchProposal', proposal.id)}\n\n"
            + FOOTER)
    recipients = (accounts_where(session, of_state(request.state_code))
                  + accounts_where(session, of_partner(offer.partner_id)))
    return queue(session, recipients, kind=NotificationKind.PROPOSAL_TO_CONFIRM, subject=subject,
                 body=body, due_date=today(), proposal_id=proposal.id)


def deployment_to_answer(session: Session, engagement: Engagement, expert_ids: Iterable[int]) -> int:
    """The experts `expert_ids` are on the engagement's team: each accepts or declines."""
    wanted = set(expert_ids)
    if not wanted:
        return 0
    recipients = list(session.exec(
        select(col(Account.id)).join(Expert, col(Expert.account_id) == Account.id)
        .where(col(Expert.id).in_(wanted), col(Expert.erased_at).is_(None), col(Account.active))
        .order_by(col(Account.id))).all())
    request = session.get(CapacityRequest, engagement.request_id)
    assert request is not None
    state = _state_name(session, request.state_code)
    start, end = engagement.start.isoformat(), engagement.end.isoformat()
    subject = f"A deployment to answer: {state}, from {start}"
    body = (f"You are on the team of the engagement \"{request.title}\" ({state}, {start} to "
            f"{end}). Please accept the deployment, or decline it with a reason, on your "
            "deployments page (/expert/deployments).\n\n"
            f"Engagement id (GraphQL engagement): {encode_id('Engagement', engagement.id)}\n\n"
            + FOOTER)
    return queue(session, recipients, kind=NotificationKind.DEPLOYMENT_TO_ANSWER, subject=subject,
                 body=body, due_date=engagement.start, engagement_id=engagement.id)


def story_to_consent(session: Session, story) -> int:
    """The secretariat proposes a success story from the State's report: the State answers."""
    state = _state_name(session, story.state_code)
    subject = f"A success story to consent to ({state})"
    body = (f"The secretariat proposes to publish the success story \"{story.title}\", told from "
            f"a follow-up report of {state}. Nothing is published without the State's consent: "
            "read the story as the public would, then consent or decline (with a reason).\n\n"
            f"Story id (GraphQL successStory): {encode_id('SuccessStory', story.id)}\n\n"
            + FOOTER)
    return queue(session, accounts_where(session, of_state(story.state_code)),
                 kind=NotificationKind.STORY_TO_CONSENT, subject=subject, body=body,
                 due_date=today(), story_id=story.id)


def motion_open(session: Session, motion: Motion, account_ids: Iterable[int]) -> int:
    """A motion opened: the members `account_ids` (seated, not recused) may vote on it."""
    wanted = set(account_ids)
    if not wanted:
        return 0
    recipients = accounts_where(session, col(Account.id).in_(wanted))
    if motion.kind == MotionKind.CRITERIA:
        subject = "A vote is open: criteria"
        what = "a criteria draft"
    else:
        if motion.kind == MotionKind.SCREENING:
            request = session.get(CapacityRequest, motion.subject_id)
            subject, what = "A screening is open", "the screening of the request"
        else:
            proposal = session.get(MatchProposal, motion.subject_id)
            request = session.get(CapacityRequest, proposal.request_id) if proposal else None
            subject, what = "A vote is open: a proposed match", "the proposed match of the request"
        assert request is not None
        state = _state_name(session, request.state_code)
        subject += f" ({state})"
        what += f" \"{request.title}\" ({state})"
    body = (f"The committee votes on {what}, under criteria version {motion.criteria_version}. "
            f"Vote, or recuse yourself, on the motion's page (/committee/motions/{motion.id}).\n\n"
            f"Motion id (GraphQL motion): {encode_id('Motion', motion.id)}\n\n" + FOOTER)
    return queue(session, recipients, kind=NotificationKind.MOTION_OPEN, subject=subject,
                 body=body, due_date=today(), motion_id=motion.id)


def run_finished(session: Session, run: OptimiserRun, *, proposals: int = 0) -> int:
    """An optimiser run ended (DONE or FAILED): the secretariat reads its result."""
    status = str(run.status)
    if status == "DONE":
        count = f"{proposals} new proposal{'' if proposals == 1 else 's'}"
        subject = f"Optimiser run {run.id} finished: {count}"
        lead = (f"Optimiser run {run.id} finished. It put {count} to the committee's vote; its "
                "page lists them and explains each request left unmatched.")
    else:
        subject = f"Optimiser run {run.id} failed"
        lead = f"Optimiser run {run.id} failed; its page says why. Start a new run when ready."
    body = (f"{lead} (/secretariat/runs/{run.id})\n\n"
            f"Run id (GraphQL optimiserRun): {encode_id('OptimiserRun', run.id)}\n\n" + FOOTER)
    return queue(session, accounts_where(session, secretariat()),
                 kind=NotificationKind.RUN_FINISHED, subject=subject, body=body,
                 due_date=today(), run_id=run.id)


def referral_to_answer(session: Session, referral) -> int:  # type: ignore[no-untyped-def]
    """A situation concerning the State is referred to the facility: the State alone decides
    whether to accept it (as a draft request it edits) or to decline it."""
    state = _state_name(session, referral.state_code)
    subject = f"A referral to answer ({state}): {referral.document_symbol}"
    body = (f"A situation concerning {state} was referred to the facility under the Council "
            f"document {referral.document_symbol}: \"{referral.title}\". Nothing is done without "
            "the State's answer: accept it, and a draft request pre-filled from it is yours to "
            "edit and submit, or decline it with a reason, which stays private unless you make "
            f"it public (/state/referrals/{referral.id}).\n\n"
            f"Referral id (GraphQL referral): {encode_id('Referral', referral.id)}\n\n" + FOOTER)
    return queue(session, accounts_where(session, of_state(referral.state_code)),
                 kind=NotificationKind.REFERRAL_TO_ANSWER, subject=subject, body=body,
                 due_date=today(), referral_id=referral.id)


def referral_answered(session: Session, referral) -> int:  # type: ignore[no-untyped-def]
    """The State concerned answered a referral: the secretariat, which recorded it, follows it up
    (an accepted one becomes a draft the State submits when it is ready). The decline's reason
    stays on the platform, where its visibility rules apply."""
    state = _state_name(session, referral.state_code)
    answer = "accepted" if referral.status == "ACCEPTED" else "declined"
    subject = f"A referral was {answer} ({state}): {referral.document_symbol}"
    then = ("A draft request was filed from it, which the State edits and submits when it is "
            "ready; nothing is matched before." if answer == "accepted" else
            "Its reason is recorded on the referral's page.")
    body = (f"The mission of {state} {answer} the referral \"{referral.title}\" (Council document "
            f"{referral.document_symbol}). {then} (/secretariat/referrals/{referral.id})\n\n"
            f"Referral id (GraphQL referral): {encode_id('Referral', referral.id)}\n\n" + FOOTER)
    return queue(session, accounts_where(session, secretariat()),
                 kind=NotificationKind.REFERRAL_ANSWERED, subject=subject, body=body,
                 due_date=today(), referral_id=referral.id)
