"""The GraphQL contract clients program against (README, "The GraphQL API") holds.

- graphql/schema.graphql is the schema the server runs;
- every operation document in graphql/operations is valid and runs successfully in the
  scripted scenario below (a new document without a scenario fails `test_every_operation_has_a_scenario`);
- the names the contract promises exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from graphql import (
    GraphQLNonNull,
    GraphQLUnionType,
    OperationDefinitionNode,
    OperationType,
    parse,
    validate,
)

from facility.api.schema import schema
from facility.timeutil import today
from tests.api.helpers import OPERATIONS_DIR, YEAR, offer_input, operation, request_input, run
from tests.api.test_application_procedures import PROCEDURE_OPERATIONS
from tests.dialogue.test_progress_updates import DIALOGUE_OPERATIONS
from tests.dialogue.test_referrals import REFERRAL_OPERATIONS
from tests.exports.test_coordination import COORDINATION_OPERATIONS
from tests.follow_up.test_deployments import DEPLOYMENT_OPERATIONS
from tests.follow_up.test_follow_up_story import FOLLOW_UP_OPERATIONS
from tests.follow_up.test_notifications_api import NOTIFICATION_OPERATIONS
from tests.follow_up.test_success_stories import STORY_OPERATIONS
from tests.funds.test_funds import FUND_OPERATIONS
from tests.governance_api.test_governance_e2e import E2E_OPERATIONS
from tests.governance_api.test_governance_rules import RULES_OPERATIONS
from tests.governance_api.test_unmet_demand import DEMAND_OPERATIONS
from tests.library.test_library import LIBRARY_OPERATIONS
from tests.programmes.test_programmes import PROGRAMME_OPERATIONS
from tests.statistics.test_public_statistics import STATISTICS_OPERATIONS

SDL_PATH = Path(__file__).resolve().parents[2] / "graphql" / "schema.graphql"
REGENERATE = (
    "graphql/schema.graphql is out of date; regenerate it with\n"
    "  .venv/bin/python -c \"from facility.api.schema import schema; "
    "open('graphql/schema.graphql','w').write(schema.as_str()+'\\n')\"\n"
    "and review the diff: the contract's names may be added to, never renamed or removed."
)
OPERATION_NAMES = sorted(p.stem for p in OPERATIONS_DIR.glob("*.graphql"))


# (a) The exported SDL is the schema the server runs ------------------------------------------

def test_the_exported_sdl_is_the_running_schema():
    exported = SDL_PATH.read_text(encoding="utf-8")
    assert exported.strip() == schema.as_str().strip(), REGENERATE


# (b) Every operation document is valid -----------------------------------------------------

def _operation_node(name: str) -> OperationDefinitionNode:
    document = parse(operation(name))
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    assert len(operations) == 1, f"{name}.graphql must hold exactly one operation"
    return operations[0]


def test_there_are_operation_documents():
    assert len(OPERATION_NAMES) >= 10


@pytest.mark.parametrize("name", OPERATION_NAMES)
def test_operation_document_is_valid(name):
    errors = validate(schema._schema, parse(operation(name)))
    assert errors == [], f"{name}.graphql: " + "; ".join(e.message for e in errors)
    node = _operation_node(name)
    assert node.name is not None and node.name.value == name, (
        f"{name}.graphql must name its operation {name}")


# (c) Every operation document runs in a scripted scenario -----------------------------------

@dataclass
class Scenario:
    anonymous: object
    kenya: object
    norad: object
    secretariat: object
    recs: dict[str, str]

    def draft_request(self) -> dict:
        result = run(self.kenya, "CreateRequest",
                     input=request_input([self.recs["TEST-KEN-1"], self.recs["TEST-KEN-2"]]))
        return result["result"]["request"]

    def submitted_request(self) -> dict:
        request = self.draft_request()
        run(self.kenya, "SubmitRequest", id=request["id"])
        return request

    def draft_offer(self) -> dict:
        return run(self.norad, "CreateOffer", input=offer_input())["result"]["offer"]

    def published_offer(self) -> dict:
        offer = self.draft_offer()
        run(self.norad, "PublishOffer", id=offer["id"])
        return offer

    def expert(self) -> dict:
        return run(self.norad, "NominateExpert", input=EXPERT)["result"]["expert"]


EXPERT = {
    "name": "Grace Mensah", "email": "grace.mensah@example.org", "phone": "+233 20 000 0000",
    "nationality": "GHA", "themes": ["NHRI"], "languages": ["en", "fr"],
    "availability": [{"start": "2027-04-01", "end": "2027-10-31"}], "consentGiven": True,
}


def _me(s: Scenario) -> dict:
    data = run(s.kenya, "Me")
    assert data["me"]["role"] == "STATE"
    assert data["me"]["state"]["code"] == "KEN"
    assert run(s.anonymous, "Me") == {"me": None}
    return data


def _states(s: Scenario) -> dict:
    data = run(s.anonymous, "States")
    by_code = {st["code"]: st for st in data["states"]}
    assert len([st for st in data["states"] if not st["isObserver"]]) == 193
    assert by_code["KEN"]["regionalGroup"] == "AFRICAN"
    french = run(s.anonymous, "States", language="fr")
    kenya = {st["code"]: st for st in french["states"]}["KEN"]
    assert (kenya["name"], kenya["regionalGroupName"]) == ("Kenya", "Groupe des États d'Afrique")
    assert len(french["regionalGroups"]) == 5
    return data


def _themes(s: Scenario) -> dict:
    data = run(s.anonymous, "Themes")
    assert {"Justice", "NHRI", "Women's rights"} <= set(data["themes"])
    spanish = run(s.anonymous, "Themes", language="es")
    assert {t["name"] for t in spanish["themeLabels"]} == set(spanish["themes"])
    assert {t["name"]: t["label"] for t in spanish["themeLabels"]}["Civil society"] == "Sociedad civil"
    return data


def _enum_labels(s: Scenario) -> dict:
    data = run(s.anonymous, "EnumLabels", enum="VoteChoice", language="fr")
    assert data["enumLabels"] == [{"code": "APPROVE", "label": "Approuver"},
                                  {"code": "REJECT", "label": "Rejeter"},
                                  {"code": "ABSTAIN", "label": "Abstention"}]
    return data


def _recommendations(s: Scenario) -> dict:
    data = run(s.anonymous, "Recommendations", stateCode="KEN", response="SUPPORTED",
               theme="Justice", search="judiciary", first=5)
    page = data["recommendations"]
    assert page["totalCount"] == 1
    assert page["edges"][0]["node"]["sourceId"] == "TEST-KEN-1"
    return data


def _sdg_targets(s: Scenario) -> dict:
    data = run(s.anonymous, "SdgTargets", language="fr", goal=16)
    codes = [t["code"] for t in data["sdgTargets"]]
    assert codes[:2] == ["16.1", "16.2"] and codes[-2:] == ["16.a", "16.b"]
    assert "toutes les formes de violence" in data["sdgTargets"][0]["title"]
    return data


def _create_request(s: Scenario) -> dict:
    return run(s.kenya, "CreateRequest", input=request_input([s.recs["TEST-KEN-1"]]))


def _update_request(s: Scenario) -> dict:
    request = s.draft_request()
    data = run(s.kenya, "UpdateRequest", id=request["id"],
               input={"title": "Judicial independence", "expectedVersion": request["version"]})
    assert data["result"]["request"]["title"] == "Judicial independence"
    return data


def _submit_request(s: Scenario) -> dict:
    return run(s.kenya, "SubmitRequest", id=s.draft_request()["id"])


def _withdraw_request(s: Scenario) -> dict:
    return run(s.kenya, "WithdrawRequest", id=s.submitted_request()["id"], reason="No longer needed")


def _request(s: Scenario) -> dict:
    request = s.submitted_request()
    data = run(s.norad, "Request", id=request["id"])
    assert data["request"]["status"] == "SUBMITTED"
    return data


def _requests(s: Scenario) -> dict:
    request = s.submitted_request()
    data = run(s.secretariat, "Requests", status="SUBMITTED", stateCode="KEN", first=10)
    assert [e["node"]["id"] for e in data["requests"]["edges"]] == [request["id"]]
    return data


def _create_offer(s: Scenario) -> dict:
    return run(s.norad, "CreateOffer", input=offer_input())


def _update_offer(s: Scenario) -> dict:
    offer = s.draft_offer()
    return run(s.norad, "UpdateOffer", id=offer["id"],
               input={"budget": 600000, "expectedVersion": offer["version"]})


def _publish_offer(s: Scenario) -> dict:
    return run(s.norad, "PublishOffer", id=s.draft_offer()["id"])


def _close_offer(s: Scenario) -> dict:
    return run(s.norad, "CloseOffer", id=s.published_offer()["id"])


def _offers(s: Scenario) -> dict:
    offer = s.published_offer()
    data = run(s.anonymous, "Offers", status="PUBLISHED", first=10)
    assert [e["node"]["id"] for e in data["offers"]["edges"]] == [offer["id"]]
    return data


def _nominate_expert(s: Scenario) -> dict:
    return run(s.norad, "NominateExpert", input=EXPERT)


def _update_expert(s: Scenario) -> dict:
    expert = s.expert()
    return run(s.norad, "UpdateExpert", id=expert["id"],
               input={"languages": ["en"], "expectedVersion": expert["version"]})


def _experts(s: Scenario) -> dict:
    expert = s.expert()
    data = run(s.secretariat, "Experts", first=10)
    [edge] = data["experts"]["edges"]
    assert edge["node"]["id"] == expert["id"]
    assert edge["node"]["personal"]["email"] == EXPERT["email"]
    return data


def _search_recommendations(s: Scenario) -> dict:
    data = run(s.anonymous, "SearchRecommendations", query="independence of the judiciary",
               mode="LEXICAL", first=5)
    hits = data["searchRecommendations"]["hits"]
    assert [h["recommendation"]["id"] for h in hits] == [s.recs["TEST-KEN-1"]]
    return data


def _suggest_recommendations(s: Scenario) -> dict:
    data = run(s.kenya, "SuggestRecommendations", need="train judges on international standards")
    assert data["result"]["__typename"] == "RecommendationSuggestions"
    assert s.recs["TEST-KEN-1"] in [h["recommendation"]["id"] for h in data["result"]["hits"]]
    return data


def _needs_assessment(s: Scenario) -> dict:
    data = run(s.kenya, "NeedsAssessment")
    assert (data["result"]["stateCode"], data["result"]["total"]) == ("KEN", 3)
    return data


def _set_expert_consent(s: Scenario) -> dict:
    expert = s.expert()
    data = run(s.norad, "SetExpertConsent", id=expert["id"], input={"scopes": ["ROSTER"]})
    consent = data["result"]["expert"]["consent"]
    assert consent["scopes"] == ["ROSTER"] and consent["textVersion"] == "roster-consent/1"
    assert data["result"]["expert"]["consentGiven"] is True
    return data


def _set_expert_readiness(s: Scenario) -> dict:
    expert = s.expert()
    data = run(s.norad, "SetExpertReadiness", id=expert["id"],
               input={"noticeHours": 72, "expectedVersion": expert["version"]})
    readiness = data["result"]["expert"]["readiness"]
    # On the ready roster, but no check recorded yet: not deployable today.
    assert (readiness["noticeHours"], readiness["readyToday"]) == (72, False)
    assert readiness["missingChecks"] == ["TRAINING", "REFERENCES", "SECURITY_CLEARANCE", "MEDICAL"]
    return data


def _record_expert_check(s: Scenario) -> dict:
    expert = s.expert()
    verified, expires = (today() - timedelta(days=10)).isoformat(), f"{YEAR + 1}-01-05"
    data = run(s.norad, "RecordExpertCheck", id=expert["id"], input={
        "kind": "MEDICAL", "verifiedOn": verified, "expiresOn": expires})
    [check] = data["result"]["expert"]["readiness"]["checks"]
    assert check == {"kind": "MEDICAL", "verifiedOn": verified, "expiresOn": expires,
                     "validToday": True}
    return data


def _mark_request_urgent(s: Scenario) -> dict:
    request = s.submitted_request()
    data = run(s.kenya, "MarkRequestUrgent", id=request["id"], latestStart=f"{YEAR}-04-01",
               reason="Detentions reported this week; the inquiry cannot wait.")
    marked = data["result"]["request"]
    assert (marked["urgent"], marked["latestStart"]) == (True, f"{YEAR}-04-01")
    assert marked["decideBy"] is not None
    return data


# One scenario per document in graphql/operations: {operation name: what runs it}.
SCENARIOS: dict[str, Callable[[Scenario], dict]] = {
    "Me": _me,
    "States": _states,
    "Themes": _themes,
    "EnumLabels": _enum_labels,
    "Recommendations": _recommendations,
    "SdgTargets": _sdg_targets,
    "CreateRequest": _create_request,
    "UpdateRequest": _update_request,
    "SubmitRequest": _submit_request,
    "WithdrawRequest": _withdraw_request,
    "Request": _request,
    "Requests": _requests,
    "CreateOffer": _create_offer,
    "UpdateOffer": _update_offer,
    "PublishOffer": _publish_offer,
    "CloseOffer": _close_offer,
    "Offers": _offers,
    "NominateExpert": _nominate_expert,
    "UpdateExpert": _update_expert,
    "Experts": _experts,
    "SearchRecommendations": _search_recommendations,
    "SuggestRecommendations": _suggest_recommendations,
    "NeedsAssessment": _needs_assessment,
    "SetExpertConsent": _set_expert_consent,
    "SetExpertReadiness": _set_expert_readiness,
    "RecordExpertCheck": _record_expert_check,
    "MarkRequestUrgent": _mark_request_urgent,
}


def test_every_operation_has_a_scenario():
    # Governance, follow-up, notification, coordination, story, referral and dialogue operations
    # run in order in stories (tests/governance_api, tests/follow_up, tests/dialogue,
    # tests/exports/test_coordination.py, tests/statistics); every other document has its
    # scenario here.
    covered = (set(SCENARIOS) | E2E_OPERATIONS | RULES_OPERATIONS | FOLLOW_UP_OPERATIONS
               | COORDINATION_OPERATIONS | DEMAND_OPERATIONS | STORY_OPERATIONS
               | STATISTICS_OPERATIONS | NOTIFICATION_OPERATIONS | DEPLOYMENT_OPERATIONS
               | REFERRAL_OPERATIONS | DIALOGUE_OPERATIONS | FUND_OPERATIONS
               | PROCEDURE_OPERATIONS | LIBRARY_OPERATIONS | PROGRAMME_OPERATIONS)
    assert covered == set(OPERATION_NAMES), (
        "graphql/operations and the scenarios differ: add a scenario for each new document "
        f"(missing: {sorted(set(OPERATION_NAMES) - covered)}; "
        f"stale: {sorted(covered - set(OPERATION_NAMES))})")


def _success_types(name: str) -> dict[str, str]:
    """For a mutation document: {response key: the success member of the field's union}."""
    node = _operation_node(name)
    if node.operation != OperationType.MUTATION:
        return {}
    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None
    expected = {}
    for selection in node.selection_set.selections:
        field_type = mutation_type.fields[selection.name.value].type
        if isinstance(field_type, GraphQLNonNull):
            field_type = field_type.of_type
        assert isinstance(field_type, GraphQLUnionType), selection.name.value
        [success] = [t.name for t in field_type.types if t.name.endswith("Payload")]
        key = selection.alias.value if selection.alias else selection.name.value
        expected[key] = success
    return expected


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_operation_runs_successfully(gql, make_token, recs, name):
    scenario = Scenario(
        anonymous=gql, kenya=gql.as_(make_token("STATE", state="KEN")),
        norad=gql.as_(make_token("PARTNER", partner="Norad")),
        secretariat=gql.as_(make_token("SECRETARIAT")), recs=recs,
    )
    data = SCENARIOS[name](scenario)  # the client raises on any GraphQL error
    assert data
    for key, success in _success_types(name).items():
        assert data[key]["__typename"] == success, (name, data[key])


# (d) The names the contract promises ------------------------------------------------------

TYPE_QUERY = """query($name: String!) { __type(name: $name) {
  kind
  fields { name type { ...Ref } args { name type { ...Ref } } }
  inputFields { name }
  enumValues { name }
  possibleTypes { name }
} }
fragment Ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
"""


def _named(ref: dict) -> str:
    """The named type inside NON_NULL / LIST wrappers."""
    while ref["name"] is None:
        ref = ref["ofType"]
    return ref["name"]


def _field(type_name: str, field: str) -> dict:
    return next(f for f in _type(type_name)["fields"] if f["name"] == field)


def _type(name: str) -> dict:
    result = schema.execute_sync(TYPE_QUERY, variable_values={"name": name})
    assert result.errors is None, result.errors
    found = result.data["__type"]
    assert found is not None, f"the schema has no type {name}"
    return found


def _fields(name: str) -> dict[str, list[str]]:
    return {f["name"]: [a["name"] for a in f["args"]] for f in _type(name)["fields"]}


def _has(actual, expected, where: str) -> None:
    missing = set(expected) - set(actual)
    assert not missing, f"{where}: the contract promises {sorted(missing)}"


QUERY_FIELDS = {
    "me": [], "states": [],
    "recommendations": ["stateCode", "response", "theme", "search", "first", "after",
                        "mechanism", "body", "symbol", "year", "sdgTarget"],
    "sdgTargets": ["language", "goal"],
    "request": ["id"],
    "requests": ["status", "stateCode", "first", "after"],
    "offers": ["first", "after"],
}
MUTATION_FIELDS = {
    "createRequest": ["input"], "updateRequest": ["id", "input"], "submitRequest": ["id"],
    "withdrawRequest": ["id", "reason"], "createOffer": ["input"], "publishOffer": ["id"],
}


@pytest.mark.parametrize("root, promised", [("Query", QUERY_FIELDS),
                                            ("Mutation", MUTATION_FIELDS)])
def test_root_fields_and_their_arguments(root, promised):
    fields = _fields(root)
    _has(fields, promised, root)
    for field, args in promised.items():
        _has(fields[field], args, f"{root}.{field}")


def test_ids_are_opaque_id_scalars():
    [id_arg] = [a for a in _field("Query", "request")["args"] if a["name"] == "id"]
    assert (id_arg["type"]["kind"], _named(id_arg["type"])) == ("NON_NULL", "ID")
    for type_name in ("Recommendation", "CapacityRequest", "Offer", "Expert"):
        ref = _field(type_name, "id")["type"]
        assert (ref["kind"], _named(ref)) == ("NON_NULL", "ID"), type_name


def test_enum_values():
    assert [v["name"] for v in _type("RecommendationResponse")["enumValues"]] == [
        "SUPPORTED", "NOTED"]
    assert [v["name"] for v in _type("RequestStatus")["enumValues"]] == [
        "DRAFT", "SUBMITTED", "ELIGIBLE", "INELIGIBLE", "PROPOSED", "APPROVED", "ACTIVE",
        "COMPLETED", "CLOSED", "WITHDRAWN"]


@pytest.mark.parametrize("type_name, promised", [
    ("Actor", ["role", "state", "partner", "regionalGroup"]),
    ("State", ["code", "name", "regionalGroup"]),
    ("Partner", ["name"]),
    ("Recommendation", ["id", "sourceId", "text", "response", "themes", "state",
                        "recommendingState", "cycle", "session", "mechanismType", "body",
                        "documentSymbol", "publicationDate", "annotationType", "affectedPersons",
                        "recommendingStates", "sdgTargets"]),
    ("CapacityRequest", ["id", "title", "status", "state", "recommendations", "themes",
                         "languages", "budget", "experts", "weeks", "windowStart", "windowEnd",
                         "priority"]),
    ("RequestPayload", ["request"]),
    ("OfferPayload", ["offer"]),
    ("ValidationError", ["message", "field", "rule"]),
    ("PermissionDenied", ["message"]),
    ("NotFound", ["message"]),
    ("Conflict", ["message"]),
    ("RecommendationConnection", ["edges", "pageInfo", "totalCount"]),
    ("CapacityRequestConnection", ["edges", "pageInfo", "totalCount"]),
    ("OfferConnection", ["edges", "pageInfo", "totalCount"]),
    ("PageInfo", ["hasNextPage", "endCursor"]),
])
def test_object_fields_clients_read(type_name, promised):
    _has(_fields(type_name), promised, type_name)


@pytest.mark.parametrize("query_field, connection", [
    ("recommendations", "RecommendationConnection"), ("requests", "CapacityRequestConnection"),
    ("offers", "OfferConnection"),
])
def test_lists_are_connections_with_cursor_and_node(query_field, connection):
    ref = _field("Query", query_field)["type"]
    assert (ref["kind"], _named(ref)) == ("NON_NULL", connection)
    edge = _named(_field(connection, "edges")["type"])
    _has(_fields(edge), ["cursor", "node"], edge)
    assert _named(_field(connection, "pageInfo")["type"]) == "PageInfo"


def test_create_request_input_fields():
    fields = [f["name"] for f in _type("CreateRequestInput")["inputFields"]]
    _has(fields, ["title", "need", "recommendationIds", "themes", "languages", "supportKinds",
                  "windowStart", "windowEnd", "weeks", "expertsNeeded", "budget", "currency",
                  "priority", "idempotencyKey"], "CreateRequestInput")


@pytest.mark.parametrize("union, success", [("RequestResult", "RequestPayload"),
                                            ("OfferResult", "OfferPayload")])
def test_mutation_results_are_unions_with_the_error_types(union, success):
    members = {t["name"] for t in _type(union)["possibleTypes"]}
    _has(members, [success, "ValidationError", "PermissionDenied", "NotFound", "Conflict"], union)
    create = {"RequestResult": "createRequest", "OfferResult": "createOffer"}[union]
    ref = _field("Mutation", create)["type"]
    assert (ref["kind"], ref["ofType"]["kind"], _named(ref)) == ("NON_NULL", "UNION", union)
