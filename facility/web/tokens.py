"""The account's API tokens (for GraphQL clients): listed without their secret, revoked one by
one, and a new one issued and shown once, on this page only."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.auth.service import create_token, live_tokens, revoke_own_token
from facility.errors import NotFound
from facility.validation import forbidden_character
from facility.web.deps import PageError, SessionDep, Viewer, ViewerDep, page_router, require_role
from facility.web.i18n import gettext_for
from facility.web.templating import render

router = page_router()
LABEL_MAX_LENGTH = 100  # api_token.label
AccountActor = Annotated[Actor, Depends(require_role(*Role, seated=False))]


def _page(request: Request, db, viewer: Viewer, *, issued: str | None = None, errors=(),
          label: str = "", status_code: int = 200) -> Response:
    response = render(request, "account/tokens.html", {
        "tokens": live_tokens(db, account_id=viewer.account.id), "issued": issued,  # type: ignore[arg-type]
        "errors": list(errors), "label": label}, status_code=status_code)
    if issued:  # the one response that holds the secret: no cache may keep it
        response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/account/tokens")
def tokens_page(request: Request, db: SessionDep, viewer: ViewerDep, _actor: AccountActor) -> Response:
    assert isinstance(viewer, Viewer)
    return _page(request, db, viewer)


@router.post("/account/tokens")
def issue_token(request: Request, db: SessionDep, viewer: ViewerDep, _actor: AccountActor,
                label: Annotated[str, Form()] = "") -> Response:
    assert isinstance(viewer, Viewer)
    _ = gettext_for(request)
    label = label.strip()
    if not label:
        message = _("What the token is for: say which program will use it.")
    elif len(label) > LABEL_MAX_LENGTH or forbidden_character(label):
        message = _("What the token is for: at most %(n)s characters, without control or text "
                    "direction characters.") % {"n": LABEL_MAX_LENGTH}
    else:
        message = None
    if message:
        return _page(request, db, viewer, errors=[("label", message)], label=label, status_code=422)
    token = create_token(db, account=viewer.account, label=label, actor_account_id=viewer.account.id)
    db.commit()
    return _page(request, db, viewer, issued=token)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(request: Request, db: SessionDep, viewer: ViewerDep, _actor: AccountActor,
                 token_id: int) -> Response:
    assert isinstance(viewer, Viewer)
    _ = gettext_for(request)
    try:
        revoke_own_token(db, account=viewer.account, token_id=token_id)
    except NotFound:
        db.rollback()
        raise PageError(404, _("Page not found"),
                        _("There is no such token for your account.")) from None
    db.commit()
    return RedirectResponse("/account/tokens", status_code=303)
