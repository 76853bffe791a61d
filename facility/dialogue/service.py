"""Progress updates and the State page consent: what a State reports on its recommendations, of
any mechanism and whether or not an engagement served them, and whether it opens its page.

A State writes an update as a draft (its own), then publishes it: the secretariat, the seated
committee and the partners funding its engagements read it, and the public too once the State
opened its page (/states/{code}). A published update is final; a later change is a new update.
Every change is audited in the caller's transaction, without its free text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from facility import audit, idempotency, locking
from facility.auth import permissions
from facility.auth.actor import Actor
from facility.dialogue.lifecycle import UPDATE
from facility.dialogue.models import ProgressUpdate, StatePageConsent, UpdateStatus
from facility.engagements.models import ImplementationStatus
from facility.errors import Conflict, NotFound, PermissionDenied, Problems, StaleVersion
from facility.locking import advisory_lock, lock
from facility.reference.models import Recommendation
from facility.timeutil import utcnow
from facility.validation import check_characters, check_text, is_web_address

MAX_TEXT = 5_000
MAX_LINK = 500


@dataclass
class UpdateFields:
    """What a State says about one recommendation."""

    recommendation_id: int
    implementation_status: str
    evidence: str
    evidence_link: str | None = None
    barriers: str = ""
    support_wanted: str = ""


def _not_found(update_id: int) -> NotFound:
    return NotFound(f"no progress update with id {update_id}")


def get_update(session: Session, *, actor: Actor | None, update_id: int) -> ProgressUpdate:
    """The update, if this caller may see it."""
    update = session.exec(select(ProgressUpdate).where(
        ProgressUpdate.id == update_id, permissions.progress_update_visibility(actor))).first()
    if update is None:
        raise _not_found(update_id)
    return update


def list_updates(session: Session, *, actor: Actor | None, state_code: str | None = None,
                 recommendation_id: int | None = None, status: UpdateStatus | None = None,
                 limit: int, offset: int) -> tuple[list[ProgressUpdate], int]:
    """A page of the updates this caller may see, the latest published (then written) first."""
    condition = permissions.progress_update_visibility(actor)
    if state_code is not None:
        condition = condition & (ProgressUpdate.state_code == state_code.strip().upper())
    if recommendation_id is not None:
        condition = condition & (ProgressUpdate.recommendation_id == recommendation_id)
    if status is not None:
        condition = condition & (ProgressUpdate.status == status)
    total = session.exec(select(func.count()).select_from(ProgressUpdate).where(condition)).one()
    rows = session.exec(select(ProgressUpdate).where(condition).order_by(
        ProgressUpdate.published_at.desc().nulls_first(),  # type: ignore[union-attr]
        ProgressUpdate.id.desc()).offset(offset).limit(limit)).all()  # type: ignore[union-attr]
    return list(rows), total


def _validate(session: Session, fields: UpdateFields, state_code: str) -> UpdateFields:
    problems = Problems()
    recommendation = session.get(Recommendation, fields.recommendation_id)
    if recommendation is None:
        problems.add("recommendationId", "exists",
                     "recommendationId: no such recommendation")
    elif recommendation.state_code != state_code:
        problems.add("recommendationId", "addressed_to_own_state",
                     f"recommendationId: recommendation {recommendation.source_id} is addressed "
                     f"to {recommendation.state_code}, not to {state_code}")
    if fields.implementation_status not in ImplementationStatus.__members__:
        problems.add("implementationStatus", "one_of",
                     f"implementationStatus: {fields.implementation_status!r} is not one of "
                     f"{', '.join(ImplementationStatus)}")
    check_text(problems, "evidence", fields.evidence, max_length=MAX_TEXT)
    check_text(problems, "barriers", fields.barriers, min_length=0, max_length=MAX_TEXT)
    check_text(problems, "supportWanted", fields.support_wanted, min_length=0, max_length=MAX_TEXT)
    link = (fields.evidence_link or "").strip()
    if link and check_characters(problems, "evidenceLink", link) and (
            len(link) > MAX_LINK or not is_web_address(link)):
        problems.add("evidenceLink", "url", f"evidenceLink: an http(s) address of at most "
                                            f"{MAX_LINK} characters")
    problems.raise_if_any()
    return UpdateFields(recommendation_id=fields.recommendation_id,
                        implementation_status=fields.implementation_status,
                        evidence=fields.evidence.strip(), evidence_link=link or None,
                        barriers=fields.barriers.strip(), support_wanted=fields.support_wanted.strip())


def _apply(update: ProgressUpdate, fields: UpdateFields) -> None:
    update.recommendation_id = fields.recommendation_id
    update.implementation_status = fields.implementation_status
    update.evidence = fields.evidence
    update.evidence_link = fields.evidence_link
    update.barriers = fields.barriers
    update.support_wanted = fields.support_wanted


def post_update(session: Session, *, actor: Actor | None, fields: UpdateFields,
                publish: bool = False, idempotency_key: str | None = None) -> ProgressUpdate:
    """A State mission writes an update on one of its recommendations: a draft, or published
    at once when `publish`."""
    if not permissions.can_post_progress_updates(actor):
        raise PermissionDenied("only a State mission posts progress updates")
    assert actor is not None and actor.state_code is not None

    def create() -> ProgressUpdate:
        clean = _validate(session, fields, actor.state_code)  # type: ignore[arg-type]
        update = ProgressUpdate(state_code=actor.state_code, created_by_id=actor.account_id,  # type: ignore[arg-type]
                                recommendation_id=clean.recommendation_id,
                                implementation_status=clean.implementation_status, evidence="")
        _apply(update, clean)
        session.add(update)
        session.flush()
        _audit(session, actor, update, "drafted", {"recommendation": update.recommendation_id,
                                                   "status": update.implementation_status})
        if publish:
            _publish(session, actor, update)
        return update

    return idempotency.create_once(
        session, account_id=actor.account_id, operation="postProgressUpdate",
        key=idempotency_key, payload={**asdict(fields), "publish": publish},
        what="a progress update", model=ProgressUpdate, create=create)


def _own_draft(session: Session, actor: Actor | None, update_id: int,
               expected_version: int | None) -> ProgressUpdate:
    update = get_update(session, actor=actor, update_id=update_id)
    if not permissions.can_change_progress_update(actor, update):
        raise PermissionDenied("only the mission of the State that posted it changes an update")
    locking.check_version(session, update, expected_version, what="progress update")
    if update.status != UpdateStatus.DRAFT:
        raise Conflict("a published update is final; post a new update to report a change")
    return update


def change_update(session: Session, *, actor: Actor | None, update_id: int,
                  changes: dict[str, Any], expected_version: int | None = None) -> ProgressUpdate:
    """Change fields of a draft update (UpdateFields' names)."""
    update = _own_draft(session, actor, update_id, expected_version)
    fields = UpdateFields(recommendation_id=update.recommendation_id,
                          implementation_status=update.implementation_status,
                          evidence=update.evidence, evidence_link=update.evidence_link,
                          barriers=update.barriers, support_wanted=update.support_wanted)
    for name, value in changes.items():
        setattr(fields, name, value)
    _apply(update, _validate(session, fields, update.state_code))
    update.version += 1
    update.updated_at = utcnow()
    session.add(update)
    session.flush()
    _audit(session, actor, update, "changed", {"fields": sorted(changes)})  # type: ignore[arg-type]
    return update


def publish_update(session: Session, *, actor: Actor | None, update_id: int,
                   expected_version: int | None = None) -> ProgressUpdate:
    """The State publishes its draft; it is final from then on."""
    update = _own_draft(session, actor, update_id, expected_version)
    _publish(session, actor, update)  # type: ignore[arg-type]
    return update


def _publish(session: Session, actor: Actor, update: ProgressUpdate) -> None:
    UPDATE.move(update, UpdateStatus.PUBLISHED)
    update.published_at = utcnow()
    session.add(update)
    session.flush()
    _audit(session, actor, update, "published", {})


def _audit(session: Session, actor: Actor, update: ProgressUpdate, step: str,
           payload: dict) -> None:
    audit.record(session, actor_account_id=actor.account_id, action=f"progress_update.{step}",
                 subject_type="progress_update", subject_id=update.id,
                 payload={"state": update.state_code, **payload})


# The State page consent ---------------------------------------------------------------------------

def page_consent(session: Session, state_code: str) -> StatePageConsent | None:
    return session.get(StatePageConsent, state_code)


def is_open(session: Session, state_code: str) -> bool:
    consent = page_consent(session, state_code)
    return consent is not None and consent.open


def set_page_consent(session: Session, *, actor: Actor | None, open: bool,
                     expected_version: int | None = None) -> StatePageConsent:
    """The State's mission opens (or closes) its public page. A State that never answered has
    version 0; setting what is already set changes nothing."""
    if not permissions.can_set_state_page_consent(actor):
        raise PermissionDenied("only a State's mission opens or closes its public page")
    assert actor is not None and actor.state_code is not None
    # The first answer inserts the row: concurrent ones queue on the State's name instead of
    # both inserting it (one would fail on the key).
    advisory_lock(session, f"state-page-consent:{actor.state_code}")
    consent = page_consent(session, actor.state_code)
    if consent is not None:
        lock(session, consent)
    if consent is None:
        if expected_version not in (None, 0):
            raise StaleVersion(f"the page consent changed since you read it (expectedVersion "
                               f"{expected_version}, now 0); reload it")
        consent = StatePageConsent(state_code=actor.state_code, open=not open, version=0,
                                   changed_by_id=actor.account_id)
    else:
        locking.check_version(session, consent, expected_version, what="page consent")
    if consent.open == open:
        return consent
    consent.open = open
    consent.version += 1
    consent.changed_by_id = actor.account_id
    consent.changed_at = utcnow()
    session.add(consent)
    session.flush()
    audit.record(session, actor_account_id=actor.account_id,
                 action=f"state_page.{'opened' if open else 'closed'}",
                 subject_type="state_page", subject_id=None,
                 payload={"state": actor.state_code, "version": consent.version})
    return consent
