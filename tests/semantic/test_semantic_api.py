"""searchRecommendations and suggestRecommendations over GraphQL."""

from __future__ import annotations

from facility.semantic import search as search_module
from facility.semantic.store import embed_recommendations
from tests.api.helpers import run
from tests.semantic.conftest import needs_model

NEED = ("Our police and soldiers are accused of ill-treating detainees; we need help to "
        "investigate these abuses properly.")


@needs_model
def test_search_over_graphql_ranks_by_meaning(gql, db_session, small, encoder):
    embed_recommendations(db_session, encoder)
    data = run(gql, "SearchRecommendations", query="judicial independence training for judges",
               mode="SEMANTIC", first=5)["searchRecommendations"]
    assert data["mode"] == "SEMANTIC" and data["fallbackReason"] is None
    assert "UPRINFO-R003058" in [h["recommendation"]["sourceId"] for h in data["hits"]]
    assert all(0 < h["score"] <= 1 for h in data["hits"])


def test_search_over_graphql_refuses_an_empty_query(gql, db_session, small):
    response = gql.post("query { searchRecommendations(query: \"  \") { mode } }")
    [error] = response.json()["errors"]
    assert error["message"] == "query: must not be empty"


def test_search_over_graphql_without_the_model_says_it_fell_back(gql, db_session, small,
                                                                  monkeypatch):
    monkeypatch.setattr(search_module, "get_encoder", lambda: None)
    data = run(gql, "SearchRecommendations", query="independence of the judiciary",
               mode="HYBRID")["searchRecommendations"]
    assert data["mode"] == "LEXICAL" and "not installed" in data["fallbackReason"]
    assert [h["recommendation"]["sourceId"] for h in data["hits"]] == ["UPRINFO-R000410"]
    assert data["hits"][0]["score"] is None


@needs_model
def test_a_state_gets_suggestions_from_its_own_recommendations_only(
        gql, make_token, db_session, small, encoder):
    embed_recommendations(db_session, encoder)
    mexico = gql.as_(make_token("STATE", state="MEX"))
    result = run(mexico, "SuggestRecommendations", need=NEED, first=3)["result"]
    assert result["__typename"] == "RecommendationSuggestions" and result["mode"] == "HYBRID"
    ids = [h["recommendation"]["sourceId"] for h in result["hits"]]
    # "Investigate the alleged cases of torture and other human rights abuses committed by
    # police, military and security forces" is the one the need describes.
    assert ids[0] == "UPRINFO-R003408"
    assert len(ids) == 3
    everything = run(mexico, "SuggestRecommendations", need=NEED, first=100)["result"]
    assert {h["recommendation"]["sourceId"][:9] for h in everything["hits"]} == {"UPRINFO-R"}
    mexican = {s for s in small if s.startswith("UPRINFO-R0034")}
    assert {h["recommendation"]["sourceId"] for h in everything["hits"]} <= mexican


def test_suggestions_are_for_state_missions_and_need_a_need(gql, make_token, db_session, small):
    for token in (None, make_token("PARTNER", partner="Norad"), make_token("SECRETARIAT")):
        result = run(gql.as_(token), "SuggestRecommendations", need=NEED)["result"]
        assert result["__typename"] == "PermissionDenied", result
    mexico = gql.as_(make_token("STATE", state="MEX"))
    result = run(mexico, "SuggestRecommendations", need=" ")["result"]
    assert result == {"__typename": "ValidationError", "message": "need: must not be empty",
                      "field": "need", "rule": "required"}
    result = run(mexico, "SuggestRecommendations", need="torture", first=0)["result"]
    assert (result["__typename"], result["field"]) == ("ValidationError", "first")
