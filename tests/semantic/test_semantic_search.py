"""Semantic, hybrid and full-text search over recommendations, and the fallbacks."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from facility.errors import ValidationFailed
from facility.reference.models import Recommendation
from facility.semantic import search as search_module
from facility.semantic.search import SearchMode, find_recommendations
from facility.semantic.store import embed_recommendations, vector_index
from tests.semantic.conftest import needs_model

JUDICIARY = ["UPRINFO-R003058", "UPRINFO-R000445", "UPRINFO-R003926", "UPRINFO-R003461",
             "UPRINFO-R003038", "UPRINFO-R003039", "UPRINFO-R000410"]
QUERY = "judicial independence training for judges"


def _ids(result) -> list[str]:
    return [h.recommendation.source_id for h in result.hits]


@needs_model
def test_embedding_is_stored_once_per_text_and_only_again_when_the_text_changes(
        db_session: Session, small, encoder):
    first = embed_recommendations(db_session, encoder)
    assert (first.recommendations, first.encoded, first.up_to_date) == (33, 33, 0)
    again = embed_recommendations(db_session, encoder)
    assert (again.recommendations, again.encoded, again.up_to_date) == (0, 0, 33)

    rec = db_session.get(Recommendation, small["UPRINFO-R003926"])
    rec.text = "Continue its good work in further strengthening the judiciary in the country"
    db_session.add(rec)
    db_session.flush()
    changed = embed_recommendations(db_session, encoder)
    # The new text is word for word another recommendation's: its vector is copied.
    assert (changed.recommendations, changed.encoded, changed.reused) == (1, 0, 1)
    index = vector_index(db_session, encoder.name)
    rows = {int(i): n for n, i in enumerate(index.ids)}
    assert (index.matrix[rows[small["UPRINFO-R003926"]]]
            == index.matrix[rows[small["UPRINFO-R000445"]]]).all()


@needs_model
def test_semantic_search_finds_the_judiciary_without_a_shared_word(db_session, small, encoder):
    embed_recommendations(db_session, encoder)
    lexical = find_recommendations(db_session, query=QUERY, mode=SearchMode.LEXICAL, limit=10)
    assert lexical.hits == []  # no recommendation has all four words
    result = find_recommendations(db_session, query=QUERY, mode=SearchMode.SEMANTIC, limit=5)
    assert result.mode == SearchMode.SEMANTIC and result.fallback_reason is None
    assert set(_ids(result)) <= set(JUDICIARY), _ids(result)
    # "restoring public confidence in the judiciary" shares no word with the query.
    assert "UPRINFO-R003058" in _ids(result)
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0.5


@needs_model
def test_filters_apply_to_semantic_and_hybrid_search(db_session, small, encoder):
    embed_recommendations(db_session, encoder)
    for mode in (SearchMode.SEMANTIC, SearchMode.HYBRID):
        mexico = find_recommendations(db_session, query=QUERY, mode=mode, state_code="mex",
                                      limit=20)
        assert mexico.hits and {h.recommendation.state_code for h in mexico.hits} == {"MEX"}
        noted = find_recommendations(db_session, query=QUERY, mode=mode, response="noted",
                                     limit=20)
        assert {h.recommendation.response for h in noted.hits} == {"NOTED"}
        themed = find_recommendations(db_session, query=QUERY, mode=mode, theme="justice",
                                      limit=20)
        assert themed.hits and set(_ids(themed)) <= set(JUDICIARY) | {
            "UPRINFO-R003418", "UPRINFO-R003419"}
    nothing = find_recommendations(db_session, query=QUERY, mode=SearchMode.SEMANTIC,
                                   state_code="FRA", limit=5)
    assert nothing.hits == []


@needs_model
def test_auto_mode_is_hybrid_for_sentences_and_full_text_for_a_word_or_two(
        db_session, small, encoder):
    embed_recommendations(db_session, encoder)
    sentence = find_recommendations(db_session, query=QUERY, limit=5)
    assert sentence.mode == SearchMode.HYBRID
    assert "UPRINFO-R003058" in _ids(sentence)
    short = find_recommendations(db_session, query="child labour", limit=5)
    assert short.mode == SearchMode.LEXICAL and "fewer than 3 words" in short.fallback_reason
    assert _ids(short) == ["UPRINFO-R000406"]


@needs_model
def test_the_index_reloads_when_recommendations_change(db_session, small, encoder):
    embed_recommendations(db_session, encoder)
    before = vector_index(db_session, encoder.name)
    db_session.delete(db_session.get(Recommendation, small["UPRINFO-R003058"]))
    db_session.flush()
    after = vector_index(db_session, encoder.name)
    assert len(after) == len(before) - 1
    result = find_recommendations(db_session, query=QUERY, mode=SearchMode.SEMANTIC, limit=33)
    assert "UPRINFO-R003058" not in _ids(result)


def test_without_the_model_every_mode_falls_back_to_full_text(db_session, small, monkeypatch):
    monkeypatch.setattr(search_module, "get_encoder", lambda: None)
    for mode in SearchMode:
        result = find_recommendations(db_session, query="independence of the judiciary",
                                      mode=mode, limit=5)
        assert result.mode == SearchMode.LEXICAL
        assert _ids(result) == ["UPRINFO-R000410"]
        if mode != SearchMode.LEXICAL:
            assert "not installed" in result.fallback_reason


@needs_model
def test_without_stored_embeddings_search_falls_back_and_says_how_to_fix_it(db_session, small):
    result = find_recommendations(db_session, query=QUERY, mode=SearchMode.SEMANTIC, limit=5)
    assert result.mode == SearchMode.LEXICAL
    assert "facility recommendations embed" in result.fallback_reason


@pytest.mark.parametrize(("query", "limit", "field", "rule"), [
    ("   ", 5, "query", "required"),
    ("x" * 2001, 5, "query", "max_length"),
    ("judges", 0, "first", "range"),
    ("judges", 101, "first", "range"),
])
def test_bad_input_names_the_field_and_the_rule(db_session, query, limit, field, rule):
    with pytest.raises(ValidationFailed) as caught:
        find_recommendations(db_session, query=query, limit=limit)
    assert (caught.value.problems[0].field, caught.value.problems[0].rule) == (field, rule)
