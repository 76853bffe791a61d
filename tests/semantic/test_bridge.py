"""Queries in other UN languages, bridged to English through the SDG and theme vocabulary."""

from __future__ import annotations

import pytest

from facility.errors import ValidationFailed
from facility.reference.loader import read_csv
from facility.semantic import search as search_module
from facility.semantic.bridge import bridge
from facility.semantic.search import SearchMode, TranslatedVia, find_recommendations
from facility.semantic.store import embed_recommendations
from facility.semantic.tokenise import han_bigrams, language_code, normalise_arabic, tokens
from tests.api.helpers import run
from tests.semantic.conftest import needs_model

HOUSING = "UPRINFO-R003056"  # "...ensure adequate housing for all citizens..."
CHILD_LABOUR = "UPRINFO-R000406"  # "Eradicate child labour..."


# Tokenisation ----------------------------------------------------------------------------------

def test_chinese_is_cut_into_character_pairs_as_it_has_no_spaces():
    assert han_bigrams("废除死刑") == ["废除", "除死", "死刑"]
    assert han_bigrams("年") == ["年"]
    # Punctuation and other scripts break the runs; digits and Latin words stay words.
    assert tokens("死刑，酷刑 CEDAW 2030", "zh") == ["死刑", "酷刑", "cedaw", "2030"]
    # The theme name 死刑 (death penalty) is among the pairs of a sentence containing it.
    assert "死刑" in tokens("呼吁废除死刑和处决", "zh")


def test_arabic_is_normalised_before_stemming():
    # Short vowels and tatweel go; hamza forms of alef are plain alef.
    assert normalise_arabic("عُقُوبَة الإعـدام") == "عقوبة الاعدام"
    # With and without the article, with or without vowels: the same stems.
    assert tokens("الاحتجاز", "ar") == tokens("احتجاز", "ar")
    assert tokens("للأطفال", "ar") == tokens("الأطفال", "ar") == tokens("الاطفال", "ar")
    assert tokens("عُقُوبَة الإِعْدَام", "ar") == tokens("عقوبة الاعدام", "ar")
    # Judges (قضاة) and the judiciary (قضاء) share a stem once the endings are normalised.
    assert tokens("القضاة", "ar") == tokens("القضاء", "ar")
    # Function words are dropped.
    assert tokens("في من على", "ar") == []


def test_russian_yo_is_ye_and_words_are_stemmed():
    assert tokens("ребёнок", "ru") == tokens("ребенок", "ru")
    assert tokens("детей", "ru") != [] and tokens("судей", "ru") == tokens("судья", "ru")


def test_french_and_spanish_stems_ignore_accents_and_plurals():
    assert tokens("Éducation des élèves", "fr") == tokens("education des eleves", "fr")
    assert tokens("les juges", "fr") == tokens("juge", "fr")
    assert tokens("l’indépendance", "fr") == tokens("indépendance", "fr")
    assert tokens("niños", "es") == tokens("niño", "es")


def test_language_codes():
    assert language_code("FR") == "fr" and language_code("zh-Hans") == "zh"
    assert language_code(" es ") == "es"
    assert language_code("de") is None and language_code("") is None


# The bridge ------------------------------------------------------------------------------------

def test_every_theme_has_a_name_in_each_un_language():
    themes = [row["name"] for row in read_csv("themes.csv")]
    translated = list(read_csv("theme_translations.csv"))
    assert [row["name"] for row in translated] == themes
    for row in translated:
        assert all(row[c].strip() for c in ("en", "fr", "es", "ar", "ru", "zh-Hans")), row


@pytest.mark.parametrize(("language", "query"), [
    ("fr", "abolir la peine de mort"), ("es", "abolir la pena de muerte"),
    ("ar", "إلغاء عقوبة الإعدام"), ("ru", "отменить смертную казнь"), ("zh", "废除死刑"),
])
def test_death_penalty_in_every_language_reaches_the_english_theme(language, query):
    found = bridge(query, language)
    assert found is not None and found.entries[0].label == "theme Death penalty"
    assert found.english_query.startswith("Death penalty")


def test_a_query_is_bridged_to_english_sdg_titles():
    found = bridge("mettre fin à la faim et à la malnutrition", "fr")
    assert found is not None
    assert {e.label for e in found.entries} & {"SDG goal 2", "SDG target 2.1", "SDG target 2.2"}
    assert "hunger" in found.english_query.lower()


def test_words_the_vocabulary_does_not_hold_find_no_bridge():
    assert bridge("xyzzy plugh frobnicate", "fr") is None
    assert bridge("", "zh") is None


# Search ---------------------------------------------------------------------------------------

def test_an_unsupported_language_is_refused_naming_the_field(db_session, small):
    with pytest.raises(ValidationFailed) as caught:
        find_recommendations(db_session, query="Menschenrechte schützen", language="de")
    [problem] = caught.value.problems
    assert (problem.field, problem.rule) == ("language", "one_of")
    assert problem.message == ("language: must be one of the UN languages ar, en, es, fr, ru, "
                               "zh, got 'de'")


