"""The matrix world's referrals and progress updates: a pending referral for Kenya and one for
Ghana, two declined referrals of Kenya (one made public without its reason, one private), and
progress updates of Kenya (a draft, a published one; its page closed) and of Ghana (published,
its page open). Written as rows, so that the other rows' objects stay untouched."""

from __future__ import annotations

from sqlmodel import Session, select

from facility.auth.models import Account, Role
from facility.dialogue.models import ProgressUpdate, StatePageConsent, UpdateStatus
from facility.ids import decode_id, encode_id
from facility.referrals.models import Referral, ReferralSource, ReferralStatus
from facility.timeutil import utcnow

REFERRAL_INPUT = {"source": "OHCHR", "documentSymbol": "A/HRC/RES/55/12", "stateCode": "KEN",
                  "title": "Referred by the matrix", "summary": "A situation the matrix refers."}


def build_dialogue(session: Session, ids: dict) -> None:
    staff = session.exec(select(Account).where(Account.role == Role.SECRETARIAT)).first()
    missions = {a.state_code: a for a in session.exec(select(Account).where(Account.role == Role.STATE))}

    def referral(key: str, state: str, status: ReferralStatus, *, public: bool = False) -> None:
        row = Referral(state_code=state, source=ReferralSource.HRC_PRESIDENT,
                       document_symbol="A/HRC/RES/55/12", title=f"Matrix referral {key}",
                       summary="Matrix summary", status=status,
                       recommendation_ids=[decode_id("Recommendation", ids["recs"][f"SEC-{state}-1"])],
                       public=public, recorded_by_id=staff.id,  # type: ignore[union-attr]
                       decline_reason="Matrix reason" if status == ReferralStatus.DECLINED else None,
                       answered_at=utcnow() if status != ReferralStatus.PENDING else None)
        session.add(row)
        session.flush()
        ids[key] = encode_id("Referral", row.id)  # type: ignore[arg-type]

    referral("ref_ken_pending", "KEN", ReferralStatus.PENDING)
    referral("ref_gha_pending", "GHA", ReferralStatus.PENDING)
    referral("ref_ken_declined_public", "KEN", ReferralStatus.DECLINED, public=True)
    referral("ref_ken_declined_private", "KEN", ReferralStatus.DECLINED)

    def update(key: str, state: str, status: UpdateStatus) -> None:
        rec = decode_id("Recommendation", ids["recs"][f"SEC-{state}-1"])
        row = ProgressUpdate(state_code=state, recommendation_id=rec, status=status,  # type: ignore[arg-type]
                             implementation_status="PARTIALLY_IMPLEMENTED",
                             evidence="Matrix evidence", created_by_id=missions[state].id,  # type: ignore[arg-type]
                             published_at=utcnow() if status == UpdateStatus.PUBLISHED else None)
        session.add(row)
        session.flush()
        ids[key] = encode_id("ProgressUpdate", row.id)  # type: ignore[arg-type]

    update("upd_ken_draft", "KEN", UpdateStatus.DRAFT)
    update("upd_ken_published", "KEN", UpdateStatus.PUBLISHED)
    update("upd_gha_published", "GHA", UpdateStatus.PUBLISHED)
    session.add(StatePageConsent(state_code="GHA", open=True, changed_by_id=missions["GHA"].id))  # type: ignore[arg-type]
    session.flush()


def dialogue_variables(ids: dict, name: str, target: str) -> dict | None:
    """The variables of the referral and dialogue mutations' rows (None: not one of them)."""
    if name == "referSituation":
        return {"input": {**REFERRAL_INPUT, "recommendationIds": [ids["recs"]["SEC-KEN-1"]]}}
    if name == "respondToReferral":
        return {"id": ids[target], "accept": True}
    if name == "postProgressUpdate":
        return {"input": {"recommendationId": ids["recs"][target],
                          "implementationStatus": "NOT_STARTED", "evidence": "Posted by the matrix"}}
    if name == "updateProgressUpdate":
        return {"id": ids[target], "input": {"evidence": "Changed by the matrix"}}
    if name == "publishProgressUpdate":
        return {"id": ids[target]}
    if name == "setStatePageConsent":
        return {"open": True}
    return None


def dialogue_probe(ids: dict, q, name: str, target: str) -> str | None:  # type: ignore[no-untyped-def]
    """The answer of the referral and dialogue queries' rows (None: not one of them)."""
    tid = ids.get(target)
    if name in ("referrals", "progressUpdates"):
        data = q(f"{{ x: {name}(first: 100) {{ edges {{ node {{ id }} }} }} }}")["x"]
        return "listed" if tid in {e["node"]["id"] for e in data["edges"]} else "absent"
    if name in ("referral", "progressUpdate"):
        found = q(f"query($id: ID!) {{ x: {name}(id: $id) {{ id }} }}", id=tid)["x"]
        return "null" if found is None else "visible"
    if name == "referral.declineReason":
        found = q("query($id: ID!) { r: referral(id: $id) { status declineReason } }", id=tid)["r"]
        if found is None:
            return "null"
        assert found["status"] == "DECLINED", found
        return "hidden" if found["declineReason"] is None else "visible"
    if name == "statePage.progressUpdates":
        code = "GHA" if target.startswith("upd_gha") else "KEN"
        page = q("query($s: String!) { p: statePage(stateCode: $s) { progressUpdates { id } } }",
                 s=code)["p"]
        return "listed" if tid in {u["id"] for u in page["progressUpdates"]} else "absent"
    return None
