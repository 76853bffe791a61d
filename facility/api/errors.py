"""Error types of the GraphQL contract, and the mapping from domain errors to them."""

from __future__ import annotations

import re

import strawberry
from graphql import GraphQLError

from facility import errors


class PublicError(GraphQLError):
    """A GraphQL error whose message is meant for the client (never masked).

    Labelled with the conventional `extensions.code` BAD_USER_INPUT, so that a client (or a
    fuzzer) can tell it from a fault even though it carries a path like a resolver's fault.
    """

    def __init__(self, message: str, *args, **kwargs) -> None:
        kwargs.setdefault("extensions", {"code": "BAD_USER_INPUT"})
        super().__init__(message, *args, **kwargs)


@strawberry.type
class FieldError:
    field: str
    rule: str
    message: str


@strawberry.type
class ValidationError:
    message: str
    field: str
    rule: str
    errors: list[FieldError] = strawberry.field(description="every problem of the input")


@strawberry.type(name="PermissionDenied")
class PermissionDeniedError:
    message: str


@strawberry.type(name="NotFound")
class NotFoundError:
    message: str


@strawberry.type(name="Conflict")
class ConflictError:
    message: str


ErrorResult = ValidationError | PermissionDeniedError | NotFoundError | ConflictError


# Services name objects by their row numbers; clients know only the opaque ids, and a row number
# tells them how many rows there are. "no request with id 25" -> "no request with this id".
_ROW_NUMBERS = ((re.compile(r"\bwith id \d+\b"), "with this id"),
                (re.compile(r"\bon engagement \d+\b"), "on this engagement"))


def without_row_numbers(message: str) -> str:
    """The message with the internal row numbers it names replaced by the id the client gave."""
    for pattern, words in _ROW_NUMBERS:
        message = pattern.sub(words, message)
    return message


def is_client_error(error: GraphQLError) -> bool:
    """A mistake of the client's, answered as it is: syntax and validation errors (no original
    error), a PublicError from a resolver, and variable values the schema refused (raised while
    coercing the variables, before any resolver ran, hence without a path)."""
    original = error.original_error
    return original is None or isinstance(original, PublicError) or (
        error.path is None and isinstance(original, GraphQLError))


def to_graphql(error: errors.DomainError) -> ErrorResult:
    if isinstance(error, errors.ValidationFailed):
        first = error.problems[0]
        return ValidationError(
            message=error.message, field=first.field, rule=first.rule,
            errors=[FieldError(field=p.field, rule=p.rule, message=p.message)
                    for p in error.problems],
        )
    if isinstance(error, errors.PermissionDenied):
        return PermissionDeniedError(message=error.message)
    if isinstance(error, errors.NotFound):
        return NotFoundError(message=without_row_numbers(error.message))
    if isinstance(error, errors.Conflict):
        return ConflictError(message=error.message)
    raise TypeError(f"no GraphQL type for {type(error).__name__}")
