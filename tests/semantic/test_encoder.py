"""The NumPy encoder gives the model's own embeddings."""

from __future__ import annotations

import json

import numpy as np

from facility.semantic.encoder import DIMENSIONS, get_encoder, model_directory
from tests.semantic.conftest import DATA, needs_model

pytestmark = needs_model


def test_the_model_is_read_from_the_installed_package_not_a_hub():
    directory = model_directory()
    assert directory is not None and "site-packages" in str(directory)
    assert (directory / "model.safetensors").stat().st_size > 80_000_000


def test_embeddings_match_the_reference_implementation():
    reference = json.loads((DATA / "reference_embeddings.json").read_text(encoding="utf-8"))
    ours = get_encoder().encode(reference["texts"])
    expected = np.array(reference["vectors"], dtype=np.float32)
    assert ours.shape == (3, DIMENSIONS)
    assert np.abs(ours - expected).max() < 1e-5
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_batching_and_padding_do_not_change_a_text_s_vector():
    texts = ["Abolish the death penalty.",
             "Take further steps to ensure that juvenile courts are set up and that children "
             "are separated from adults in detention facilities.",
             "Ratify the Rome Statute of the International Criminal Court."]
    encoder = get_encoder()
    together = encoder.encode(texts, batch_size=3)
    alone = np.stack([encoder.encode([t])[0] for t in texts])
    assert np.abs(together - alone).max() < 1e-5
    assert encoder.encode([]).shape == (0, DIMENSIONS)


def test_paraphrases_are_closer_than_unrelated_texts():
    query, paraphrase, unrelated = get_encoder().encode([
        "judicial independence training for judges",
        "Provide training programmes on human rights for the judiciary and magistrates",
        "Eradicate child labour"])
    assert query @ paraphrase > 0.5 > query @ unrelated
