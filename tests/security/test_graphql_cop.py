"""graphql-cop's probes, written as tests against the production configuration.

graphql-cop (dolevf/graphql-cop) checks a GraphQL endpoint for introspection, field
suggestions, GET-based queries and mutations, CSRF-style form posts, alias overloading,
directive overloading, batching, field duplication, circular queries, an exposed IDE and
trace/debug output. Each probe below sends what it sends (or a stronger form) to the app with
FACILITY_ENV=production and asserts that the endpoint refuses it, that nothing ran, and that the
refusal does not spell out the schema: every quoted name in an error is one the probe wrote
itself, no type name the probe did not write appears, and no "Did you mean" is offered.
Where development behaves differently on purpose (introspection, suggestions, GraphiQL), a
contrast test shows the probe would catch the difference.
"""

from __future__ import annotations

import json
import logging
import re
from functools import cache

import graphql
import pytest
from sqlalchemy import func
from sqlmodel import select

from facility.api import endpoint, limits, schema
from facility.offers import service as offers_service
from facility.offers.models import Offer
from tests.api.helpers import OPERATIONS_DIR, offer_input

SDL_PATH = OPERATIONS_DIR.parent / "schema.graphql"
# The specification's default root names and the scalars named for standard formats: no secret.
PUBLIC_NAMES = {"Query", "Mutation", "JSON", "Date", "DateTime"}


@cache
def _schema_names() -> tuple[set[str], set[str]]:
    """(type names, field/argument/enum value names) of the published schema."""
    built = graphql.build_schema(SDL_PATH.read_text(encoding="utf-8"))
    types, members = set(), set()
    for name, type_ in built.type_map.items():
        if name.startswith("__") or name in graphql.specified_scalar_types:
            continue
        types.add(name)
        for field_name, field in getattr(type_, "fields", {}).items():
            members.add(field_name)
            members.update(getattr(field, "args", {}))
        members.update(getattr(type_, "values", {}))
    return types - PUBLIC_NAMES, members - PUBLIC_NAMES


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)


def assert_refused_without_leak(response, document: str, *, status: int | None = None) -> list:
    """The response refuses the document, ran nothing, and names nothing the probe did not."""
    if status is not None:
        assert response.status_code == status, response.text
    assert response.status_code < 500, response.text
    body = response.json()
    assert body.get("data") is None, body
    errors = body["errors"]
    assert errors and all(e["message"] for e in errors), body
    types, members = _schema_names()
    for error in errors:
        message = error["message"]
        assert "Did you mean" not in message, message
        written = set(_words(document))
        for quoted in re.findall(r"'([^']+)'|\"([^\"]+)\"", message):
            named = set(_words("".join(quoted))) & (types | members)
            assert named <= written, (named - written, message)
        assert set(_words(message)) & types <= written, message
        assert set(error) <= {"message", "locations", "path", "extensions"}, error
        assert "exception" not in json.dumps(error.get("extensions", {})).lower(), error
    return errors


@pytest.fixture
def spy_execute(monkeypatch):
    """Records every GraphQL execution the endpoint starts."""
    calls = []
    real = endpoint.execute

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(endpoint, "execute", spy)
    return calls


def _offers(db_session) -> int:
    return db_session.exec(select(func.count()).select_from(Offer)).one()


CREATE_OFFER = "mutation($i: CreateOfferInput!) { createOffer(input: $i) { __typename } }"


# Introspection -----------------------------------------------------------------------------

INTROSPECTION = [
    graphql.get_introspection_query(),
    "{ __schema { types { name } } }",
    '{ __type(name: "Expert") { fields { name } } }',
    "query { a: __schema { queryType { name } } }",
    # graphql-cop's circular introspection query
    "query cop { __schema { types { fields { type { fields { type { fields { type { name } } } }"
    " } } } } }",
]


@pytest.mark.parametrize("document", INTROSPECTION)
def test_introspection_is_refused_in_production(prod, document):
    errors = assert_refused_without_leak(prod.post(document), document)
    assert any("introspection" in e["message"] for e in errors)


def test_introspection_answers_in_development(gql):
    # The contrast: the same probe reads the schema off a development server.
    data = gql("{ __schema { queryType { name } } }")
    assert data == {"__schema": {"queryType": {"name": "Query"}}}


def test_typename_still_answers_in_production(prod):
    # Clients use __typename to tell union members apart; it reveals nothing they did not ask.
    assert prod("{ __typename }") == {"__typename": "Query"}


# Field suggestions -------------------------------------------------------------------------

