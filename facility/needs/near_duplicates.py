"""Where two mechanisms ask a State the same thing: semantic near-duplicates.

A UPR recommendation and a treaty body's (or a special procedure's) often ask for the same
measure in other words ("Adopt a law criminalising torture" / "The Committee recommends
that the State party define torture in its Criminal Code"). Their sentence embeddings
(facility/semantic) are compared: every pair of one UPR and one other recommendation of
the State whose cosine reaches NEAR, best first. Without stored embeddings (the semantic
extra is not installed, or `facility recommendations embed` has not run) there are none.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from facility.reference.models import MechanismType

# The cosine from which two texts are taken to ask the same thing: a judgment, set high so
# that a pair shown is a paraphrase rather than two texts on one theme.
NEAR = 0.8
MAX_PAIRS = 50


@dataclass(frozen=True)
class NearDuplicate:
    upr_id: int
    other_id: int
    score: float


def cross_mechanism_pairs(session: Session, mechanisms: dict[int, str], *,
                          near: float = NEAR, limit: int = MAX_PAIRS) -> list[NearDuplicate]:
    """Pairs (UPR, other mechanism) among these recommendations (id -> mechanism type)."""
    upr = [i for i, m in mechanisms.items() if m == MechanismType.UPR]
    others = [i for i, m in mechanisms.items() if m != MechanismType.UPR]
    if not upr or not others:
        return []
    try:  # the semantic extra (NumPy) is optional
        import numpy as np

        from facility.semantic.encoder import MODEL_NAME
        from facility.semantic.store import vector_index
    except ImportError:
        return []
    index = vector_index(session, MODEL_NAME)
    if not len(index):
        return []
    rows = {int(rid): n for n, rid in enumerate(index.ids)}
    upr = [i for i in upr if i in rows]
    others = [i for i in others if i in rows]
    if not upr or not others:
        return []
    scores = index.matrix[[rows[i] for i in upr]] @ index.matrix[[rows[i] for i in others]].T
    hits = np.argwhere(scores >= near)
    pairs = [NearDuplicate(upr[a], others[b], round(float(scores[a, b]), 4)) for a, b in hits]
    pairs.sort(key=lambda p: (-p.score, p.upr_id, p.other_id))
    return pairs[:limit]
