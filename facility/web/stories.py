"""Success stories, every step on a page (facility/stories/service.py holds the rules).

The secretariat proposes a story from a submitted follow-up report (/secretariat/stories,
/secretariat/stories/new?report=<id>) and publishes it once the State consented
(/secretariat/stories/{id}). The State reads each story of its reports as the public would,
then consents, declines with a reason, or withdraws its consent (/state/stories,
/state/stories/{id}). Another State's story, even published, is not found on the State's
pages; the other roles are refused these pages.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from facility.auth import permissions
from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.engagements import reports
from facility.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from facility.numbers import whole_number
from facility.stories import service as stories
from facility.stories.models import StoryPart, StoryStatus, SuccessStory
from facility.web.actions import visible, write
from facility.web.deps import FormDep, PageError, SessionDep, page_router, require_role
from facility.web.formdata import problem_messages
from facility.web.i18n import gettext_for
from facility.web.pagination import Pages, page_number
from facility.web.templating import render

router = page_router()
StaffActor = Annotated[Actor, Depends(require_role(Role.SECRETARIAT))]
StateActor = Annotated[Actor, Depends(require_role(Role.STATE))]
PAGE_SIZE = 20
PROPOSABLE_SHOWN = 20


def _not_found(request: Request) -> PageError:
    _ = gettext_for(request)
    return PageError(404, _("Page not found"),
                     _("There is no such success story for your account."))


def _conflict(request: Request, message: str) -> PageError:
    _ = gettext_for(request)
    return PageError(409, _("This cannot be done now"), message)


def _labels(request: Request) -> dict[str, str]:
    _ = gettext_for(request)
    return {"title": _("Title"), "summary": _("Summary for the public"),
            "parts": _("Parts of the report shown"), "reason": _("Reason")}


def _row_version(form) -> int | None:
    value = form.get("row_version")
    return whole_number(value)


def _text(form, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _story(request: Request, db, actor: Actor, story_id: int) -> SuccessStory:
    return visible(lambda: stories.get_story(db, actor=actor, story_id=story_id), _not_found(request))


def _content(db, story: SuccessStory) -> stories.StoryContent:
    return stories.story_contents(db, [story])[story.id]  # type: ignore[index]


def _list(request: Request, db, actor: Actor, template: str, page: str | None, *,
          state_code: str | None = None, extra: dict | None = None) -> Response:
    number = page_number(page)
    rows, total = stories.list_stories(db, actor=actor, state_code=state_code, limit=PAGE_SIZE,
                                       offset=(number - 1) * PAGE_SIZE)
    contents = stories.story_contents(db, rows)
    return render(request, template, {
        "rows": [(s, contents[s.id]) for s in rows],  # type: ignore[index]
        "pages": Pages(number, PAGE_SIZE, total, {}), **(extra or {})})


# The secretariat: propose and publish ---------------------------------------------------------

@router.get("/secretariat/stories")
def staff_stories(request: Request, db: SessionDep, actor: StaffActor,
                  page: str | None = None) -> Response:
    return _list(request, db, actor, "secretariat/stories.html", page, extra={
        "proposable": stories.proposable_reports(db, actor=actor, limit=PROPOSABLE_SHOWN)})


def _story_form(request: Request, db, actor: Actor, report_id: int, *, values: dict | None = None,
                errors=(), status_code: int = 200) -> Response:
    report = visible(lambda: reports.get_report(db, actor=actor, report_id=report_id),
                     _not_found(request))
    return render(request, "secretariat/story_form.html", {
        "report": report, "parts": list(StoryPart), "errors": list(errors),
        "values": values or {"title": "", "summary": "", "parts": []}}, status_code=status_code)


@router.get("/secretariat/stories/new")
def new_story_form(request: Request, db: SessionDep, actor: StaffActor,
                   report: int | None = None) -> Response:
    if report is None:
        raise _not_found(request)
    return _story_form(request, db, actor, report)


@router.post("/secretariat/stories")
def propose_story(request: Request, form: FormDep, db: SessionDep, actor: StaffActor) -> Response:
    raw = _text(form, "report_id")
    report_id = whole_number(raw) or 0
    values = {"title": _text(form, "title"), "summary": _text(form, "summary"),
              "parts": [p for p in form.getlist("parts") if isinstance(p, str)]}
    _ = gettext_for(request)
    return write(db, lambda: stories.propose_story(
        db, actor=actor, report_id=report_id, title=values["title"], summary=values["summary"],
        parts=values["parts"]), done=lambda story: f"/secretariat/stories/{story.id}?done=proposed",
        answers={
            NotFound: lambda _n: _not_found(request),
            ValidationFailed: lambda failure: _story_form(
                request, db, actor, report_id, values=values, status_code=422,
                errors=problem_messages(_, failure, _labels(request))),
            Conflict: lambda conflict: _conflict(request, _(
                "This report cannot become a story now: it is a draft, a later version corrects "
                "it, or it already has a story proposed, consented to or published."))})


@router.get("/secretariat/stories/{story_id}")
def staff_story(request: Request, db: SessionDep, actor: StaffActor, story_id: int,
                done: str | None = None) -> Response:
    story = _story(request, db, actor, story_id)
    return render(request, "secretariat/story.html", {
        "story": story, "content": _content(db, story), "done": done,
        "publishable": story.status == StoryStatus.CONSENTED})


@router.post("/secretariat/stories/{story_id}/publish")
def publish_story(request: Request, form: FormDep, db: SessionDep, actor: StaffActor,
                  story_id: int) -> Response:
    _story(request, db, actor, story_id)
    _ = gettext_for(request)
    return write(db, lambda: stories.publish_story(
        db, actor=actor, story_id=story_id, expected_row_version=_row_version(form)),
        done=f"/secretariat/stories/{story_id}?done=published", answers={
            Conflict: lambda _c: _conflict(request, _(
                "This story cannot be published now: the State has not consented to it, or it "
                "changed since you opened the page. Reload the page."))})


# The State: consent, decline, withdraw --------------------------------------------------------

@router.get("/state/stories")
def state_stories(request: Request, db: SessionDep, actor: StateActor,
                  page: str | None = None) -> Response:
    return _list(request, db, actor, "state/stories.html", page, state_code=actor.state_code)


def _own_story(request: Request, db, actor: Actor, story_id: int) -> SuccessStory:
    story = _story(request, db, actor, story_id)
    if not permissions.can_answer_story(actor, story):
        raise _not_found(request)  # another State's story, published: not on these pages
    return story


def _state_story(request: Request, db, actor: Actor, story: SuccessStory, *, errors=(),
                 values: dict | None = None, done: str | None = None,
                 status_code: int = 200) -> Response:
    return render(request, "state/story.html", {
        "story": story, "content": _content(db, story), "errors": list(errors),
        "values": values or {}, "done": done,
        "answerable": story.status == StoryStatus.PROPOSED,
        "withdrawable": story.status in (StoryStatus.CONSENTED, StoryStatus.PUBLISHED)},
        status_code=status_code)


@router.get("/state/stories/{story_id}")
def state_story(request: Request, db: SessionDep, actor: StateActor, story_id: int,
                done: str | None = None) -> Response:
    return _state_story(request, db, actor, _own_story(request, db, actor, story_id), done=done)


def _answer(request: Request, form: FormData, db, actor: Actor, story_id: int, step: str) -> Response:
    _own_story(request, db, actor, story_id)
    reason, expected = _text(form, "reason"), _row_version(form)
    _ = gettext_for(request)
    action = {
        "consent": lambda: stories.consent_to_story(db, actor=actor, story_id=story_id,
                                                    expected_row_version=expected),
        "decline": lambda: stories.decline_story(db, actor=actor, story_id=story_id, reason=reason,
                                                 expected_row_version=expected),
        "withdraw": lambda: stories.withdraw_consent(db, actor=actor, story_id=story_id,
                                                     reason=reason, expected_row_version=expected),
    }[step]
    wording = {("reason", "required"): _("Reason: say why the State declines publication."),
               ("reason", "max_length"): _("Reason: at most %(n)s characters.")
               % {"n": stories.MAX_REASON}}
    return write(db, action, done=f"/state/stories/{story_id}?done={step}", answers={
        ValidationFailed: lambda failure: _state_story(
            request, db, actor, _own_story(request, db, actor, story_id), values={"reason": reason},
            status_code=422, errors=[(f"{step}-reason", wording.get((p.field, p.rule), p.message))
                                     for p in failure.problems]),
        (Conflict, PermissionDenied): lambda _c: _conflict(request, _(
            "This story cannot be answered now: it was answered already, or it changed "
            "since you opened the page. Reload the page.")),
        NotFound: lambda _n: _not_found(request)})


@router.post("/state/stories/{story_id}/consent")
def consent(request: Request, form: FormDep, db: SessionDep, actor: StateActor,
            story_id: int) -> Response:
    return _answer(request, form, db, actor, story_id, "consent")


@router.post("/state/stories/{story_id}/decline")
def decline(request: Request, form: FormDep, db: SessionDep, actor: StateActor,
            story_id: int) -> Response:
    return _answer(request, form, db, actor, story_id, "decline")


@router.post("/state/stories/{story_id}/withdraw")
def withdraw(request: Request, form: FormDep, db: SessionDep, actor: StateActor,
             story_id: int) -> Response:
    return _answer(request, form, db, actor, story_id, "withdraw")