SUGGESTION_PROBES = [
    "{ offr { totalCount } }",  # field near `offer`/`offers`
    "{ me { rol } }",  # field near `role`
    "{ requests(frist: 1) { totalCount } }",  # argument near `first`
    "query($i: CreateOfferInpt!) { createOffer(input: $i) { __typename } }",  # type
    "{ offers(status: PUBLISHD) { totalCount } }",  # enum value near PUBLISHED
    "{ offers { edges { node { ... on Offr { id } } } } }",  # fragment type
]


@pytest.mark.parametrize("document", SUGGESTION_PROBES)
def test_no_field_suggestions_in_production(prod, document):
    assert_refused_without_leak(prod.post(document), document)


def test_no_suggestions_in_variable_errors_in_production(prod, db_session):
    document = "query($s: OfferStatus) { offers(status: $s) { totalCount } }"
    response = prod.post(document, {"s": "PUBLISHD"})
    assert "Did you mean" not in response.text
    assert_refused_without_leak(response, document)


# The same probe shape with a type that exists as an input, one that exists as an output, and
# one that does not: graphql-core answers each differently, which lists the schema's types.
VARIABLE_TYPE_PROBES = {
    "unused": "query($v: {type}) {{ __typename }}",
    "used": "query($v: {type}) {{ offers(status: $v) {{ totalCount }} }}",
    "listed and required": "query($v: [{type}!]!) {{ offers(status: $v) {{ totalCount }} }}",
}
PROBED_TYPES = ["CreateOfferInput", "ExpertPersonal", "NoSuchInput"]


@pytest.mark.parametrize("shape", sorted(VARIABLE_TYPE_PROBES))
def test_variable_types_do_not_reveal_which_types_exist_in_production(prod, shape):
    answers = []
    for type_name in PROBED_TYPES:
        document = VARIABLE_TYPE_PROBES[shape].format(type=type_name)
        errors = assert_refused_without_leak(prod.post(document), document)
        answers.append(errors)
    assert answers[0] == answers[1] == answers[2], answers
    assert [e["message"] for e in answers[0]] == [
        "Variable '$v': not accepted as declared (its type, or the place it is used in), or not used"]


# Type conditions: the same oracle. graphql-core says "Unknown type" for no type, "cannot
# condition on non composite type" for an input type, "cannot be spread here" (and the errors
# of the fields inside) for an output type not possible there; an unused fragment is checked
# inside only when its type exists.
FRAGMENT_PROBES = {
    "inline at the root": "{{ ... on {type} {{ __typename }} }}",
    "inline with a field inside": "{{ ... on {type} {{ zzz }} }}",
    "inline in a list": "{{ offers {{ edges {{ node {{ ... on {type} {{ __typename }} }} }} }} }}",
    "inline using a variable": "query($v: Int) {{ ... on {type} {{ offers(first: $v) {{ totalCount }} }} }}",
    "named": "{{ ...F }} fragment F on {type} {{ zzz }}",
    "named, never used": "fragment F on {type} {{ zzz }} {{ __typename }}",
    "named, spread only inside": "{{ ... on {type} {{ ...F }} }} fragment F on Offer {{ zzz }}",
}
PROBED_CONDITIONS = ["ExpertPersonal", "CreateOfferInput", "OfferStatus", "NoSuchType"]


@pytest.mark.parametrize("shape", sorted(FRAGMENT_PROBES))
def test_type_conditions_do_not_reveal_which_types_exist_in_production(prod, shape):
    answers = []
    for type_name in PROBED_CONDITIONS:
        document = FRAGMENT_PROBES[shape].format(type=type_name)
        errors = assert_refused_without_leak(prod.post(document), document)
        answers.append(json.dumps(errors).replace(type_name, "<type>"))
    assert len(set(answers)) == 1, answers


def test_a_type_condition_valid_where_it_stands_is_served_in_production(prod):
    body = prod.post("{ offers { edges { node { ... on Offer { title } } } } }").json()
    assert "errors" not in body and body["data"]["offers"]["edges"] == [], body


def test_development_still_says_what_is_wrong_with_a_type_condition(gql):
    assert "Unknown type 'NoSuchType'" in gql.post("{ ... on NoSuchType { __typename } }").text
    assert "can never be of type 'ExpertPersonal'" in gql.post(
        "{ ... on ExpertPersonal { __typename } }").text


def test_development_still_says_what_is_wrong_with_a_variable(gql):
    assert "Unknown type 'NoSuchInput'" in gql.post("query($v: NoSuchInput) { __typename }").text


@pytest.mark.parametrize("document", SUGGESTION_PROBES[:4])
def test_development_does_suggest(gql, document):
    # The contrast: graphql-core's suggestions are on unless the production build strips them.
    assert "Did you mean" in gql.post(document).text


# Queries and mutations over GET; CSRF-style posts -----------------------------------------

@pytest.mark.parametrize("document", ["{ __typename }", "query cop { __typename }",
                                      "mutation { publishOffer(id: \"x\") { __typename } }"])
