"""An expert's consent: what they agreed to (scopes), to which text (version), and when.

Scopes (docs/privacy-and-durability.md):
- ROSTER — the person is held on the roster: their anonymised profile is readable by
  signed-in callers, their name, contact details and CV by the roles of
  `auth.permissions.can_view_expert_personal`. Without it there is no roster entry at all, so
  every recorded consent includes it.
- MATCHING — the optimiser may propose them for requests (governance.runs.build_instance
  takes only experts for whom `matchable` holds).

Withdrawing consent keeps the entry (the nominating partner still manages it) but takes the
person out of matching at once; erasing (`facility experts erase`) pseudonymises it.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import ColumnElement, and_
from sqlmodel import col

from facility.errors import Problems
from facility.experts.models import Expert

# The version of the consent text the partner shows the person; a new wording gets a new
# version, and consent to an older text is refused for new records.
CONSENT_TEXT_VERSION = "roster-consent/1"


class ConsentScope(StrEnum):
    ROSTER = "ROSTER"
    MATCHING = "MATCHING"


DEFAULT_SCOPES = (ConsentScope.ROSTER, ConsentScope.MATCHING)


def encode(scopes: Iterable[ConsentScope | str]) -> str:
    """The stored form: sorted, comma-separated scope names ('' once withdrawn)."""
    return ",".join(sorted({ConsentScope(s).value for s in scopes}))


def scopes_of(expert: Expert) -> list[ConsentScope]:
    if expert.consent_withdrawn_at is not None or not expert.consent_scope:
        return []
    return [ConsentScope(s) for s in expert.consent_scope.split(",")]


def is_active(expert: Expert) -> bool:
    """Consent given, not withdrawn, and the person not erased."""
    return expert.consent_at is not None and bool(scopes_of(expert)) and expert.erased_at is None


def matchable() -> ColumnElement[bool]:
    """SQL condition: the experts the optimiser may consider."""
    return and_(
        col(Expert.consent_at).is_not(None),
        col(Expert.consent_withdrawn_at).is_(None),
        col(Expert.erased_at).is_(None),
        col(Expert.consent_scope).contains(ConsentScope.MATCHING.value),
    )


def check(problems: Problems, scopes: list[str], text_version: str, *,
          field: str = "consentScopes") -> list[ConsentScope]:
    """Validate consent to be recorded (not a withdrawal): known scopes including ROSTER, and
    agreement to the current text."""
    chosen = []
    for scope in scopes:
        try:
            chosen.append(ConsentScope(scope))
        except ValueError:
            problems.add(field, "known_scope", f"{field}: {scope!r} is not one of "
                         f"{', '.join(s.value for s in ConsentScope)}")
    if ConsentScope.ROSTER not in chosen:
        problems.add(field, "roster_required",
                     f"{field}: must include ROSTER (a person is on the roster only with "
                     f"consent to it; to withdraw consent altogether, send no scopes)")
    if text_version != CONSENT_TEXT_VERSION:
        problems.add("consentTextVersion", "current_text",
                     f"consentTextVersion: consent must be to the current text "
                     f"{CONSENT_TEXT_VERSION!r}, not {text_version!r}")
    return chosen
