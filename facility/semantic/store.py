"""Computing, storing and loading the recommendations' embeddings.

Embeddings are computed once per distinct text: UPR recommendations repeat word for word
across States ("Ratify the Optional Protocol to the Convention against Torture"), so a text
already embedded for one recommendation is copied, not encoded again.

Searches read every vector into one NumPy matrix, cached per database and reloaded when a
cheap signature (counts and latest timestamps, one statement) says the data changed. At
40,000 x 384 float32 the matrix takes 59 MiB and a full scan is a single matrix product.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, func, insert, select
from sqlmodel import Session

from facility.db import table_of
from facility.reference.models import Recommendation
from facility.semantic.encoder import DIMENSIONS, Encoder
from facility.semantic.models import RecommendationEmbedding
from facility.timeutil import utcnow

Progress = Callable[[int, int], None]
WRITE_BATCH = 256  # texts encoded and rows written per round


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f4")


@dataclass
class EmbedReport:
    recommendations: int = 0  # recommendations whose embedding was written
    encoded: int = 0  # distinct texts the model encoded
    reused: int = 0  # recommendations given a vector already computed for the same text
    up_to_date: int = 0


def _pending(session: Session, model: str, ids: list[int] | None) -> tuple[list[tuple[int, str, str]], int]:
    """(id, text, text hash) of the recommendations whose embedding is missing, stale or of
    another model, and how many are up to date."""
    rec, emb = table_of(Recommendation).c, table_of(RecommendationEmbedding).c
    query = (select(rec.id, rec.text, emb.text_sha256, emb.model)
             .select_from(table_of(Recommendation).outerjoin(
                 table_of(RecommendationEmbedding), emb.recommendation_id == rec.id))
             .order_by(rec.id))
    if ids is not None:
        query = query.where(rec.id.in_(ids))
    pending, up_to_date = [], 0
    for rid, text, stored_hash, stored_model in session.execute(query):
        digest = text_hash(text)
        if stored_hash == digest and stored_model == model:
            up_to_date += 1
        else:
            pending.append((rid, text, digest))
    return pending, up_to_date


def stale_ids(session: Session, model: str) -> tuple[list[int], int]:
    """Ids of the recommendations to embed, and how many are up to date."""
    pending, up_to_date = _pending(session, model, None)
    return [rid for rid, _, _ in pending], up_to_date


def embed_recommendations(
    session: Session, encoder: Encoder, *, ids: list[int] | None = None,
    batch_size: int = WRITE_BATCH, progress: Progress | None = None,
) -> EmbedReport:
    """Embed the recommendations (all, or these ids) whose embedding is missing, stale or of
    another model; the caller commits."""
    emb = table_of(RecommendationEmbedding).c
    pending, up_to_date = _pending(session, encoder.name, ids)
    report = EmbedReport(up_to_date=up_to_date)
    if progress:
        progress(0, len(pending))
    if not pending:
        return report
    # Vectors already stored for these texts, by this model, are reused.
    known: dict[str, bytes] = {}
    digests = sorted({d for _, _, d in pending})
    for start in range(0, len(digests), 2000):
        for digest, vector in session.execute(
            select(emb.text_sha256, emb.vector)
            .where(emb.text_sha256.in_(digests[start:start + 2000]), emb.model == encoder.name)
        ):
            known.setdefault(digest, vector)
    done = 0
    for start in range(0, len(pending), batch_size):
        chunk = pending[start:start + batch_size]
        fresh = sorted({(d, t) for _, t, d in chunk if d not in known})
        if fresh:
            vectors = encoder.encode([t for _, t in fresh])
            for (digest, _), vector in zip(fresh, vectors, strict=True):
                known[digest] = to_bytes(vector)
            report.encoded += len(fresh)
        chunk_ids = [rid for rid, _, _ in chunk]
        session.execute(delete(table_of(RecommendationEmbedding))
                        .where(emb.recommendation_id.in_(chunk_ids)))
        now = utcnow()
        session.execute(insert(table_of(RecommendationEmbedding)), [
            {"recommendation_id": rid, "model": encoder.name, "text_sha256": digest,
             "vector": known[digest], "embedded_at": now} for rid, _, digest in chunk])
        report.recommendations += len(chunk)
        done += len(chunk)
        if progress:
            progress(done, len(pending))
    report.reused = report.recommendations - report.encoded
    return report


@dataclass(frozen=True)
class VectorIndex:
    """Every stored vector of one model, by recommendation id. Filters (State, response,
    theme) are applied by SQL at query time, so that a recommendation whose State or response
    changes needs no reload."""

    signature: tuple
    ids: np.ndarray  # recommendation ids, int64, ascending
    matrix: np.ndarray  # (n, 384) float32, unit rows

    def __len__(self) -> int:
        return len(self.ids)


_indexes: dict[tuple[str, str], VectorIndex] = {}
_index_lock = threading.Lock()


def _signature(session: Session, model: str) -> tuple:
    """Changes whenever an embedding is written or deleted (deleting a recommendation deletes
    its embedding). Both aggregates are answered from indexes: about a millisecond at 41,000
    rows, where a scan of the vectors took a second."""
    # No WHERE on the model: it would read every row. Any write to the table changes it.
    emb = table_of(RecommendationEmbedding).c
    return (model, *session.execute(
        select(func.count(), func.max(emb.embedded_at)).select_from(RecommendationEmbedding)
    ).one())


def vector_index(session: Session, model: str) -> VectorIndex:
    """The cached index of this database, reloaded (one more statement) when stale."""
    emb = table_of(RecommendationEmbedding).c
    signature = _signature(session, model)
    key = (str(session.get_bind().engine.url), model)
    cached = _indexes.get(key)
    if cached is not None and cached.signature == signature:
        return cached
    rows = session.execute(
        select(emb.recommendation_id, emb.vector).where(emb.model == model)
        .order_by(emb.recommendation_id)
    ).all()
    matrix = np.frombuffer(b"".join(r.vector for r in rows), dtype="<f4").reshape(
        len(rows), DIMENSIONS)
    index = VectorIndex(
        signature=signature,
        ids=np.fromiter((r.recommendation_id for r in rows), dtype=np.int64, count=len(rows)),
        matrix=matrix,
    )
    with _index_lock:
        _indexes[key] = index
    return index
