"""The matrix world's programmes directory: one programme of Norad, one of GIZ, one the
secretariat keeps (open to all, any theme). Written as rows, so that the other rows' objects
stay untouched."""

from __future__ import annotations

from sqlmodel import Session, select

from facility.auth.models import Account, Partner, Role
from facility.ids import encode_id
from facility.programmes.models import AgencyKind, Programme

PROGRAMME_INPUT = {"name": "Added by the matrix", "agency": "Matrix agency",
                   "agencyKind": "MULTILATERAL", "howToApply": "Apply online.",
                   "link": "https://programmes.example.org/matrix"}


def build_programmes(session: Session, ids: dict) -> None:
    staff = session.exec(select(Account).where(Account.role == Role.SECRETARIAT)).first()
    partners = {p.name: p.id for p in session.exec(select(Partner))}
    for key, partner in (("prog_norad", "Norad"), ("prog_giz", "GIZ"), ("prog_staff", None)):
        row = Programme(name=f"Matrix programme {key}", agency=partner or "OHCHR",
                        agency_kind=AgencyKind.BILATERAL if partner else AgencyKind.MULTILATERAL,
                        how_to_apply="Apply online.", link="https://programmes.example.org/" + key,
                        partner_id=partners[partner] if partner else None,
                        created_by_id=staff.id)  # type: ignore[union-attr]
        session.add(row)
        session.flush()
        ids[key] = encode_id("Programme", row.id)  # type: ignore[arg-type]


def programme_variables(ids: dict, name: str, target: str) -> dict | None:
    if name == "addProgramme":
        return {"input": PROGRAMME_INPUT}
    if name == "updateProgramme":
        return {"id": ids[target], "input": {"name": "Changed by the matrix"}}
    if name == "recordProgrammeApplication":
        return {"requestId": ids[target], "programmeId": ids["prog_staff"]}
    return None


def programme_probe(ids: dict, q, name: str, target: str) -> str | None:  # type: ignore[no-untyped-def]
    tid = ids.get(target)
    if name == "programmes":
        data = q("{ x: programmes(first: 100) { edges { node { id } } } }")["x"]
        return "listed" if tid in {e["node"]["id"] for e in data["edges"]} else "absent"
    if name == "programme":
        found = q("query($id: ID!) { x: programme(id: $id) { id } }", id=tid)["x"]
        return "null" if found is None else "visible"
    if name == "programmesForRequest":
        found = q("query($id: ID!) { x: programmesForRequest(requestId: $id) { programme { id } } }",
                  id=tid)["x"]
        if found is None:
            return "null"
        assert ids["prog_staff"] in {s["programme"]["id"] for s in found}, found
        return "visible"
    return None
