"""Limits on the shape and content of a GraphQL request that graphql-core does not enforce.

Two kinds of overloading cost the server work out of proportion to the request and serve no
client: the same directive stacked on one location (`__typename @a @a @a …`, which the standard
rules answer with one error per directive) and the same field asked for many times in one
selection (`{ me me me … }`, which the executor merges only after validating every copy).

A third limit is on content: no string may hold the NUL character. PostgreSQL cannot store or
even compare it (any statement carrying one fails), so an argument holding one would reach
the database as a fault; it is refused up front, in literals and in variables alike.

The rules here run in a pass of their own *before* the standard validation (see
`CheapLimitsFirst`), so a flood is answered with one short error instead of one error per
repetition, and the standard rules never walk it. Their messages name the limit and the
directive or field the client itself wrote, never anything else of the schema.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from graphql import (
    BREAK,
    ASTValidationRule,
    DirectiveNode,
    FieldNode,
    GraphQLError,
    SelectionSetNode,
    StringValueNode,
    ValidationContext,
    validate,
)
from strawberry.extensions import SchemaExtension

MAX_REPEATS_PER_LOCATION = 3  # one directive name on one field, fragment or operation
MAX_DIRECTIVES = 50  # directives in the whole document
MAX_FIELD_REPEATS = 3  # one response key in one selection set


class DirectiveLimitRule(ASTValidationRule):
    """Refuses a directive repeated on one location beyond a small limit, and too many in all."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.total = 0

    def enter(self, node, *_args):
        directives = getattr(node, "directives", None)
        if not directives:
            return None
        self.total += len(directives)
        if self.total > MAX_DIRECTIVES:
            self.report_error(GraphQLError(
                f"the document has more than {MAX_DIRECTIVES} directives", directives[0]))
            return BREAK
        counts = Counter(d.name.value for d in directives if isinstance(d, DirectiveNode))
        name, repeats = counts.most_common(1)[0]
        if repeats > MAX_REPEATS_PER_LOCATION:
            first = next(d for d in directives if d.name.value == name)
            self.report_error(GraphQLError(
                f"directive '@{name}' is repeated {repeats} times on one location; "
                f"at most {MAX_REPEATS_PER_LOCATION}", first))
            return BREAK
        return None


class FieldRepetitionRule(ASTValidationRule):
    """Refuses a selection set that asks for the same response key beyond a small limit."""

    def enter_selection_set(self, node: SelectionSetNode, *_args):
        keys = Counter((s.alias or s.name).value for s in node.selections
                       if isinstance(s, FieldNode))
        if not keys:
            return None
        key, repeats = keys.most_common(1)[0]
        if repeats > MAX_FIELD_REPEATS:
            self.report_error(GraphQLError(
                f"field '{key}' is selected {repeats} times in one selection; "
                f"at most {MAX_FIELD_REPEATS}", node))
            return BREAK
        return None


NUL_MESSAGE = "strings must not contain the NUL character (U+0000)"
MAX_JSON_DEPTH = 64  # the deepest input of the schema is a handful of levels


def json_depth(value: object) -> int:
    """How deeply a decoded JSON body nests (counted without recursion, so any depth is safe)."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth > MAX_JSON_DEPTH:
                return depth
            pending.extend((child, depth + 1) for child in
                           (item.values() if isinstance(item, dict) else item))
    return deepest


class NulCharacterRule(ASTValidationRule):
    """Refuses a string literal that holds NUL."""

    def enter_string_value(self, node: StringValueNode, *_args):
        if "\x00" in node.value:
            self.report_error(GraphQLError(NUL_MESSAGE, node))
            return BREAK
        return None


def nul_in_variables(value: object, path: str = "variables") -> str | None:
    """The path of the first variable value (or key) holding NUL, if any."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                return path
            if found := nul_in_variables(item, f"{path}.{key}"):
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if found := nul_in_variables(item, f"{path}[{index}]"):
                return found
    return None


CHEAP_RULES = (DirectiveLimitRule, FieldRepetitionRule, NulCharacterRule)


class CheapLimitsFirst(SchemaExtension):
    """Runs the rules above before the standard validation; if one fails, only its error is
    returned (strawberry skips its own validation when errors are already set)."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and context.pre_execution_errors is None:
            errors = validate(context.schema._schema, context.graphql_document, CHEAP_RULES)
            if errors:
                context.pre_execution_errors = errors
        yield
