"""The demo's funds: OHCHR's technical cooperation fund (the demo partner whose offers the
optimiser already matches) and its UPR implementation fund (no offer yet: its page shows what a
first offer would fund), with pledges and payments by donor State. Every amount is fictitious
and every name says it is demo data.
"""

from __future__ import annotations

from sqlmodel import Session, select

from facility.auth.actor import Actor
from facility.auth.models import Partner
from facility.funds import service as funds
from facility.funds.models import FundMandate

TECHNICAL_COOPERATION = "UN Voluntary Fund for Technical Cooperation in the Field of Human Rights (demo)"
UPR_FUND = "UPR Voluntary Fund for Financial and Technical Assistance (demo)"

FUNDS = (
    (TECHNICAL_COOPERATION, "VFTC", FundMandate.TECHNICAL_COOPERATION,
     "Supports national human rights systems through technical cooperation: legislation, "
     "institutions, training and reporting to the UN mechanisms (demo data)."),
    (UPR_FUND, "UPR-VFFTA", FundMandate.UPR_IMPLEMENTATION,
     "Helps States implement the recommendations they accepted in the Universal Periodic "
     "Review (demo data)."),
)

# (fund, donor State, year, pledged, paid), all in USD: fictitious figures.
CONTRIBUTIONS = (
    (TECHNICAL_COOPERATION, "NOR", 2026, 1_200_000, 1_200_000),
    (TECHNICAL_COOPERATION, "CHE", 2026, 650_000, 650_000),
    (TECHNICAL_COOPERATION, "NOR", 2027, 1_300_000, 400_000),
    (TECHNICAL_COOPERATION, "BRA", 2027, 150_000, 0),
    (UPR_FUND, "DEU", 2026, 500_000, 500_000),
    (UPR_FUND, "MAR", 2027, 120_000, 60_000),
)


def seed_funds(session: Session, *, secretariat: Actor) -> list[str]:
    """Register the two funds (their partners exist: seed.PARTNERS) and record their donors."""
    ids = {}
    for name, short_name, mandate, description in FUNDS:
        partner = session.exec(select(Partner).where(Partner.name == name)).one()
        funds.register_fund(session, actor=secretariat, partner_id=partner.id,  # type: ignore[arg-type]
                            short_name=short_name, mandate=mandate, description=description)
        ids[name] = partner.id
    for name, donor, year, pledged, paid in CONTRIBUTIONS:
        funds.record_contribution(session, actor=secretariat, fund_id=ids[name],  # type: ignore[arg-type]
                                  fields=funds.ContributionFields(
                                      donor_state_code=donor, year=year, currency="USD",
                                      pledged=pledged, paid=paid))
    return [f"funds {', '.join(short for _, short, _, _ in FUNDS)} registered, "
            f"{len(CONTRIBUTIONS)} pledges recorded (fictitious amounts)"]
