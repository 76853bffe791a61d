"""A partner's page for an expert's readiness: the notice period on the ready roster and the
checks it verified, with their expiry (facility/experts/readiness.py holds the rules)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response

from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.errors import Conflict, PermissionDenied, ValidationFailed
from facility.experts import readiness
from facility.experts import service as experts
from facility.experts.models import CheckKind, Expert
from facility.numbers import whole_number
from facility.timeutil import today
from facility.web.actions import visible, write
from facility.web.deps import FormDep, PageError, SessionDep, page_router, require_role
from facility.web.formdata import problem_messages
from facility.web.i18n import gettext_for
from facility.web.labels import LABELS
from facility.web.templating import render

router = page_router()
PartnerActor = Annotated[Actor, Depends(require_role(Role.PARTNER))]


def _not_found(request: Request) -> PageError:
    _ = gettext_for(request)
    return PageError(404, _("Page not found"),
                     _("There is no such page for your account. It may have been removed, or "
                       "belong to another organisation."))


def _own_expert(request: Request, db, actor: Actor, expert_id: int) -> Expert:
    expert = visible(lambda: experts.get_expert(db, actor=actor, expert_id=expert_id),
                     _not_found(request))
    if expert.partner_id != actor.partner_id or expert.erased_at is not None:
        raise _not_found(request)
    return expert


def _labels(request: Request) -> dict[str, str]:
    _ = gettext_for(request)
    labels = {"noticeHours": _("Notice period"), "kind": _("Check"),
              "verifiedOn": _("Verified on"), "expiresOn": _("Expires on")}
    for kind in CheckKind:
        check = _(LABELS[kind.value])
        labels[f"verifiedOn-{kind.value}"] = _("%(check)s, verified on") % {"check": check}
        labels[f"expiresOn-{kind.value}"] = _("%(check)s, expires on") % {"check": check}
    return labels


def _page(request: Request, db, expert: Expert, *, values: dict[str, Any] | None = None,
          errors: list[tuple[str, str]] | None = None, notice: str | None = None,
          status_code: int = 200) -> Response:
    checks = readiness.checks_by_expert(db, [expert.id]).get(expert.id, [])  # type: ignore[list-item, arg-type]
    on = today()
    state = readiness.readiness_of(expert, checks, on)
    by_kind = {c.kind: c for c in checks}
    if values is None:
        values = {"noticeHours": "" if expert.notice_hours is None else str(expert.notice_hours),
                  "version": str(expert.version)}
        for kind in CheckKind:
            check = by_kind.get(kind)
            values[f"verifiedOn-{kind.value}"] = check.verified_on.isoformat() if check else ""
            values[f"expiresOn-{kind.value}"] = check.expires_on.isoformat() if check else ""
    return render(request, "partner/readiness.html", {
        "expert": expert, "state": state, "by_kind": by_kind, "kinds": list(CheckKind),
        "missing": readiness.missing_checks(checks, on), "levels": readiness.NOTICE_LEVELS,
        "values": values, "errors": errors or [], "notice": notice, "on": on,
        "valid": lambda check: readiness.is_valid(check, on),
    }, status_code=status_code)


@router.get("/partner/experts/{expert_id}/readiness")
def readiness_page(request: Request, db: SessionDep, actor: PartnerActor, expert_id: int,
                   done: str | None = None) -> Response:
    expert = _own_expert(request, db, actor, expert_id)
    _ = gettext_for(request)
    return _page(request, db, expert,
                 notice=_("The expert's readiness is saved.") if done == "saved" else None)


def _read_day(raw: str, field: str, request: Request,
              errors: list[tuple[str, str]]) -> date | None:
    _ = gettext_for(request)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append((field, _("%(field)s: enter a date as year-month-day, such as 2027-03-31.")
                       % {"field": _labels(request)[field]}))
        return None


@router.post("/partner/experts/{expert_id}/readiness")
def save_readiness(request: Request, form: FormDep, db: SessionDep, actor: PartnerActor,
                   expert_id: int) -> Response:
    """The notice period, and every check whose dates were filled in or changed, at once."""
    expert = _own_expert(request, db, actor, expert_id)
    _ = gettext_for(request)
    values = {k: str(v).strip() for k, v in form.items() if isinstance(v, str)}
    errors: list[tuple[str, str]] = []
    raw_notice = values.get("noticeHours", "")
    notice = whole_number(raw_notice) if raw_notice else None
    if raw_notice and notice is None:
        errors.append(("noticeHours", _("Notice period: choose one of the options offered.")))
    current = {c.kind: c for c in readiness.checks_by_expert(db, [expert_id]).get(expert_id, [])}
    changed: list[tuple[str, date, date]] = []
    for kind in CheckKind:
        verified_raw = values.get(f"verifiedOn-{kind.value}", "")
        expires_raw = values.get(f"expiresOn-{kind.value}", "")
        if not verified_raw and not expires_raw:
            continue
        verified = _read_day(verified_raw, f"verifiedOn-{kind.value}", request, errors)
        expires = _read_day(expires_raw, f"expiresOn-{kind.value}", request, errors)
        if verified is None or expires is None:
            continue
        old = current.get(kind)
        if old is None or (old.verified_on, old.expires_on) != (verified, expires):
            changed.append((kind.value, verified, expires))

    def again(errors: list[tuple[str, str]]) -> Response:
        return _page(request, db, expert, values=values, errors=errors, status_code=422)

    if errors:
        return again(errors)

    def action() -> Expert:
        # The first write checks the version the form was read at; the row stays locked after.
        expected = whole_number(values.get("version", ""))
        if notice != expert.notice_hours:
            readiness.set_notice(db, actor=actor, expert=expert, notice_hours=notice,
                                 expected_version=expected)
            expected = None
        for kind, verified, expires in changed:
            try:
                readiness.record_check(db, actor=actor, expert=expert, kind=kind,
                                       verified_on=verified, expires_on=expires,
                                       expected_version=expected)
            except ValidationFailed as failure:  # name the row of the check that was refused
                raise ValidationFailed([
                    type(p)(f"{p.field}-{kind}" if p.field in ("verifiedOn", "expiresOn")
                            else p.field, p.rule, p.message) for p in failure.problems]) from None
            expected = None
        return expert

    labels = _labels(request)
    return write(db, action, done=f"/partner/experts/{expert_id}/readiness?done=saved", answers={
        ValidationFailed: lambda failure: again(_check_messages(request, failure, labels)),
        Conflict: lambda _c: again([("noticeHours", _(
            "Someone changed this profile in the meantime. Reload the page to see their "
            "version, then make your change again."))]),
        PermissionDenied: lambda _d: _not_found(request)})


def _check_messages(request: Request, failure: ValidationFailed,
                    labels: dict[str, str]) -> list[tuple[str, str]]:
    _ = gettext_for(request)
    wording = {
        "notice_level": _("%(field)s: choose one of the options offered."),
        "not_future": _("%(field)s: must not be in the future; record a check once it is done."),
        "after_verified": _("%(field)s: must be after the day it was verified."),
        "max_validity": _("%(field)s: a check holds at most five years; verify it again before "
                          "then."),
    }
    messages = []
    for problem in failure.problems:
        template = wording.get(problem.rule)
        if template is None:
            messages.extend(problem_messages(_, ValidationFailed([problem]), labels))
        else:
            messages.append((problem.field, template % {"field": labels.get(problem.field,
                                                                            problem.field)}))
    return messages
