"""Sign-in, sign-out, the account page, the password change and the account's notifications."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from facility.auth import web_sessions
from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from facility.errors import NotFound, ValidationFailed
from facility.notifications import service as notifications
from facility.web import actions, security
from facility.web.client import client_address
from facility.web.deps import PageError, SessionDep, Viewer, ViewerDep, page_router, require_role
from facility.web.i18n import gettext_for
from facility.web.pagination import Pages, page_number
from facility.web.templating import render

router = page_router()
ANY_ROLE = tuple(Role)


@router.get("/account/sign-in")
def sign_in_form(request: Request, next: str | None = None) -> Response:
    # Shown to a signed-in viewer too: signing in again (as someone else) replaces the session.
    return render(request, "account/sign_in.html", {"next": security.safe_next(next), "errors": [],
                                                    "email": ""})


@router.post("/account/sign-in")
def sign_in(request: Request, db: SessionDep, email: Annotated[str, Form()] = "",
            password: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "") -> Response:
    _ = gettext_for(request)
    errors = []
    if not email.strip():
        errors.append(("email", _("E-mail address: enter the address of your account.")))
    if not password:
        errors.append(("password", _("Password: enter your password.")))
    status = 422
    if not errors:
        try:
            signed_in = web_sessions.sign_in(
                db, email=email, password=password, client_address=client_address(request),
                secret=request.app.state.settings.secret_key,
                previous_session_id=security.session_cookie(request))
        except web_sessions.TooManyAttempts as refused:
            # Seconds for an account's back-off, minutes for an address's pause.
            seconds = int(refused.retry_after.total_seconds())
            if seconds < 120:
                message = _("Too many failed sign-in attempts for this account or from this "
                            "network. Try again in %(seconds)s seconds.") % {"seconds": seconds}
            else:
                message = _("Too many failed sign-in attempts for this account or from this "
                            "network. Try again in %(minutes)s minutes.") % {
                                "minutes": (seconds + 59) // 60}
            errors.append(("email", message))
            status = 429
        except web_sessions.SignInRefused:
            db.commit()  # the failure counts towards the limit and is audited
            errors.append(("password", _("The e-mail address or the password is not correct.")))
            status = 401
        else:
            db.commit()
            response = RedirectResponse(security.safe_next(next), status_code=303)
            security.set_session_cookie(request, response, signed_in.session_id)
            return response
    return render(request, "account/sign_in.html",
                  {"next": security.safe_next(next), "errors": errors, "email": email},
                  status_code=status)


@router.post("/account/sign-out")
def sign_out(request: Request, db: SessionDep) -> Response:
    cookie = security.session_cookie(request)
    if cookie:
        web_sessions.end_session(db, session_id=cookie)
        db.commit()
    response = RedirectResponse("/", status_code=303)
    security.clear_session_cookie(request, response)
    return response


AnyAccount = Annotated[object, Depends(require_role(*ANY_ROLE, seated=False))]


@router.get("/account")
def account_page(request: Request, _actor: AnyAccount, changed: str | None = None) -> Response:
    return render(request, "account/account.html", {"password_changed": changed == "password"})


@router.get("/account/password")
def password_form(request: Request, _actor: AnyAccount) -> Response:
    return render(request, "account/password.html", {"errors": [], "min_length": MIN_PASSWORD_LENGTH})


def _password_messages(request: Request, failure: ValidationFailed) -> list[tuple[str, str]]:
    """The rule each problem names, in the page's language."""
    _ = gettext_for(request)
    wording = {
        ("current_password", "correct"): _("Current password: is not correct."),
        ("new_password", "min_length"): _("New password: at least %(n)s characters.")
        % {"n": MIN_PASSWORD_LENGTH},
        ("new_password", "max_length"): _("New password: at most %(n)s characters.")
        % {"n": MAX_PASSWORD_LENGTH},
        ("new_password", "changed"): _("New password: must differ from the current one."),
        ("new_password", "common"): _("New password: is one of the most common passwords; "
                                      "choose one nobody would guess."),
        ("new_password", "repetitive"): _("New password: must not be one character or a short "
                                          "group of characters repeated."),
        ("new_password", "sequential"): _("New password: must not be a run of consecutive "
                                          "characters such as abcdef or 123456."),
        ("new_password", "personal"): _("New password: must not contain your e-mail address or "
                                        "your name."),
        ("confirmation", "matches"): _("Confirm the new password: must repeat it exactly."),
    }
    return [(p.field, wording.get((p.field, p.rule), p.message)) for p in failure.problems]


@router.post("/account/password")
def change_password(request: Request, db: SessionDep, viewer: ViewerDep, _actor: AnyAccount,
                    current_password: Annotated[str, Form()] = "",
                    new_password: Annotated[str, Form()] = "",
                    confirmation: Annotated[str, Form()] = "") -> Response:
    assert isinstance(viewer, Viewer)
    try:
        web_sessions.change_password(
            db, account=viewer.account, current_password=current_password,
            new_password=new_password, confirmation=confirmation,
            keep_session_id=security.session_cookie(request) or "")
    except ValidationFailed as failure:
        db.rollback()
        return render(request, "account/password.html",
                      {"errors": _password_messages(request, failure),
                       "min_length": MIN_PASSWORD_LENGTH}, status_code=422)
    db.commit()
    return RedirectResponse("/account?changed=password", status_code=303)


# Notifications --------------------------------------------------------------------------------

NOTIFICATIONS_PAGE_SIZE = 20
AccountActor = Annotated[Actor, Depends(require_role(*ANY_ROLE, seated=False))]


@router.get("/account/notifications")
def notifications_page(request: Request, db: SessionDep, actor: AccountActor,
                       page: str | None = None) -> Response:
    """The account's own notices (report reminders, declined deployments), newest first; the
    same ones GraphQL `notifications` lists and the daily run e-mails."""
    number = page_number(page)
    rows, total = notifications.list_notifications(
        db, actor=actor, unread_only=False, limit=NOTIFICATIONS_PAGE_SIZE,
        offset=(number - 1) * NOTIFICATIONS_PAGE_SIZE)
    return render(request, "account/notifications.html", {
        "rows": rows, "pages": Pages(number, NOTIFICATIONS_PAGE_SIZE, total, {})})


@router.post("/account/notifications/{notification_id}/read")
def mark_notification_read(request: Request, db: SessionDep, actor: AccountActor,
                           notification_id: int) -> Response:
    _ = gettext_for(request)
    return actions.write(
        db, lambda: notifications.mark_read(db, actor=actor, notification_id=notification_id),
        done="/account/notifications",
        answers={NotFound: lambda _missing: PageError(
            404, _("Page not found"), _("There is no such notification for your account."))})
