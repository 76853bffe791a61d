"""/todo: what awaits the signed-in account, by role, with a link to act on each; every role
lands here after signing in (facility/notifications/awaiting.py reads the steps)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.notifications import awaiting
from facility.web.deps import SessionDep, page_router, require_role
from facility.web.templating import render

router = page_router()
AnyActor = Annotated[Actor, Depends(require_role(*Role, seated=False))]


@router.get("/todo")
def todo_page(request: Request, db: SessionDep, actor: AnyActor) -> Response:
    sections = awaiting.awaiting(db, actor)
    return render(request, "account/todo.html", {
        "sections": [(name, sections[name]) for name in awaiting.SECTIONS[Role(actor.role)]],
        "total": sum(len(tasks) for tasks in sections.values()),
        "unseated": actor.role == Role.COMMITTEE and not actor.seated})
