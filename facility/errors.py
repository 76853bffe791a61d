"""Errors a client should handle; the GraphQL layer turns each into its union member."""

from __future__ import annotations

from dataclasses import dataclass, field


class DomainError(Exception):
    """An expected failure; its message is safe to show to the caller."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FieldProblem:
    field: str
    rule: str
    message: str


class ValidationFailed(DomainError):
    """One or more input fields break a rule; nothing was written."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        assert problems, "ValidationFailed needs at least one problem"
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems

    @classmethod
    def single(cls, field: str, rule: str, message: str) -> ValidationFailed:
        return cls([FieldProblem(field, rule, message)])


class PermissionDenied(DomainError):
    """The caller may see the object but not do this to it."""


class RefusedAfterRecording(PermissionDenied):
    """Refused, but what the service wrote while finding out must stay: the caller commits it
    with the refusal instead of rolling it back (the automatic recusal of a member whose
    conflict is found when they vote or close the vote, with its audit entry)."""


class NotFound(DomainError):
    """No such object, or one the caller may not see (answered the same way on purpose)."""


class Conflict(DomainError):
    """The object changed since the caller read it, or the action clashes with its state."""


class StaleVersion(Conflict):
    """The object changed since the caller read it (its version is not the one they hold):
    reload, then apply the change again."""


class InvalidTransition(Conflict):
    """The object's lifecycle does not allow this step from the status it is in."""


@dataclass
class Problems:
    """Collects every problem of an input before refusing it as a whole."""

    items: list[FieldProblem] = field(default_factory=list)

    def add(self, field_name: str, rule: str, message: str) -> None:
        self.items.append(FieldProblem(field_name, rule, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed(self.items)
