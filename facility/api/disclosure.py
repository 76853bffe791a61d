"""What a client error may say about the schema when FACILITY_ENV=production.

With introspection off, graphql-core's messages are the remaining way to read the schema off
the endpoint: they suggest near names ("Did you mean 'offers'?") and name the types behind
fields the client wrote ("Cannot query field 'x' on type 'ExpertPersonal'"). In production a
message keeps what the client wrote itself and the location, and loses the rest: suggestions
are cut, and a quoted name holding a schema type that the document does not mention becomes
'(hidden)'. Development keeps graphql-core's messages whole.

Variable types were an oracle of their own: `query($v: SomeName) { __typename }` answered
"Unknown type 'SomeName'" only when no such type exists, and "cannot be non-input type" when it
is an output type, so trying names listed the schema's types. In production every validation
error about a variable (unknown type, output type, wrong type for its position, never used)
becomes one message per variable that says none of this (`generic_variable_errors`).

Type conditions were the same oracle: `{ ... on SomeName { x } }` answered "Unknown type" for
no type, "cannot condition on non composite type" for an input type or a scalar, and "cannot be
spread here" (with the errors of the fields inside) for an output type not possible there. In
production each refused type condition of an inline fragment or a fragment definition becomes
one message that says none of this, at the type condition, and the errors inside the refused
fragment are dropped, since a fragment on no type has none (`generic_fragment_errors`). A type
condition that is valid where it stands is served, as clients rely on it; the published SDL
names those types anyway.
"""

from __future__ import annotations

import re
from functools import cache

from graphql import (
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    ListTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Visitor,
    parse,
    specified_scalar_types,
    visit,
)
from graphql.language import Location

_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")
_QUOTED = re.compile(r"'([^']*)'")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
HIDDEN = "'(hidden)'"


@cache
def _secret_type_names(schema: GraphQLSchema) -> frozenset[str]:
    """Type names an outsider cannot guess: all but the root and the built-in scalars."""
    public = {"Query", "Mutation", *specified_scalar_types}
    return frozenset(name for name in schema.type_map
                     if not name.startswith("__") and name not in public)


def redact(message: str, *, schema: GraphQLSchema, document: str) -> str:
    """The message without suggestions and without type names the document does not hold."""
    secret = _secret_type_names(schema)
    written = set(_WORD.findall(document))

    def hide(match: re.Match[str]) -> str:
        names = set(_WORD.findall(match.group(1)))
        return HIDDEN if (names & secret) - written else match.group(0)

    return _QUOTED.sub(hide, _SUGGESTION.sub("", message))


_VARIABLE_ERROR = re.compile(r"Variable '\$(\w+)' (?:is never used|cannot be non-input type|"
                             r"of type '[^']*' used in position expecting)")
_UNKNOWN_TYPE = re.compile(r"Unknown type '[^']*'\.")
VARIABLE_MESSAGE = ("Variable '${name}': not accepted as declared (its type, or the place it is "
                    "used in), or not used")


def _variables(document: str) -> tuple[dict[tuple[int, int], str], dict[str, dict]]:
    """Where each variable definition's type name starts (line, column) -> the variable, and
    each variable -> where its definition starts."""
    try:
        parsed = parse(document)
    except GraphQLError:
        return {}, {}
    types: dict[tuple[int, int], str] = {}
    definitions: dict[str, dict] = {}
    for definition in parsed.definitions:
        for variable in getattr(definition, "variable_definitions", None) or ():
            name = variable.variable.name.value
            named = variable.type
            while isinstance(named, ListTypeNode | NonNullTypeNode):
                named = named.type
            if named.loc is not None and variable.loc is not None:
                types[(named.loc.start_token.line, named.loc.start_token.column)] = name
                start = variable.loc.start_token
                definitions.setdefault(name, {"line": start.line, "column": start.column})
    return types, definitions


def generic_variable_errors(errors: list[dict], *, document: str) -> list[dict]:
    """The errors, those about a variable's declaration or use replaced by the one generic
    message of that variable, given once, located at its definition (whatever was wrong)."""
    types, definitions = _variables(document)
    result, seen = [], set()
    for error in errors:
        message, locations = error.get("message", ""), error.get("locations") or []
        name = None
        if match := _VARIABLE_ERROR.match(message):
            name = match.group(1)
        elif _UNKNOWN_TYPE.fullmatch(message) and locations:
            name = types.get((locations[0]["line"], locations[0]["column"]))
        if name is None or name not in definitions:
            result.append(error)
        elif name not in seen:
            seen.add(name)
            result.append({"message": VARIABLE_MESSAGE.format(name=name),
                           "locations": [definitions[name]]})
    return result



