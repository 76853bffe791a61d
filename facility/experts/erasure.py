"""Erasing a person from the roster: `facility experts erase EMAIL`.

The roster entry stays (proposals, engagements and the fairness of past runs refer to it by
id) but everything that identifies the person is replaced: name and e-mail by a pseudonym
derived from the id, phone and CV emptied, availability windows and declared conflicts
deleted, readiness (notice period, checks and the notices about them) deleted, consent
withdrawn (so no run ever considers them again), and the entry leaves the
roster list. Their expert account gets the same treatment: pseudonymised, password removed,
deactivated, every live token and web session revoked, and the sign-in attempts counted
under the address (keyed hashes of it) deleted. What stays is the anonymised profile (nationality,
languages, seniority, themes) that past decisions were based on.

Nothing has to be rewritten in the audit chain: its payloads hold ids and scope names,
never personal data (facility.audit), so it still verifies after an erasure. The erasure
itself is audited, by id.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from facility import audit, locking
from facility.auth.models import Account, ApiToken, LoginAttempt, Role, WebSession
from facility.auth.service import normalise_email, revoke
from facility.auth.web_sessions import email_key
from facility.engagements.models import DeploymentAnswer
from facility.errors import NotFound
from facility.experts.models import Expert, ExpertAvailability, ExpertCheck
from facility.notifications.models import Notification
from facility.timeutil import utcnow

PSEUDONYM_DOMAIN = "erased.invalid"  # RFC 2606: can never be a real address


@dataclass(frozen=True)
class Erasure:
    expert_ids: list[int]
    account_ids: list[int]
    tokens_revoked: int


def pseudonym_email(kind: str, row_id: int) -> str:
    return f"erased-{kind}-{row_id}@{PSEUDONYM_DOMAIN}"


def erase_expert(session: Session, *, email: str, secret: str,
                 actor_account_id: int | None = None) -> Erasure:
    """Pseudonymise every roster entry with this e-mail address and the person's account.

    `secret` is the settings' secret key, under which sign-in attempts are counted.
    """
    email = normalise_email(email)
    experts = list(session.exec(select(Expert).where(Expert.email == email,
                                                     col(Expert.erased_at).is_(None))))
    if not experts:
        raise NotFound("no expert on the roster has this e-mail address")
    account_ids = {e.account_id for e in experts if e.account_id is not None}
    # The person's own expert account may carry the address without being linked yet.
    account_ids |= set(session.exec(select(Account.id).where(
        Account.email == email, Account.role == Role.EXPERT)))  # type: ignore[arg-type]
    now = utcnow()
    for expert in experts:
        locking.lock(session, expert)
        assert expert.id is not None
        expert.name = f"Erased expert {expert.id}"
        expert.email = pseudonym_email("expert", expert.id)
        expert.phone = ""
        expert.cv = ""
        expert.conflict_states = []
        expert.conflict_partner_ids = []
        if expert.consent_withdrawn_at is None:
            expert.consent_withdrawn_at = now
        expert.consent_scope = ""
        expert.notice_hours = None
        expert.erased_at = now
        expert.version += 1
        expert.updated_at = now
        session.add(expert)
        session.exec(delete(ExpertAvailability).where(col(ExpertAvailability.expert_id) == expert.id))
        # The notices about their checks go with the checks (they name the check's kind).
        session.exec(delete(Notification).where(col(Notification.expert_check_id).in_(
            select(ExpertCheck.id).where(col(ExpertCheck.expert_id) == expert.id))))
        session.exec(delete(ExpertCheck).where(col(ExpertCheck.expert_id) == expert.id))
        # Why they declined a deployment is their own words (health, family): the answer stays,
        # the words go (the audit chain holds only their digest).
        session.execute(update(DeploymentAnswer).where(col(DeploymentAnswer.expert_id) == expert.id)
                        .values(reason=""))
    revoked = 0
    for account_id in sorted(account_ids):
        account = session.get(Account, account_id)
        assert account is not None
        account.email = pseudonym_email("account", account_id)
        account.name = f"Erased account {account_id}"
        account.password_hash = None
        account.active = False
        session.add(account)
        for token in session.exec(select(ApiToken).where(ApiToken.account_id == account_id)):
            token.label = ""
            session.add(token)
            if token.revoked_at is None:
                revoke(session, token, actor_account_id=actor_account_id)
                revoked += 1
        session.execute(update(WebSession).where(
            col(WebSession.account_id) == account_id, col(WebSession.revoked_at).is_(None))
            .values(revoked_at=now))
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.email_key) == email_key(secret, email)))
    session.flush()
    for expert in experts:
        audit.record(session, actor_account_id=actor_account_id, action="expert.erased",
                     subject_type="expert", subject_id=expert.id,
                     payload={"accounts": sorted(account_ids)})
    return Erasure(expert_ids=[e.id for e in experts], account_ids=sorted(account_ids),  # type: ignore[misc]
                   tokens_revoked=revoked)
