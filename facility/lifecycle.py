"""Lifecycles: which status may follow which, and the one way an object moves on.

Each kind of object with a status declares its steps once (requests, offers, engagements,
proposals, criteria); every status change goes through `Lifecycle.move`, which refuses a step
the table does not allow (InvalidTransition, a Conflict) and, for objects that carry an
optimistic version, bumps it, so that a client holding an older copy learns it changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, Generic, TypeVar

from facility.errors import InvalidTransition
from facility.timeutil import utcnow

S = TypeVar("S", bound=StrEnum)


class Lifecycle(Generic[S]):
    def __init__(self, what: str, steps: Mapping[S, Iterable[S]], *,
                 version: str | None = "version", touched: str | None = "updated_at") -> None:
        self.what = what
        self.steps: dict[S, frozenset[S]] = {status: frozenset(after) for status, after in steps.items()}
        self._version = version
        self._touched = touched

    def allows(self, current: S, to: S) -> bool:
        return to in self.steps.get(current, frozenset())

    def before(self, to: S) -> frozenset[S]:
        """The statuses from which an object may move to `to`."""
        return frozenset(s for s, after in self.steps.items() if to in after)

    def move(self, obj: Any, to: S, *, refusal: str | None = None) -> None:
        """Set `obj.status` to `to`, or refuse (with `refusal`, or a sentence naming both
        statuses). The caller holds the row lock where the step depends on the status."""
        current = obj.status
        if not self.allows(current, to):
            raise InvalidTransition(refusal or f"{_article(self.what)} {self.what} in status "
                                               f"{current} cannot become {to}")
        obj.status = to
        if self._version:
            setattr(obj, self._version, getattr(obj, self._version) + 1)
        if self._touched:
            setattr(obj, self._touched, utcnow())


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
