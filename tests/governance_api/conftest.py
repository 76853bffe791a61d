"""Fixtures for governance over GraphQL: a seated committee, missions, a partner with experts."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.api.conftest import recs  # noqa: F401  (re-exported fixture)
from tests.api.helpers import offer_input, run


@dataclass
class World:
    gql: object
    secretariat: object
    members: dict[str, object]  # by regional group
    kenya: object
    ghana: object
    norad: object
    ran: set[str] = field(default_factory=set)

    def op(self, client, name: str, **variables) -> dict:
        """Run a contract operation and remember that the tests ran it."""
        self.ran.add(name)
        return run(client, name, **variables)


# One member per regional group, each bound to the State they represent.
MEMBERS = {"AFRICAN": "KEN", "APG": "IND", "EEG": "POL", "GRULAC": "BRA", "WEOG": "NOR"}


@pytest.fixture
def world(gql, make_token, db_session) -> World:
    from facility.auth.models import Account, Role

    secretariat = gql.as_(make_token("SECRETARIAT"))
    members = {g: gql.as_(make_token("COMMITTEE", state=s, group=g)) for g, s in MEMBERS.items()}
    norad = gql.as_(make_token("PARTNER", partner="Norad"))
    from sqlmodel import select

    from facility.auth.models import Partner

    partner = db_session.exec(select(Partner).where(Partner.name == "Norad")).one()
    partner.state_code = "NOR"  # Norway's agency: the WEOG member (Norway) must recuse
    db_session.add(partner)
    w = World(gql=gql, secretariat=secretariat, members=members,
              kenya=gql.as_(make_token("STATE", state="KEN")),
              ghana=gql.as_(make_token("STATE", state="GHA")), norad=norad)
    emails = {a.regional_group_code: a.email for a in db_session.exec(
        select(Account).where(Account.role == Role.COMMITTEE))}
    for group in MEMBERS:
        seated = w.op(secretariat, "SeatCommitteeMember", regionalGroup=group,
                      memberEmail=emails[group])["result"]
        assert seated["__typename"] == "SeatPayload", seated
    return w


def publish_offer(w: World, **overrides) -> str:
    offer = w.op(w.norad, "CreateOffer", input=offer_input(**overrides))["result"]["offer"]
    w.op(w.norad, "PublishOffer", id=offer["id"])
    return offer["id"]


def nominate(w: World, nationality: str, themes: list[str], languages: list[str]) -> str:
    from datetime import date

    year = date.today().year + 1
    result = w.op(w.norad, "NominateExpert", input={
        "name": f"Expert from {nationality}", "email": f"expert.{nationality.lower()}@example.org",
        "nationality": nationality, "themes": themes, "languages": languages,
        "availability": [{"start": f"{year}-01-01", "end": f"{year}-12-31"}],
        "consentGiven": True})["result"]
    assert result["__typename"] == "ExpertPayload", result
    return result["expert"]["id"]