def test_get_never_executes_in_production(prod, spy_execute, document):
    response = prod.http.get("/graphql", params={"query": document})
    assert_refused_without_leak(response, document, status=405)
    assert spy_execute == []


def test_get_based_mutation_changes_nothing(prod, make_token, db_session, spy_execute):
    token = make_token("PARTNER", partner="Norad")
    document = ("mutation { createOffer(input: {title: \"Via GET\", kind: FUNDING, "
                "themes: [\"Justice\"], languages: [\"en\"], budget: 1, currency: \"USD\", "
                "maxRequests: 1, windowStart: \"2030-01-01\", windowEnd: \"2030-02-01\"}) "
                "{ __typename } }")
    response = prod.http.get("/graphql", params={"query": document},
                             headers={"Authorization": f"Bearer {token}"})
    assert_refused_without_leak(response, document, status=405)
    assert spy_execute == []
    assert _offers(db_session) == 0


@pytest.mark.parametrize("content_type, body", [
    # What an HTML form (the only cross-site POST without a CORS preflight) can send.
    ("application/x-www-form-urlencoded", "query=mutation%20%7B%20__typename%20%7D"),
    ("multipart/form-data; boundary=x",
     '--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n{ __typename }\r\n--x--\r\n'),
    ("text/plain", json.dumps({"query": CREATE_OFFER, "variables": {"i": offer_input()}})),
    ("application/graphql", "{ __typename }"),
    ("", json.dumps({"query": "{ __typename }"})),
])
def test_csrf_style_posts_are_refused(prod, make_token, db_session, spy_execute, content_type,
                                      body):
    token = make_token("PARTNER", partner="Norad")
    response = prod.http.post("/graphql", content=body.encode(), headers={
        "Content-Type": content_type, "Authorization": f"Bearer {token}"})
    assert_refused_without_leak(response, "", status=415)
    assert spy_execute == []
    assert _offers(db_session) == 0


# Alias overloading, directive overloading, field duplication -------------------------------

def test_alias_overloading_is_refused(prod):
    # graphql-cop sends 101 aliases of __typename.
    document = "query cop { " + " ".join(f"alias{i}:__typename" for i in range(101)) + " }"
    errors = assert_refused_without_leak(prod.post(document), document)
    assert any("aliases" in e["message"] for e in errors)


def test_aliases_up_to_the_limit_are_served(prod):
    document = "{ " + " ".join(f"a{i}: __typename" for i in range(schema.MAX_ALIASES)) + " }"
    assert len(prod(document)) == schema.MAX_ALIASES


def test_directive_overloading_is_one_error_not_one_per_directive(prod):
    # graphql-cop's probe: it flags a server that reports every one of the ten directives.
    document = "query cop { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }"
    [error] = assert_refused_without_leak(prod.post(document), document)
    assert "'@aa' is repeated 10 times" in error["message"]


@pytest.mark.parametrize("document", [
    "{ __typename " + "@include(if: true) " * 4 + "}",
    "{ me " + "@skip(if: false) " * 40 + "{ role } }",
    "query Q " + "@aa " * 4 + "{ __typename }",
    "{ ... " + "@include(if: true) " * 4 + "{ __typename } }",
])
def test_a_directive_repeated_on_one_location_is_refused(prod, document):
    [error] = assert_refused_without_leak(prod.post(document), document)
    assert f"at most {limits.MAX_REPEATS_PER_LOCATION}" in error["message"]


def _inline_fragments(count: int) -> str:
    return "{ " + " ".join("... @include(if: true) { __typename }" for _ in range(count)) + " }"


def test_directives_up_to_the_document_limit_are_served(prod):
    assert prod(_inline_fragments(limits.MAX_DIRECTIVES)) == {"__typename": "Query"}


def test_more_directives_than_the_document_limit_are_refused(prod):
    document = _inline_fragments(limits.MAX_DIRECTIVES + 1)
    [error] = assert_refused_without_leak(prod.post(document), document)
    assert f"more than {limits.MAX_DIRECTIVES} directives" in error["message"]


def test_field_duplication_is_refused(prod):
    # graphql-cop's probe: 500 copies of __typename in one selection.
    document = "query cop { " + "__typename " * 500 + "}"
    [error] = assert_refused_without_leak(prod.post(document), document)
    assert "'__typename' is selected 500 times" in error["message"]


def test_a_field_repeated_within_the_limit_is_served_and_one_beyond_is_not(prod, make_token):
    client = prod.as_(make_token("STATE", state="KEN"))
    within = "{ me { " + "role " * limits.MAX_FIELD_REPEATS + "} }"
    assert client(within) == {"me": {"role": "STATE"}}
    beyond = "{ me { " + "role " * (limits.MAX_FIELD_REPEATS + 1) + "} }"
    [error] = assert_refused_without_leak(client.post(beyond), beyond)
    assert f"at most {limits.MAX_FIELD_REPEATS}" in error["message"]


