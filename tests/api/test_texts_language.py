"""The language of what authors write (a request's need, an offer's title, a report's narrative):
recorded when given, English when not (and for rows written before it was recorded), refused
with the field named when it is no ISO 639-1 code, nothing stored then."""

from __future__ import annotations

from tests.api.helpers import offer_input, request_input, run
from tests.follow_up.conftest import Loop, filled_report, loop  # noqa: F401

LANGUAGE_OF_REQUEST = 'query($id: ID!) { request(id: $id) { language title } }'
UPDATE_REQUEST = """mutation($id: ID!, $input: UpdateRequestInput!) {
  result: updateRequest(id: $id, input: $input) {
    __typename ... on ValidationError { field rule message } ... on RequestPayload { request { language } }
  }
}"""


def test_a_request_records_the_language_it_is_written_in(gql, make_token, recs):
    kenya = gql.as_(make_token("STATE", state="KEN"))
    english = run(kenya, "CreateRequest", input=request_input([recs["TEST-KEN-1"]]))["result"]
    assert english["request"]["language"] == "en"
    french = run(kenya, "CreateRequest", input=request_input(
        [recs["TEST-KEN-1"]], title="Formation des magistrats", language="FR"))["result"]
    assert french["request"]["language"] == "fr"

    bad = kenya(UPDATE_REQUEST, {"id": french["request"]["id"], "input": {"language": "xx"}})["result"]
    assert bad["__typename"] == "ValidationError"
    assert (bad["field"], bad["rule"]) == ("language", "iso639_1")
    assert bad["message"].startswith("language: 'xx' is not an ISO 639-1 language code")
    assert kenya(LANGUAGE_OF_REQUEST, {"id": french["request"]["id"]})["request"] == {
        "language": "fr", "title": "Formation des magistrats"}

    null = kenya(UPDATE_REQUEST, {"id": french["request"]["id"], "input": {"language": None}})["result"]
    assert (null["__typename"], null["field"]) == ("ValidationError", "language")
    swahili = kenya(UPDATE_REQUEST, {"id": french["request"]["id"], "input": {"language": "sw"}})["result"]
    assert swahili["request"]["language"] == "sw"


def test_an_offer_records_its_language_and_refuses_a_bad_one(gql, make_token):
    partner = gql.as_(make_token("PARTNER", partner="Agence (test)"))
    created = run(partner, "CreateOffer", input=offer_input(language="es"))["result"]
    assert created["offer"]["language"] == "es"
    bad = run(partner, "CreateOffer", input=offer_input(language="spanish"))["result"]
    assert (bad["__typename"], bad["field"]) == ("ValidationError", "language")
    assert "language: 'spanish' is not an ISO 639-1 language code" in bad["message"]


def test_a_follow_up_report_records_the_language_of_its_narrative(loop: Loop):  # noqa: F811
    twelve = loop.complete()[0]
    saved = loop.result(loop.kenya, "SaveFollowUpReport", id=twelve["id"],
                        input=filled_report(loop, narrative="Le programme s'est déroulé comme prévu.",
                                            language="fr"))
    assert saved["report"]["language"] == "fr"
    refused = loop.result(loop.kenya, "SaveFollowUpReport", id=twelve["id"],
                          input={"narrative": "Changed", "language": "qq"})
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "language")
    again = loop.result(loop.kenya, "SaveFollowUpReport", id=twelve["id"], input={})
    assert again["report"]["narrative"] == "Le programme s'est déroulé comme prévu."
    assert again["report"]["language"] == "fr"
