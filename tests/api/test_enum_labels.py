"""`enumLabels`: the pages' words for an enum's codes, in the language asked for or the request's
Accept-Language; a bad argument is named in the error."""

from __future__ import annotations

QUERY = ("query($enum: String!, $language: String) "
         "{ enumLabels(enum: $enum, language: $language) { code label } }")


def _labels(gql, enum: str, language: str | None = None, accept: str | None = None):
    headers = {"Accept-Language": accept} if accept else {}
    response = gql.http.post("/graphql", json={"query": QUERY,
                                               "variables": {"enum": enum, "language": language}},
                             headers=headers)
    return response.json()


def test_the_codes_stay_and_the_words_follow_the_language(gql):
    english = {x["code"]: x["label"] for x in _labels(gql, "RunStatus")["data"]["enumLabels"]}
    assert english == {"QUEUED": "Waiting to start", "RUNNING": "Running", "DONE": "Finished",
                       "CANCELLED": "Cancelled", "FAILED": "Failed"}
    chinese = {x["code"]: x["label"] for x in _labels(gql, "RunStatus", "zh-Hans")["data"]["enumLabels"]}
    assert chinese["DONE"] == "已完成"
    # a criteria version the committee rejected is not a rejected match
    criteria = {x["code"]: x["label"] for x in _labels(gql, "CriteriaStatus", "fr")["data"]["enumLabels"]}
    assert criteria == {"DRAFT": "Brouillon", "IN_FORCE": "En vigueur", "SUPERSEDED": "Remplacée",
                        "REJECTED": "Rejetée par le comité"}


def test_without_a_language_the_accept_language_header_decides(gql):
    spanish = _labels(gql, "VoteChoice", accept="es-ES, en;q=0.5")["data"]["enumLabels"]
    assert [x["label"] for x in spanish] == ["Aprobar", "Rechazar", "Abstenerse"]
    arabic_asked = _labels(gql, "VoteChoice", language="en", accept="ar")["data"]["enumLabels"]
    assert arabic_asked[0]["label"] == "Approve"  # the argument wins over the header


def test_an_unknown_enum_or_language_is_named_in_the_error(gql):
    unknown = _labels(gql, "Colour")
    assert unknown["errors"][0]["message"].startswith("enum: no enum type is named 'Colour'")
    not_an_enum = _labels(gql, "Offer")
    assert not_an_enum["errors"][0]["message"].startswith("enum: ")
    bad_language = _labels(gql, "RunStatus", "de")
    assert bad_language["errors"][0]["message"].startswith("language: one of the UN's six languages")
