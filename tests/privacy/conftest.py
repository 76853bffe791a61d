"""Callers for the privacy tests: a partner that nominates, an expert with an account of
their own, and the roles that may or may not see personal data."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import Session

from facility.auth.models import PartnerKind, Role
from facility.auth.service import create_account, create_token
from facility.experts.models import Expert
from facility.ids import decode_id
from tests.api.helpers import YEAR, run
from tests.conftest import GraphQLClient

# Seeded personal data: none of it may show up where it does not belong.
AMINA = {"name": "Amina Odhiambo", "email": "amina.odhiambo@privacy.example",
         "phone": "+254 711 222333", "cv": "Former judge of the High Court in Nairobi."}
JONAS = {"name": "Jonas Berg", "email": "jonas.berg@privacy.example",
         "phone": "+47 913 45 678", "cv": "Ombudsman's office, twelve years."}


def expert_input(person: dict, **overrides) -> dict:
    return {**person, "nationality": "KEN", "themes": ["Justice"], "languages": ["en"],
            "availability": [{"start": f"{YEAR}-02-01", "end": f"{YEAR}-11-30"}],
            "consentGiven": True, **overrides}


@dataclass
class People:
    session: Session
    norad: GraphQLClient
    giz: GraphQLClient
    kenya: GraphQLClient
    secretariat: GraphQLClient
    amina_account: GraphQLClient
    amina_token: str
    amina_account_id: int

    def nominate(self, person: dict, client: GraphQLClient | None = None, **overrides) -> dict:
        result = run(client or self.norad, "NominateExpert",
                     input=expert_input(person, **overrides))["result"]
        assert result["__typename"] == "ExpertPayload", result
        return result["expert"]

    def link_amina(self, expert_id: str) -> None:
        """Give the nominated person their own expert account (as onboarding does)."""
        row = self.session.get(Expert, decode_id("Expert", expert_id))
        row.account_id = self.amina_account_id  # type: ignore[union-attr]
        self.session.add(row)
        self.session.flush()


@pytest.fixture
def people(db_session, gql, make_token) -> People:
    amina = create_account(db_session, role=Role.EXPERT, email=AMINA["email"], name=AMINA["name"],
                           partner_name="Norad", partner_kind=PartnerKind.DONOR_AGENCY)
    token = create_token(db_session, account=amina, label="Amina's laptop")
    return People(
        session=db_session,
        norad=gql.as_(make_token("PARTNER", partner="Norad")),
        giz=gql.as_(make_token("PARTNER", partner="GIZ")),
        kenya=gql.as_(make_token("STATE", state="KEN")),
        secretariat=gql.as_(make_token("SECRETARIAT")),
        amina_account=gql.as_(token), amina_token=token,
        amina_account_id=amina.id,  # type: ignore[arg-type]
    )
