"""How recommendations without a UPR position count where a rule asks for "supported".

Treaty bodies and special procedures ask no position of the State. By default their
recommendations count as supported, in screening (`require_supported`) and in the
optimiser's `all_supported` alike; `eligibility.without_position_supported: false` makes
them count as noted in both.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.auth.service import create_account
from facility.reference.models import Recommendation
from facility.requests.models import RequestStatus
from facility.requests.service import RequestFields, create_request
from facility.timeutil import today
from governance.criteria import CriteriaBody
from governance.runs import build_instance
from governance.screening import check_request


def _recommendation(session: Session, source_id: str, *, mechanism: str, body: str,
                    response: str | None) -> Recommendation:
    rec = Recommendation(source_id=source_id, source="uhri", state_code="KEN", text="Adopt a law.",
                         mechanism=mechanism, body=body, response=response)
    session.add(rec)
    session.flush()
    return rec


def _eligible_request(session: Session, recs: list[Recommendation]):  # type: ignore[no-untyped-def]
    account = create_account(session, role=Role.STATE, email="mission.ken@example.org",
                             name="Mission of Kenya", password="a-long-password-1", state_code="KEN")
    request = create_request(session, actor=Actor.from_account(account), fields=RequestFields(
        title="Legal aid", need="Train paralegals", barrier="", recommendation_ids=[r.id for r in recs],
        languages=["en"], support_kinds=["TRAINING"], window_start=date(2030, 1, 1),
        window_end=date(2030, 6, 30), weeks=4, experts_needed=1, budget=20_000, currency="USD",
        priority=3, themes=["Justice"]))
    request.status = RequestStatus.ELIGIBLE
    session.flush()
    return request


def _criteria(without_position_supported: bool) -> CriteriaBody:
    return CriteriaBody.model_validate(
        {"eligibility": {"without_position_supported": without_position_supported}})


@pytest.mark.parametrize("without_position_supported", [True, False])
def test_a_treaty_body_recommendation_counts_as_the_criteria_say(db_session: Session,
                                                                 without_position_supported: bool):
    crc = _recommendation(db_session, "TEST-CRC-1", mechanism="TREATY_BODY", body="CRC",
                          response=None)
    request = _eligible_request(db_session, [crc])
    criteria = _criteria(without_position_supported)

    failed = check_request(request, [crc], criteria)
    assert [f.clause for f in failed] == ([] if without_position_supported
                                          else ["eligibility.require_supported"])
    document, _, _ = build_instance(db_session, criteria, as_of=today())
    [record] = [r for r in document["requests"] if r["id"] == f"R{request.id}"]
    assert record["all_supported"] is without_position_supported


def test_a_noted_upr_recommendation_never_counts_as_supported(db_session: Session):
    noted = _recommendation(db_session, "TEST-UPR-NOTED", mechanism="UPR", body="UPR",
                            response="NOTED")
    crc = _recommendation(db_session, "TEST-CRC-2", mechanism="TREATY_BODY", body="CRC",
                          response=None)
    request = _eligible_request(db_session, [noted, crc])
    criteria = _criteria(True)
    assert [f.message for f in check_request(request, [noted, crc], criteria)] == [
        "linked recommendations not supported by the State: TEST-UPR-NOTED"]
    document, _, _ = build_instance(db_session, criteria, as_of=today())
    [record] = [r for r in document["requests"] if r["id"] == f"R{request.id}"]
    assert record["all_supported"] is False


def test_the_default_criteria_count_them_as_supported():
    assert CriteriaBody().eligibility.without_position_supported is True