@needs_model
@pytest.mark.parametrize(("language", "query"), [
    ("fr", "garantir à tous un logement décent"),
    ("es", "garantizar a todos una vivienda digna"),
])
def test_french_and_spanish_housing_needs_find_the_housing_recommendation_through_the_bridge(
        db_session, small, encoder, language, query):
    embed_recommendations(db_session, encoder)
    result = find_recommendations(db_session, query=query, language=language, limit=3)
    assert result.mode == SearchMode.SEMANTIC
    assert result.translated_via == TranslatedVia.SDG_VOCABULARY
    assert result.bridge is not None and "theme Right to housing" in [
        e.label for e in result.bridge.entries]
    assert result.hits[0].recommendation.id == small[HOUSING]
    # Measured: sent as written, the English model does not find it in its top three.
    plain = find_recommendations(db_session, query=query, mode=SearchMode.SEMANTIC, limit=3)
    assert plain.translated_via is None and plain.bridge is None
    assert small[HOUSING] not in [h.recommendation.id for h in plain.hits]


@needs_model
@pytest.mark.parametrize(("language", "query"), [
    ("ru", "искоренить детский труд"), ("zh", "消除童工"), ("ar", "القضاء على عمل الأطفال"),
])
def test_child_labour_in_russian_chinese_and_arabic(db_session, small, encoder, language, query):
    embed_recommendations(db_session, encoder)
    result = find_recommendations(db_session, query=query, language=language, limit=3)
    assert result.translated_via == TranslatedVia.SDG_VOCABULARY
    assert "SDG target 8.7" in [e.label for e in result.bridge.entries]  # ends child labour
    assert small[CHILD_LABOUR] in [h.recommendation.id for h in result.hits[:2]]


@needs_model
def test_a_query_the_vocabulary_does_not_cover_is_searched_as_written_and_says_so(
        db_session, small, encoder):
    embed_recommendations(db_session, encoder)
    result = find_recommendations(db_session, query="xyzzy plugh frobnicate", language="fr")
    assert result.translated_via is None and result.mode == SearchMode.HYBRID
    assert result.fallback_reason.startswith("no SDG goal, target or theme name in 'fr'")


def test_without_the_model_a_bridged_query_falls_back_to_full_text(db_session, small,
                                                                     monkeypatch):
    monkeypatch.setattr(search_module, "get_encoder", lambda: None)
    result = find_recommendations(db_session, query="indépendance de la justice", language="fr",
                                  mode=SearchMode.SEMANTIC)
    assert result.mode == SearchMode.LEXICAL and result.translated_via is None
    assert "not installed" in result.fallback_reason


def test_lexical_mode_is_not_bridged(db_session, small):
    result = find_recommendations(db_session, query="CEDAW", language="fr",
                                  mode=SearchMode.LEXICAL)
    assert result.translated_via is None
    assert [h.recommendation.id for h in result.hits] == [small["UPRINFO-R000404"]]


# GraphQL --------------------------------------------------------------------------------------

@needs_model
def test_search_over_graphql_says_the_query_was_bridged(gql, db_session, small, encoder):
    embed_recommendations(db_session, encoder)
    data = run(gql, "SearchRecommendations", query="garantizar a todos una vivienda digna",
               language="es", first=3)["searchRecommendations"]
    assert data["mode"] == "SEMANTIC"
    assert data["bridge"]["translatedVia"] == "SDG_VOCABULARY"
    assert data["bridge"]["language"] == "es"
    assert data["bridge"]["matched"][0] == "theme Right to housing"
    assert data["bridge"]["englishQuery"].startswith("Right to housing")
    assert data["hits"][0]["recommendation"]["sourceId"] == HOUSING
    english = run(gql, "SearchRecommendations", query="adequate housing for everyone",
                  first=3)["searchRecommendations"]
    assert english["bridge"] is None


def test_search_over_graphql_refuses_an_unsupported_language(gql, db_session, small):
    response = gql.post('query { searchRecommendations(query: "justicia", language: "pt") '
                        '{ mode } }')
    [error] = response.json()["errors"]
    assert error["message"].startswith("language: must be one of the UN languages")


@needs_model
def test_suggestions_in_spanish_for_a_state(gql, make_token, db_session, small, encoder):
    embed_recommendations(db_session, encoder)
    mexico = gql.as_(make_token("STATE", state="MEX"))
    result = run(mexico, "SuggestRecommendations", need="investigar los actos de tortura "
                 "cometidos por la policía", language="es", first=2)["result"]
    assert result["__typename"] == "RecommendationSuggestions"
    assert result["bridge"]["translatedVia"] == "SDG_VOCABULARY"
    # The two Mexican recommendations on investigating torture by the police.
    assert {h["recommendation"]["sourceId"] for h in result["hits"]} == {
        "UPRINFO-R003408", "UPRINFO-R003419"}


def test_suggestions_refuse_an_unsupported_language(gql, make_token, db_session, small):
    mexico = gql.as_(make_token("STATE", state="MEX"))
    result = run(mexico, "SuggestRecommendations", need="tortura policial",
                 language="klingon")["result"]
    assert result["__typename"] == "ValidationError"
    assert (result["field"], result["rule"]) == ("language", "one_of")
