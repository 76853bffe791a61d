"""Fuzzing the GraphQL endpoint with schemathesis: the cases and the property they must hold.

Shared by tests/security/test_fuzz_graphql.py (a fixed seed and a few examples per role, in CI)
and bench/fuzz_graphql.py (the larger run, by hand). schemathesis reads the published SDL
(graphql/schema.graphql: the production endpoint has no introspection to read it from) and
generates documents for every query and mutation: valid ones with arbitrary argument values
(positive mode) and ones that break the schema (negative mode).

The property, for every generated document and caller:
- the answer is not a 5xx, and its body is a JSON object holding `data` or `errors`;
- no error is a masked fault (extensions.code INTERNAL_SERVER_ERROR): an input that reaches an
  unexpected exception is a bug even though the client never sees its detail;
- an error raised during execution (it has a `path`) is one meant for the client
  (BAD_USER_INPUT); any other would be an exception's text passed through unmasked;
- no error offers "Did you mean" (production strips suggestions);
- schemathesis's own checks hold: not a server error, and the response conforms to the schema
  (no null where the schema promises a value).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import schemathesis
from graphql import NameNode, ObjectFieldNode
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.graphql import nodes
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.api.helpers import OPERATIONS_DIR

SDL_PATH = OPERATIONS_DIR.parent / "schema.graphql"
ENDPOINT = "/graphql"


def _json_values() -> st.SearchStrategy:
    """GraphQL literals for the JSON scalar (criteria bodies): any JSON value, nested."""
    leaves = (st.just(nodes.Null) | st.booleans().map(nodes.Boolean)
              | st.integers(-(10**20), 10**20).map(nodes.Int)
              | st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float)
              | st.text(max_size=30).map(nodes.String))
    keys = st.from_regex(r"[a-z][A-Za-z0-9_]{0,12}", fullmatch=True)

    def containers(children: st.SearchStrategy) -> st.SearchStrategy:
        objects = st.dictionaries(keys, children, max_size=4).map(lambda d: nodes.Object(
            [ObjectFieldNode(name=NameNode(value=k), value=v) for k, v in d.items()]))
        return st.lists(children, max_size=4).map(nodes.List) | objects

    return st.recursive(leaves, containers, max_leaves=10)


@cache
def load_schema() -> Any:
    schemathesis.graphql.scalar("JSON", _json_values())
    return schemathesis.graphql.from_path(SDL_PATH)


def cases(mode: GenerationMode = GenerationMode.POSITIVE):
    """A strategy over every operation of the schema."""
    return load_schema().as_strategy(generation_mode=mode)


def send(http, case, token: str | None):
    """POST the case's document as a client would (JSON body, bearer token)."""
    body = case.as_transport_kwargs(base_url=f"http://testserver{ENDPOINT}")["json"]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return http.post(ENDPOINT, json=body, headers=headers)


def check_response(case, response) -> None:
    """The fuzzing property (module docstring); raises AssertionError naming what broke."""
    document = case.body
    assert response.status_code < 500, (response.status_code, document, response.text)
    body = response.json()  # raises for a body that is not JSON
    assert isinstance(body, dict) and ("data" in body or "errors" in body), (document, body)
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert code != "INTERNAL_SERVER_ERROR", ("masked fault", document, error)
        if error.get("path") is not None:
            assert code == "BAD_USER_INPUT", ("unlabelled execution error", document, error)
        assert "Did you mean" not in error["message"], (document, error)
    if response.status_code == 200:
        case.validate_response(response, checks=[not_a_server_error,
                                                 response_schema_conformance])
