"""The matrix world's fund: a partner registered as a fund OHCHR administers, with one donor's
pledge. Written as rows, so that the other rows' objects stay untouched."""

from __future__ import annotations

from sqlmodel import Session, select

from facility.auth.models import Account, Partner, PartnerKind, Role
from facility.funds.models import Fund, FundContribution, FundMandate
from facility.ids import encode_id


def build_funds(session: Session, ids: dict) -> None:
    staff = session.exec(select(Account).where(Account.role == Role.SECRETARIAT)).first()
    partner = Partner(name="Matrix Fund", kind=PartnerKind.OHCHR_FUND)
    session.add(partner)
    session.flush()
    session.add(Fund(partner_id=partner.id, short_name="MATRIX",  # type: ignore[arg-type]
                     mandate=FundMandate.TECHNICAL_COOPERATION, description="The matrix's fund"))
    session.flush()
    session.add(FundContribution(fund_id=partner.id, donor_state_code="NOR", year=2027,  # type: ignore[arg-type]
                                 currency="USD", pledged=1_000_000, paid=0,
                                 recorded_by_id=staff.id))  # type: ignore[union-attr]
    session.flush()
    ids["fund_vftc"] = encode_id("Fund", partner.id)  # type: ignore[arg-type]


def funds_variables(ids: dict, name: str, target: str) -> dict | None:
    """The variables of the funds' mutation rows (None: not one of them)."""
    if name == "recordFundContribution":
        return {"input": {"fundId": ids[target], "donorStateCode": "SWE", "year": 2027,
                          "currency": "USD", "pledged": 500_000, "paid": 100_000}}
    return None


def funds_probe(ids: dict, q, name: str, target: str) -> str | None:  # type: ignore[no-untyped-def]
    """The answer of the funds' query rows (None: not one of them)."""
    tid = ids.get(target)
    if name == "funds":
        listed = {f["id"]: f for f in q("{ funds { id contributions { donorState { code } } } }")["funds"]}
        if tid not in listed:
            return "absent"
        assert [c["donorState"]["code"] for c in listed[tid]["contributions"]] == ["NOR"]
        return "listed"
    if name == "fund":
        found = q("query($id: ID!) { f: fund(id: $id) { id years { pledged } } }", id=tid)["f"]
        return "null" if found is None else "visible"
    return None
