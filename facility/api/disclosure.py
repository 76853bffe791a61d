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
"""

from __future__ import annotations

import re
from functools import cache

from graphql import GraphQLError, GraphQLSchema, ListTypeNode, NonNullTypeNode, parse, specified_scalar_types

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
