"""The matrix world's library: Kenya's draft, the expert's own draft, Norad's submitted
resource and GIZ's published one. Written as rows, so that the other rows' objects stay
untouched."""

from __future__ import annotations

from sqlmodel import Session, select

from facility.auth.models import Account, Partner, Role
from facility.ids import encode_id
from facility.library.models import LibraryResource, ResourceKind, ResourceStatus
from facility.timeutil import utcnow

RESOURCE_INPUT = {"kind": "GUIDANCE", "title": "Contributed by the matrix",
                  "summary": "A guide the matrix contributes.", "language": "en",
                  "licence": "CC BY 4.0", "author": "The matrix",
                  "link": "https://library.example.org/matrix"}


def build_library(session: Session, ids: dict) -> None:
    accounts = session.exec(select(Account)).all()
    partners = {p.name: p.id for p in session.exec(select(Partner))}
    kenya = next(a for a in accounts if a.role == Role.STATE and a.state_code == "KEN")
    expert = next(a for a in accounts if a.role == Role.EXPERT)
    norad = next(a for a in accounts if a.role == Role.PARTNER and a.partner_id == partners["Norad"])
    giz = next(a for a in accounts if a.role == Role.PARTNER and a.partner_id == partners["GIZ"])

    def resource(key: str, account: Account, status: ResourceStatus) -> None:
        row = LibraryResource(
            kind=ResourceKind.GUIDANCE, status=status, title=f"Matrix resource {key}",
            summary="Matrix summary", language="en", licence="CC BY 4.0", author="Matrix",
            link="https://library.example.org/" + key, search_text=f"matrix resource {key}",
            contributor_role=str(account.role), contributed_by_id=account.id,  # type: ignore[arg-type]
            state_code=account.state_code if account.role == Role.STATE else None,
            partner_id=account.partner_id if account.role == Role.PARTNER else None,
            submitted_at=None if status == ResourceStatus.DRAFT else utcnow(),
            published_at=utcnow() if status == ResourceStatus.PUBLISHED else None)
        session.add(row)
        session.flush()
        ids[key] = encode_id("LibraryResource", row.id)  # type: ignore[arg-type]

    resource("res_ken_draft", kenya, ResourceStatus.DRAFT)
    resource("res_expert_draft", expert, ResourceStatus.DRAFT)
    resource("res_norad_submitted", norad, ResourceStatus.SUBMITTED)
    resource("res_giz_published", giz, ResourceStatus.PUBLISHED)


def library_variables(ids: dict, name: str, target: str) -> dict | None:
    """The variables of the library mutations' rows (None: not one of them)."""
    if name == "submitResource":
        return {"input": RESOURCE_INPUT}
    if name == "updateResource":
        return {"id": ids[target], "input": {"title": "Changed by the matrix"}}
    if name == "publishResource":
        return {"id": ids[target]}
    if name == "returnResource":
        return {"id": ids[target], "note": "Returned by the matrix"}
    if name == "caseStudyFromStory":
        return {"storyId": ids[target]}
    return None


def library_probe(ids: dict, q, name: str, target: str) -> str | None:  # type: ignore[no-untyped-def]
    """The answer of the library queries' rows (None: not one of them)."""
    tid = ids.get(target)
    if name == "resources":
        data = q("{ x: resources(first: 100) { edges { node { id } } } }")["x"]
        return "listed" if tid in {e["node"]["id"] for e in data["edges"]} else "absent"
    if name == "resource":
        found = q("query($id: ID!) { x: resource(id: $id) { id } }", id=tid)["x"]
        return "null" if found is None else "visible"
    return None
