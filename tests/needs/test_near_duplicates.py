"""The needs assessment puts every mechanism together and names where a UPR recommendation
and a treaty-body or special-procedure one ask the same thing (near embeddings)."""

from __future__ import annotations

import numpy as np
from sqlmodel import Session

from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.auth.service import create_account
from facility.ids import encode_id
from facility.needs.service import needs_assessment
from facility.reference.models import Recommendation
from facility.semantic.encoder import DIMENSIONS, MODEL_NAME
from facility.semantic.models import RecommendationEmbedding
from facility.semantic.store import text_hash, to_bytes
from tests.api.helpers import run


def _unit(*weights: float) -> np.ndarray:
    vector = np.zeros(DIMENSIONS, dtype=np.float32)
    vector[:len(weights)] = weights
    return vector / np.linalg.norm(vector)


def _rec(session: Session, source_id: str, mechanism: str, body: str, text: str,
         vector: np.ndarray | None, response: str | None = None) -> Recommendation:
    rec = Recommendation(source_id=source_id, source="uhri", state_code="KEN", text=text,
                         mechanism=mechanism, body=body, response=response)
    session.add(rec)
    session.flush()
    if vector is not None:
        session.add(RecommendationEmbedding(recommendation_id=rec.id, model=MODEL_NAME,
                                            text_sha256=text_hash(text), vector=to_bytes(vector)))
        session.flush()
    return rec


def _world(session: Session) -> dict[str, Recommendation]:
    return {
        "upr": _rec(session, "TEST-UPR", "UPR", "UPR", "Criminalise torture in the Penal Code.",
                    _unit(1, 0, 0), "SUPPORTED"),
        "cat": _rec(session, "TEST-CAT", "TREATY_BODY", "CAT",
                    "The Committee recommends that the State party define torture in its "
                    "Criminal Code.", _unit(1, 0.2, 0)),  # cosine 0.98 with the UPR one
        "sr": _rec(session, "TEST-SR", "SPECIAL_PROCEDURE", "SR Torture",
                   "Set up a national preventive mechanism.", _unit(0.5, 1, 0)),  # 0.45
        "crc": _rec(session, "TEST-CRC", "TREATY_BODY", "CRC", "Raise the age of marriage.", None),
    }


def test_every_mechanism_is_assessed_and_the_near_pair_is_named(db_session: Session):
    recs = _world(db_session)
    account = create_account(db_session, role=Role.STATE, email="mission.ken@example.org",
                             name="Mission of Kenya", password="a-long-password-1",
                             state_code="KEN")
    assessment = needs_assessment(db_session, actor=Actor.from_account(account))
    by_id = {r.id: r for r in assessment.recommendations}
    assert {by_id[r.id].mechanism for r in recs.values()} == {"UPR", "TREATY_BODY",
                                                               "SPECIAL_PROCEDURE"}
    # Without a position they count as supported, as the default criteria count them.
    assert by_id[recs["cat"].id].supported and by_id[recs["crc"].id].supported
    [pair] = assessment.near_duplicates
    assert (pair.upr_id, pair.other_id) == (recs["upr"].id, recs["cat"].id)
    assert 0.97 < pair.score <= 1


def test_near_duplicates_in_graphql(db_session: Session, gql, make_token):
    recs = _world(db_session)
    token = make_token(Role.STATE, state="KEN")
    result = run(gql.as_(token), "NeedsAssessment")["result"]
    assert result["nearDuplicates"] == [{
        "uprRecommendationId": encode_id("Recommendation", recs["upr"].id),
        "otherRecommendationId": encode_id("Recommendation", recs["cat"].id),
        "score": result["nearDuplicates"][0]["score"]}]
    bodies = {r["sourceId"]: (r["mechanismType"], r["body"]) for r in result["recommendations"]}
    assert bodies["TEST-SR"] == ("SPECIAL_PROCEDURE", "SR Torture")


def test_the_state_page_shows_the_pair(db_session: Session, browser, person):
    recs = _world(db_session)
    browser.sign_in(person(Role.STATE, state_code="KEN").email)
    page = browser.get("/state/needs").text
    assert "The same request from two mechanisms" in page
    table = page.split('id="near-duplicates"')[1].split("</table>")[0]
    assert recs["upr"].text in table and recs["cat"].text in table and "CAT · TEST-CAT" in table
    assert recs["sr"].text not in table
