"""Fixtures for API tests: a few real-looking recommendations and the operation documents."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from facility.ids import encode_id
from facility.reference.models import Recommendation, RecommendationTheme, Theme

# Texts in the style of UPR recommendations; source ids are test-only.
SAMPLE = [
    ("TEST-KEN-1", "KEN", "SUPPORTED", "Strengthen the independence of the judiciary and train judges "
     "on international human rights standards.", ["Justice"]),
    ("TEST-KEN-2", "KEN", "SUPPORTED", "Adopt a national action plan to combat violence against women "
     "and girls.", ["Women's rights", "National plan of action"]),
    ("TEST-KEN-3", "KEN", "NOTED", "Abolish the death penalty.", ["Death penalty"]),
    ("TEST-GHA-1", "GHA", "SUPPORTED", "Strengthen the national human rights institution in line "
     "with the Paris Principles.", ["NHRI"]),
]


@pytest.fixture
def recs(db_session: Session) -> dict[str, str]:
    """Sample recommendations; returns opaque GraphQL ids by source id."""
    themes = {t.name: t.id for t in db_session.exec(select(Theme))}
    ids = {}
    for source_id, state, response, text, theme_names in SAMPLE:
        rec = Recommendation(source_id=source_id, source="upr-info", state_code=state,
                             recommending_state_code="NOR", recommended_by="Norway",
                             cycle=3, session=35, text=text, response=response)
        db_session.add(rec)
        db_session.flush()
        for name in theme_names:
            db_session.add(RecommendationTheme(recommendation_id=rec.id, theme_id=themes[name]))
        ids[source_id] = encode_id("Recommendation", rec.id)
    db_session.flush()
    return ids


