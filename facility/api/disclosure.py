"""What a client error may say about the schema when FACILITY_ENV=production.

With introspection off, graphql-core's messages are the remaining way to read the schema off
the endpoint: they suggest near names ("Did you mean 'offers'?") and name the types behind
fields the client wrote ("Cannot query field 'x' on type 'ExpertPersonal'"). In production a
message keeps what the client wrote itself and the location, and loses the rest: suggestions
are cut, and a quoted name holding a schema type that the document does not mention becomes
'(hidden)'. Development keeps graphql-core's messages whole.
"""

from __future__ import annotations

import re
from functools import cache

from graphql import GraphQLSchema, specified_scalar_types

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
