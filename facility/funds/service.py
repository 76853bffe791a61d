"""The funds OHCHR administers: registering one (the secretariat, or the demo), and the pledges
and payments donor States make to it, which the secretariat records.

A fund is a partner of kind OHCHR_FUND, so its accounts post offers and nominate experts as any
partner's do, and the optimiser treats its offers as any other. What only a fund has is here:
its mandate, and its donors' figures by year, which are public (docs/funds.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from facility import audit, locking
from facility.auth import permissions
from facility.auth.actor import Actor
from facility.auth.models import Partner, PartnerKind
from facility.errors import NotFound, PermissionDenied, Problems, StaleVersion
from facility.funds.models import Fund, FundContribution, FundMandate
from facility.reference.models import State
from facility.timeutil import today, utcnow
from facility.validation import check_currency, check_text, storable

FIRST_YEAR = 2000  # no figure is older than the funds' own records
YEARS_AHEAD = 5  # pledges are made for the next few years, never further
MAX_AMOUNT = 100_000_000_000  # a hundred billion: beyond it a figure is a typing slip


def list_funds(session: Session) -> list[tuple[Fund, Partner]]:
    """Every fund with its partner, by short name (public)."""
    return list(session.exec(select(Fund, Partner).join(Partner, col(Partner.id) == Fund.partner_id)
                             .order_by(Fund.short_name)).all())


def get_fund(session: Session, fund_id: int) -> tuple[Fund, Partner]:
    found = session.exec(select(Fund, Partner).join(Partner, col(Partner.id) == Fund.partner_id)
                         .where(Fund.partner_id == fund_id)).first()
    if found is None:
        raise NotFound(f"no fund with id {fund_id}")
    return found


def register_fund(session: Session, *, actor: Actor | None, partner_id: int, short_name: str,
                  mandate: str, description: str) -> Fund:
    """Make a partner a fund OHCHR administers (its kind becomes OHCHR_FUND); audited."""
    if not permissions.can_manage_funds(actor):
        raise PermissionDenied("only the secretariat registers the funds OHCHR administers")
    assert actor is not None
    problems = Problems()
    partner = session.get(Partner, partner_id)
    if partner is None:
        problems.add("partnerId", "exists", f"partnerId: no partner with id {partner_id}")
    elif session.get(Fund, partner_id) is not None:
        problems.add("partnerId", "taken", f"partnerId: {partner.name} is a fund already")
    name = (short_name or "").strip()
    check_text(problems, "shortName", name, max_length=40)
    if name and session.exec(select(Fund).where(Fund.short_name == name)).first() is not None:
        problems.add("shortName", "taken", f"shortName: another fund is called {name!r}")
    if mandate not in FundMandate.__members__:
        problems.add("mandate", "one_of",
                     f"mandate: {mandate!r} is not one of {', '.join(FundMandate)}")
    check_text(problems, "description", description, max_length=2_000)
    problems.raise_if_any()
    assert partner is not None
    partner.kind = PartnerKind.OHCHR_FUND
    fund = Fund(partner_id=partner_id, short_name=name, mandate=FundMandate(mandate),
                description=description.strip())
    session.add_all([partner, fund])
    session.flush()
    audit.record(session, actor_account_id=actor.account_id, action="fund.registered",
                 subject_type="fund", subject_id=partner_id,
                 payload={"short_name": name, "mandate": mandate})
    return fund


@dataclass
class ContributionFields:
    """One donor's figures for one year and currency."""

    donor_state_code: str
    year: int
    currency: str
    pledged: int
    paid: int


def _validate(session: Session, fields: ContributionFields) -> ContributionFields:
    problems = Problems()
    code = (fields.donor_state_code or "").strip().upper()
    if session.exec(select(State.code).where(col(State.code).in_(storable([code])))).first() is None:
        problems.add("donorStateCode", "known_state",
                     f"donorStateCode: {code!r} is not a known ISO3 State code")
    last = today().year + YEARS_AHEAD
    if not FIRST_YEAR <= fields.year <= last:
        problems.add("year", "range", f"year: must be between {FIRST_YEAR} and {last}, got "
                                      f"{fields.year}")
    currency = (fields.currency or "").strip().upper()
    check_currency(problems, "currency", currency)
    for name, value in (("pledged", fields.pledged), ("paid", fields.paid)):
        if not 0 <= value <= MAX_AMOUNT:
            problems.add(name, "range", f"{name}: must be between 0 and {MAX_AMOUNT:,}, got "
                                        f"{value:,}")
    problems.raise_if_any()
    return ContributionFields(donor_state_code=code, year=fields.year, currency=currency,
                              pledged=fields.pledged, paid=fields.paid)


def record_contribution(session: Session, *, actor: Actor | None, fund_id: int,
                        fields: ContributionFields,
                        expected_version: int | None = None) -> FundContribution:
    """Record what a donor pledged and paid for a year: the first figures make the row, later
    ones replace them (a stale expectedVersion is refused, so two officers never overwrite each
    other unseen). Recording the same figures again changes nothing."""
    if not permissions.can_manage_funds(actor):
        raise PermissionDenied("only the secretariat records the funds' contributions")
    assert actor is not None
    fund, _partner = get_fund(session, fund_id)
    clean = _validate(session, fields)
    # Two officers recording the first figures of one line at once: one makes the row, the
    # other then finds it (instead of a unique-key error).
    locking.advisory_lock(session, f"fund_contribution:{fund_id}:{clean.donor_state_code}:"
                                   f"{clean.year}:{clean.currency}")
    row = session.exec(select(FundContribution).where(
        FundContribution.fund_id == fund_id, FundContribution.donor_state_code == clean.donor_state_code,
        FundContribution.year == clean.year, FundContribution.currency == clean.currency)).first()
    if row is None:
        if expected_version not in (None, 0):
            raise StaleVersion(f"expectedVersion: no figures of {clean.donor_state_code} for "
                               f"{clean.year} in {clean.currency} were recorded yet (version 0)")
        row = FundContribution(fund_id=fund_id, donor_state_code=clean.donor_state_code,
                               year=clean.year, currency=clean.currency, pledged=clean.pledged,
                               paid=clean.paid, recorded_by_id=actor.account_id)
        session.add(row)
        session.flush()
        step = "recorded"
    else:
        locking.check_version(session, row, expected_version, what="contribution")
        if (row.pledged, row.paid) == (clean.pledged, clean.paid):
            return row  # a retry, or the same figures: nothing changed
        row.pledged, row.paid = clean.pledged, clean.paid
        row.version += 1
        row.recorded_by_id = actor.account_id
        row.updated_at = utcnow()
        session.add(row)
        session.flush()
        step = "changed"
    audit.record(session, actor_account_id=actor.account_id, action=f"fund.contribution_{step}",
                 subject_type="fund", subject_id=fund.partner_id,
                 payload={"donor": row.donor_state_code, "year": row.year,
                          "currency": row.currency, "pledged": row.pledged, "paid": row.paid})
    return row


def contributions(session: Session, fund_id: int, *, year: int | None = None) -> list[FundContribution]:
    """A fund's contributions, the latest year first, then by donor (public)."""
    query = select(FundContribution).where(FundContribution.fund_id == fund_id)
    if year is not None:
        query = query.where(FundContribution.year == year)
    return list(session.exec(query.order_by(col(FundContribution.year).desc(),
                                            col(FundContribution.donor_state_code),
                                            col(FundContribution.currency))).all())

