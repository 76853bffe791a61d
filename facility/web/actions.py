"""The shape every page's write shares: call the service; on success commit and redirect (303,
so a reload does not send the form again); on a refusal roll back (or, for a
RefusedAfterRecording, commit what it recorded), then answer it.

    return write(db, lambda: offers.publish_offer(db, actor=actor, offer_id=offer_id),
                 done="/partner/offers?done=published",
                 answers={Conflict: lambda _c: _conflict(request, _("Only a draft offer ..."))})

An answer receives the refusal and gives either the page to show (a form again with its errors,
422) or a `PageError` (a 404 or 409 page), which is raised. A refusal without an answer is not
expected by the route and propagates, rolled back all the same.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from facility.errors import NotFound, RefusedAfterRecording
from facility.web.deps import PageError

T = TypeVar("T")
Refusal = type[Exception] | tuple[type[Exception], ...]
Answer = Callable[[Any], Response | PageError]


def write(db: Session, action: Callable[[], T], *, done: str | Callable[[T], str],
          answers: Mapping[Refusal, Answer]) -> Response:
    """Run `action` in the page's transaction; `done` is the address to go to (or makes it from
    what the action returned); `answers` say what each refusal shows."""
    try:
        result = action()
    except Exception as error:
        (db.commit if isinstance(error, RefusedAfterRecording) else db.rollback)()
        for refusal, answer in answers.items():
            if isinstance(error, refusal):
                shown = answer(error)
                if isinstance(shown, PageError):
                    raise shown from None
                return shown
        raise
    db.commit()
    return RedirectResponse(done(result) if callable(done) else done, status_code=303)


def visible(lookup: Callable[[], T], not_found: PageError) -> T:
    """What `lookup` finds, or the `not_found` page: the services answer an object the caller may
    not see as not found (NotFound), and so does the page."""
    try:
        return lookup()
    except NotFound:
        raise not_found from None
