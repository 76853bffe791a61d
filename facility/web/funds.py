"""The funds OHCHR administers, on pages (facility/funds/ holds the rules and the figures).

Anyone reads the funds (/funds) and each fund's page (/funds/{id}): its donors' pledges and
payments by year, what it funded, the eligible requests left without funding in its mandate
and what more money would fund. The secretariat registers a fund and records its donors'
figures (/secretariat/funds, /secretariat/funds/{id}).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlmodel import col, select

from facility.auth.actor import Actor
from facility.auth.models import Partner, PartnerKind, Role
from facility.errors import NotFound, ValidationFailed
from facility.funds import service as funds
from facility.funds import views
from facility.funds.models import Fund, FundMandate
from facility.numbers import whole_number
from facility.web.actions import visible, write
from facility.web.deps import FormDep, PageError, SessionDep, page_router, require_role
from facility.web.formdata import FormReader, problem_messages, state_choices
from facility.web.i18n import gettext_for, language_of
from facility.web.labels import N_
from facility.web.templating import render

router = page_router()
SecretariatActor = Annotated[Actor, Depends(require_role(Role.SECRETARIAT))]

MANDATE_WORDS = {
    FundMandate.TECHNICAL_COOPERATION: N_("Technical cooperation in the field of human rights"),
    FundMandate.UPR_IMPLEMENTATION: N_("Implementing the recommendations of the Universal "
                                       "Periodic Review"),
}


def _not_found(request: Request) -> PageError:
    _ = gettext_for(request)
    return PageError(404, _("Page not found"), _("There is no such fund."))


def _page(request: Request, db, fund_id: int) -> dict:
    page = visible(lambda: views.fund_page(db, fund_id), _not_found(request))
    return {"page": page, "mandate_words": MANDATE_WORDS}


@router.get("/funds")
def fund_list(request: Request, db: SessionDep) -> Response:
    pages = views.fund_pages(db)
    return render(request, "public/funds.html", {"pages": pages, "mandate_words": MANDATE_WORDS})


@router.get("/funds/{fund_id}")
def fund_page(request: Request, db: SessionDep, fund_id: int) -> Response:
    return render(request, "public/fund.html", _page(request, db, fund_id))


# The secretariat ------------------------------------------------------------------------------

def _labels(request: Request) -> dict[str, str]:
    _ = gettext_for(request)
    return {"partnerId": _("Partner"), "shortName": _("Short name"), "mandate": _("Mandate"),
            "description": _("Description"), "donorStateCode": _("Donor State"),
            "year": _("Year"), "currency": _("Currency"), "pledged": _("Pledged"),
            "paid": _("Paid"), "expectedVersion": _("Version")}


def _candidates(db) -> list[Partner]:
    """Partners that could become a fund: OHCHR's own and any not yet a fund."""
    taken = select(Fund.partner_id)
    return list(db.exec(select(Partner).where(col(Partner.id).not_in(taken),
                                              col(Partner.kind).in_([PartnerKind.OHCHR,
                                                                     PartnerKind.OTHER]))
                        .order_by(Partner.name)).all())


def _register_form(request: Request, db, *, values: dict | None = None, errors=(),
                   done: str | None = None, status_code: int = 200) -> Response:
    pages = views.fund_pages(db)
    return render(request, "secretariat/funds.html", {
        "pages": pages, "candidates": _candidates(db), "mandates": list(FundMandate),
        "mandate_words": MANDATE_WORDS, "values": values or {}, "errors": list(errors),
        "done": done}, status_code=status_code)


@router.get("/secretariat/funds")
def secretariat_funds(request: Request, db: SessionDep, actor: SecretariatActor,
                      done: str | None = None) -> Response:
    return _register_form(request, db, done=done)


def _text(form, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


@router.post("/secretariat/funds")
def register_fund(request: Request, form: FormDep, db: SessionDep, actor: SecretariatActor) -> Response:
    values = {name: _text(form, name) for name in ("partnerId", "shortName", "mandate", "description")}

    def invalid(failure: ValidationFailed) -> Response:
        return _register_form(request, db, values=values, status_code=422,
                              errors=problem_messages(gettext_for(request), failure, _labels(request)))

    partner_id = whole_number(values["partnerId"])
    if partner_id is None:
        return invalid(ValidationFailed.single("partnerId", "required", "partnerId: choose a partner"))
    return write(db, lambda: funds.register_fund(
        db, actor=actor, partner_id=partner_id, short_name=values["shortName"],
        mandate=values["mandate"], description=values["description"]),
        done=lambda fund: f"/secretariat/funds/{fund.partner_id}?done=registered",
        answers={ValidationFailed: invalid})


def _contributions_form(request: Request, db, fund_id: int, *, values: dict | None = None,
                        errors=(), done: str | None = None, status_code: int = 200) -> Response:
    context = _page(request, db, fund_id)
    context.update({"states": state_choices(db, language_of(request)), "values": values or {},
                    "errors": list(errors), "done": done})
    return render(request, "secretariat/fund.html", context, status_code=status_code)


@router.get("/secretariat/funds/{fund_id}")
def secretariat_fund(request: Request, db: SessionDep, actor: SecretariatActor, fund_id: int,
                     done: str | None = None) -> Response:
    return _contributions_form(request, db, fund_id, done=done)


@router.post("/secretariat/funds/{fund_id}/contributions")
def record_contribution(request: Request, form: FormDep, db: SessionDep, actor: SecretariatActor,
                        fund_id: int) -> Response:
    _ = gettext_for(request)
    reader = FormReader(form, _, _labels(request))
    values = {name: reader.text(name).strip()
              for name in ("donorStateCode", "year", "currency", "pledged", "paid")}

    def invalid(errors: list[tuple[str, str]]) -> Response:
        return _contributions_form(request, db, fund_id, values=values, status_code=422,
                                   errors=errors)

    year, pledged, paid = (reader.integer(name) for name in ("year", "pledged", "paid"))
    if reader.errors:
        return invalid(reader.errors)
    return write(db, lambda: funds.record_contribution(
        db, actor=actor, fund_id=fund_id, fields=funds.ContributionFields(
            donor_state_code=values["donorStateCode"], year=year,  # type: ignore[arg-type]
            currency=values["currency"] or "USD", pledged=pledged, paid=paid)),  # type: ignore[arg-type]
        done=f"/secretariat/funds/{fund_id}?done=recorded",
        answers={ValidationFailed: lambda failure: invalid(
                     problem_messages(_, failure, _labels(request))),
                 NotFound: lambda _e: _not_found(request)})