# Batching ----------------------------------------------------------------------------------

def test_array_batches_are_refused(prod, make_token, db_session, spy_execute):
    token = make_token("PARTNER", partner="Norad")
    batch = [{"query": "query cop { __typename }"}] * 10 + [
        {"query": CREATE_OFFER, "variables": {"i": offer_input()}}]
    response = prod.http.post("/graphql", json=batch,
                              headers={"Authorization": f"Bearer {token}"})
    assert_refused_without_leak(response, "", status=400)
    assert spy_execute == []
    assert _offers(db_session) == 0


# Deep and circular queries -----------------------------------------------------------------

def _motion_cycle(depth: int) -> str:
    """motions > edges > node, then proposal > motion > proposal … to `depth` levels."""
    path = ["motions", "edges", "node"] + ["proposal", "motion"] * depth
    document = "id"
    for name in reversed(path[:depth]):
        document = f"{name} {{ {document} }}"
    return "{ " + document + " }"


def test_a_circular_query_beyond_the_depth_limit_is_refused(prod, make_token):
    client = prod.as_(make_token("SECRETARIAT"))
    document = _motion_cycle(schema.MAX_DEPTH + 1)
    # Valid in every other respect: the depth alone is refused.
    assert graphql.validate(graphql.build_schema(SDL_PATH.read_text(encoding="utf-8")),
                            graphql.parse(document)) == []
    errors = assert_refused_without_leak(client.post(document), document)
    assert any("exceeds maximum operation depth" in e["message"] for e in errors)


def test_a_query_at_the_depth_limit_is_served(prod, make_token):
    client = prod.as_(make_token("SECRETARIAT"))
    assert client(_motion_cycle(schema.MAX_DEPTH)) == {"motions": {"edges": []}}


# The IDE page and other explorers --------------------------------------------------------

@pytest.mark.parametrize("path", ["/graphql", "/graphiql", "/playground", "/altair",
                                  "/graphql/console", "/docs", "/redoc", "/openapi.json"])
def test_no_ide_or_api_explorer_in_production(prod, path):
    response = prod.http.get(path, headers={"Accept": "text/html"})
    assert response.status_code in (404, 405), (path, response.status_code)
    # The not-found page echoes the path it was asked for (in its language links): that is
    # not an explorer, so the path itself is left out of the search for one.
    lowered = response.text.lower().replace(path, "")
    for ide in ("graphiql", "playground", "altair", "swagger", "redoc"):
        assert ide not in lowered, (path, ide)


# Trace and debug output ------------------------------------------------------------------

def test_no_tracing_or_debug_extensions(prod):
    # graphql-cop's trace-mode probe: a plain query must not carry tracing in `extensions`.
    body = prod.http.post("/graphql", json={"query": "query cop { __typename }"}).json()
    assert body == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("document", ["query cop { __typename {}", "{ me { role }",
                                      "query { ", "}{", "\u0000"])
def test_a_broken_document_is_a_plain_syntax_error(prod, document):
    errors = assert_refused_without_leak(prod.post(document), document)
    assert all(e["message"].startswith("Syntax Error") for e in errors)
    assert all("extensions" not in e for e in errors)


def test_an_unexpected_fault_is_masked_with_a_correlation_id_in_production(prod, monkeypatch,
                                                                          caplog):
    caplog.set_level(logging.ERROR, logger="facility.graphql")

    def fail(*args, **kwargs):
        raise RuntimeError("connection to 10.0.0.7 refused in offers_service")

    monkeypatch.setattr(offers_service, "list_offers", fail)
    document = "{ offers { totalCount } }"
    response = prod.post(document)
    assert response.status_code == 200
    assert "10.0.0.7" not in response.text and "RuntimeError" not in response.text
    [error] = assert_refused_without_leak(response, document)
    reference = error["extensions"]["correlationId"]
    assert error["message"] == f"Unexpected error; reference {reference}"
    assert [r for r in caplog.records if reference in r.getMessage()
            and "10.0.0.7" in str(r.exc_info[1])]


@pytest.mark.parametrize("body, message", [
    ({"query": "fragment F on Query { __typename }"}, "query:"),
    ({"query": "query A { __typename }", "operationName": "B"}, "operationName:"),
])
def test_a_document_without_the_operation_asked_for_is_a_client_error(prod, body, message):
    # strawberry raises for these instead of answering: they used to surface as masked faults.
    response = prod.http.post("/graphql", json=body)
    [error] = assert_refused_without_leak(response, body["query"], status=400)
    assert error["message"].startswith(message)
    assert "correlationId" not in json.dumps(error)
