"""The NumPy encoder gives the model's own embeddings."""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest
from pydantic import ValidationError

from facility.config import Settings, get_settings
from facility.semantic import encoder as encoder_module
from facility.semantic.encoder import (
    DIMENSIONS,
    MAX_TOKENS,
    Encoder,
    batches,
    gelu_,
    get_encoder,
    layer_norm_,
    model_directory,
)
from tests.semantic.conftest import DATA, needs_model

JUVENILE = ("Take further steps to ensure that juvenile courts are set up and that children "
            "are separated from adults in detention facilities.")


def test_gelu_is_the_exact_erf_form_to_float32_precision():
    # The shape of a layer's hidden activations: 130 tokens (blocks of 32 and a remainder).
    x = np.linspace(-12.0, 12.0, 130 * 1536).astype(np.float32).reshape(130, 1536)
    exact = np.array([v * (1.0 + math.erf(v / math.sqrt(2.0))) / 2.0
                      for v in x.ravel().tolist()]).reshape(x.shape)
    ours = x.copy()
    gelu_(ours)
    assert ours.dtype == np.float32
    # A&S 7.1.26's erf error (< 1.5e-7) scaled by |x| / 2, plus float32 rounding: measured
    # 1.7e-7 relative at most. The tanh approximation, which BERT does not use, is 4.7e-4 off.
    assert (np.abs(ours - exact) <= 2.5e-7 * np.maximum(1.0, np.abs(x))).all()


def test_layer_norm_in_place_matches_the_formula():
    rng = np.random.default_rng(8)
    x = rng.normal(3.0, 2.0, (50, DIMENSIONS)).astype(np.float32)
    weight, bias = (rng.normal(size=DIMENSIONS).astype(np.float32) for _ in range(2))
    wide = x.astype(np.float64)
    expected = ((wide - wide.mean(-1, keepdims=True)) / np.sqrt(wide.var(-1, keepdims=True) + 1e-12)
                * weight + bias)
    layer_norm_(x, weight, bias, 1e-12)
    assert x.dtype == np.float32 and np.abs(x - expected).max() < 1e-5


def test_batches_cover_every_text_once_by_length_within_the_token_budget():
    lengths = [30, 5, 120, 5, 64, 256, 7, 30, 31, 2]
    cut = batches(lengths, budget=128)
    assert sorted(i for batch in cut for i in batch) == list(range(len(lengths)))
    flat = [lengths[i] for batch in cut for i in batch]
    assert flat == sorted(lengths)
    for batch in cut:
        longest = max(lengths[i] for i in batch)
        # A text longer than the budget goes alone; otherwise the padded size fits.
        assert len(batch) == 1 or len(batch) * longest <= 128
    # A fifth text of 30 would pad the first pass to 5 x 30 > 128 tokens; 64 with the 30s, 4 x 64.
    assert [[lengths[i] for i in batch] for batch in cut] == [
        [2, 5, 5, 7], [30, 30, 31], [64], [120], [256]]
    assert batches([]) == []


@needs_model
def test_the_model_is_read_from_the_installed_package_not_a_hub():
    directory = model_directory()
    assert directory is not None and "site-packages" in str(directory)
    assert (directory / "model.safetensors").stat().st_size > 80_000_000


@needs_model
def test_embeddings_match_the_reference_implementation():
    reference = json.loads((DATA / "reference_embeddings.json").read_text(encoding="utf-8"))
    ours = get_encoder().encode(reference["texts"])
    expected = np.array(reference["vectors"], dtype=np.float32)
    assert ours.shape == (3, DIMENSIONS) and ours.dtype == np.float32
    # Measured 1.6e-7 to 1.9e-7 (float32 rounding through six layers, BLAS kernel dependent).
    assert np.abs(ours - expected).max() < 1e-6
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-6)


@needs_model
def test_batching_and_padding_do_not_change_a_text_s_vector():
    # Lengths from 7 word pieces to past the truncation, so one pass packs texts of several
    # lengths and pads the attention of all but the longest.
    texts = ["Abolish the death penalty.", JUVENILE,
             "Ratify the Rome Statute of the International Criminal Court.",
             " ".join(["Strengthen the national human rights institution"] * 60)]
    encoder = get_encoder()
    together = encoder.encode(texts)
    alone = np.stack([encoder.encode([t])[0] for t in texts])
    assert np.abs(together - alone).max() < 1e-6
    assert encoder.encode([]).shape == (0, DIMENSIONS)


@needs_model
def test_text_beyond_the_token_limit_is_truncated_like_the_reference():
    encoder = get_encoder()
    long_text = " ".join(["Strengthen the national human rights institution"] * 60)
    ids = encoder.tokenizer.encode(long_text).ids
    assert len(ids) == MAX_TOKENS
    # Cut the text right after the word pieces the model sees: the same vector.
    cut = encoder.tokenizer.decode(ids[1:MAX_TOKENS - 1])
    assert len(encoder.tokenizer.encode(cut).ids) == MAX_TOKENS
    first, second = encoder.encode([long_text, cut])
    assert np.abs(first - second).max() < 1e-6


@needs_model
def test_two_blas_threads_give_the_same_vectors():
    texts = ["Abolish the death penalty.", JUVENILE]
    one = get_encoder().encode(texts)
    two = Encoder(model_directory(), threads=2).encode(texts)  # type: ignore[arg-type]
    assert np.abs(one - two).max() < 1e-6


@needs_model
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="OpenBLAS caps its threads at the CPUs")
def test_encoding_runs_with_the_configured_number_of_blas_threads(monkeypatch):
    from threadpoolctl import ThreadpoolController

    seen: list[int] = []
    forward = Encoder._forward

    def spy(self, batch):  # type: ignore[no-untyped-def]
        seen.append(ThreadpoolController().select(user_api="blas").info()[0]["num_threads"])
        return forward(self, batch)

    monkeypatch.setattr(Encoder, "_forward", spy)
    for setting, expected in ((None, 1), ("2", 2)):
        if setting is not None:
            monkeypatch.setenv("FACILITY_EMBED_THREADS", setting)
        monkeypatch.setattr(encoder_module, "_loaded", None)  # restored after the test
        get_settings.cache_clear()
        try:
            get_encoder().encode(["Abolish the death penalty."])
        finally:
            get_settings.cache_clear()
        assert seen.pop() == expected


def test_the_thread_setting_is_checked():
    assert Settings().embed_threads == 1
    assert Settings(embed_threads="2").embed_threads == 2
    with pytest.raises(ValidationError, match="embed_threads"):
        Settings(embed_threads=0)


@needs_model
def test_paraphrases_are_closer_than_unrelated_texts():
    query, paraphrase, unrelated = get_encoder().encode([
        "judicial independence training for judges",
        "Provide training programmes on human rights for the judiciary and magistrates",
        "Eradicate child labour"])
    assert query @ paraphrase > 0.5 > query @ unrelated