_FRAGMENT_ERROR = re.compile(r"Fragment(?: '\w+')? cannot (?:condition on non composite type|"
                             r"be spread here)")
FRAGMENT_MESSAGE = "Fragment on '{type}': not a type that can be selected here"
NAMED_FRAGMENT_MESSAGE = "Fragment '{name}' on '{type}': not a type that can be selected here"
Place = tuple[int, int]  # (line, column), as errors locate themselves


def _place(loc: Location | None) -> Place:
    assert loc is not None  # parsed with locations
    return loc.start_token.line, loc.start_token.column


def _span(selections: SelectionSetNode) -> tuple[Place, Place]:
    loc = selections.loc
    assert loc is not None
    return _place(loc), (loc.end_token.line, loc.end_token.column)


def _generic(node: InlineFragmentNode | FragmentDefinitionNode) -> dict:
    condition = node.type_condition
    assert condition is not None
    line, column = _place(condition.loc)
    name = getattr(node, "name", None)
    message = (NAMED_FRAGMENT_MESSAGE.format(name=name.value, type=condition.name.value) if name
               else FRAGMENT_MESSAGE.format(type=condition.name.value))
    return {"message": message, "locations": [{"line": line, "column": column}]}


def generic_fragment_errors(errors: list[dict], *, document: str) -> list[dict]:
    """The errors, those about a type condition (no such type; not an object, interface or
    union type; not possible where it stands) replaced by one generic message per fragment, at
    its type condition.

    graphql-core validates nothing inside a fragment on no type, but does inside one on a type
    that exists, and validates a fragment definition's condition whether or not the fragment
    is used. So the answer covers only the part of the document that would run: errors inside
    a refused fragment, or inside a fragment definition no operation reaches (never used, or
    used only inside a refused fragment), are dropped; "never used" itself is kept."""
    try:
        parsed = parse(document)
    except GraphQLError:
        return errors
    definitions = {d.name.value: d for d in parsed.definitions if isinstance(d, FragmentDefinitionNode)}
    inline: dict[Place, InlineFragmentNode] = {}
    spreads: dict[Place, str] = {}

    class Collect(Visitor):
        def enter_inline_fragment(self, node: InlineFragmentNode, *_args: object) -> None:
            if node.type_condition is not None:
                inline[_place(node.loc)] = inline[_place(node.type_condition.loc)] = node

        def enter_fragment_spread(self, node: FragmentSpreadNode, *_args: object) -> None:
            spreads[_place(node.loc)] = node.name.value

    visit(parsed, Collect())
    by_condition = {_place(d.type_condition.loc): name for name, d in definitions.items()}
    refused_inline: set[int] = set()  # id() of the nodes
    refused_named: set[str] = set()
    others = []
    for error in errors:
        message, locations = error.get("message", ""), error.get("locations") or []
        where = (locations[0]["line"], locations[0]["column"]) if locations else None
        if where is None or not (_UNKNOWN_TYPE.fullmatch(message) or _FRAGMENT_ERROR.match(message)):
            others.append(error)
        elif where in inline:
            refused_inline.add(id(inline[where]))
        elif (name := by_condition.get(where) or spreads.get(where)) is not None:
            refused_named.add(name)
        else:
            others.append(error)  # an unknown variable type: generic_variable_errors' part

    answer: list[dict] = []
    reached: set[str] = set()
    dropped: list[tuple[Place, Place]] = []

    def walk(selections: SelectionSetNode | None) -> None:
        for selection in selections.selections if selections else ():
            if isinstance(selection, InlineFragmentNode) and id(selection) in refused_inline:
                answer.append(_generic(selection))
                dropped.append(_span(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in definitions and name not in reached:
                    reached.add(name)
                    if name in refused_named:
                        answer.append(_generic(definitions[name]))
                    else:
                        walk(definitions[name].selection_set)
            else:
                walk(getattr(selection, "selection_set", None))

    for definition in parsed.definitions:
        if isinstance(definition, OperationDefinitionNode):
            walk(definition.selection_set)
    dropped += [_span(d.selection_set) for name, d in definitions.items()
                if name not in reached or name in refused_named]
    for error in others:
        places = [(p["line"], p["column"]) for p in error.get("locations") or ()]
        if not any(start <= place <= end for place in places for start, end in dropped):
            answer.append(error)
    return answer
