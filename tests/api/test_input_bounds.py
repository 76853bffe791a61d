"""Input a hostile or careless user sends that must be refused at the door, naming the field and
the rule: dates far outside the facility's range (they broke the IATI export for everyone),
text direction overrides in titles and names, NUL and control characters in imported rows."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from facility.experts.models import Expert
from facility.offers.models import Offer
from facility.reference.importers import RecommendationImportError, import_recommendations_from_stream
from facility.reference.models import Recommendation
from facility.requests.models import CapacityRequest
from tests.api.helpers import offer_input, request_input, run

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "Justice \u202etroppus" displays as "Justice support"


def _count(session: Session, model: type) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def _refusal(result: dict) -> set[tuple[str, str]]:
    assert result["__typename"] == "ValidationError", result
    return {(e["field"], e["rule"]) for e in result["errors"]}


# Dates ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("overrides, field", [
    ({"windowEnd": "9999-12-31"}, "windowEnd"),
    ({"windowStart": "0001-01-01"}, "windowStart"),
    ({"windowStart": "1944-12-31"}, "windowStart"),
    ({"windowEnd": "2101-01-01"}, "windowEnd"),
])
def test_an_offer_window_outside_the_accepted_dates_is_refused(gql, make_token, db_session,
                                                                overrides, field):
    norad = gql.as_(make_token("PARTNER", partner="Norad"))
    result = run(norad, "CreateOffer", input=offer_input(**overrides))["result"]
    assert _refusal(result) == {(field, "date_range")}
    assert "1945-01-01 to 2100-12-31" in result["message"]
    assert _count(db_session, Offer) == 0


def test_the_last_accepted_day_is_accepted(gql, make_token):
    norad = gql.as_(make_token("PARTNER", partner="Norad"))
    result = run(norad, "CreateOffer", input=offer_input(windowEnd="2100-12-31"))["result"]
    assert result["__typename"] == "OfferPayload", result


def test_a_request_window_and_an_expert_availability_are_bounded_too(gql, make_token, db_session,
                                                                      recs):
    kenya = gql.as_(make_token("STATE", state="KEN"))
    result = run(kenya, "CreateRequest", input=request_input(
        [recs["TEST-KEN-1"]], windowEnd="9999-12-31"))["result"]
    assert _refusal(result) == {("windowEnd", "date_range")}
    assert _count(db_session, CapacityRequest) == 0
    norad = gql.as_(make_token("PARTNER", partner="Norad"))
    result = run(norad, "NominateExpert", input=_expert(availability=[
        {"start": "2027-01-01", "end": "9999-12-31"}]))["result"]
    assert _refusal(result) == {("availability.end", "date_range")}
    assert _count(db_session, Expert) == 0


# Text direction overrides ----------------------------------------------------------------------

def test_a_direction_override_in_a_title_or_a_name_is_refused(gql, make_token, db_session):
    norad = gql.as_(make_token("PARTNER", partner="Norad"))
    result = run(norad, "CreateOffer", input=offer_input(title=f"Justice {RLO}troppus"))["result"]
    assert _refusal(result) == {("title", "bidi_control")}
    assert "U+202E" in result["message"]
    for character in ("\u202a", "\u202d", "\u2066", "\u2069"):
        result = run(norad, "CreateOffer", input=offer_input(description=f"a {character}b"))
        assert _refusal(result["result"]) == {("description", "bidi_control")}
    result = run(norad, "NominateExpert", input=_expert(name=f"Amina {RLO}idnaN"))["result"]
    assert _refusal(result) == {("name", "bidi_control")}
    assert (_count(db_session, Offer), _count(db_session, Expert)) == (0, 0)


def test_right_to_left_text_itself_is_accepted(gql, make_token):
    norad = gql.as_(make_token("PARTNER", partner="Norad"))
    result = run(norad, "CreateOffer", input=offer_input(title="دعم قطاع العدالة"))["result"]
    assert result["__typename"] == "OfferPayload", result


# Imported rows ---------------------------------------------------------------------------------

@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x7f"])
def test_an_imported_row_with_a_control_character_is_refused_naming_row_and_column(
        db_session, character):
    content = ("rec_id,To,Text,Response\n"
               "A-1,Chile,Do it.,Noted\n"
               f"A-2,Chile,Do{character} it.,Noted\n")
    with pytest.raises(RecommendationImportError) as refused:
        import_recommendations_from_stream(db_session, io.StringIO(content), fmt="upr-info")
    assert [str(p) for p in refused.value.problems] == [
        f'line 3, column "Text": contains the control character U+{ord(character):04X}, which '
        "no text field may hold"]
    assert _count(db_session, Recommendation) == 0


def test_a_skipping_import_keeps_the_clean_rows_and_never_stores_a_nul(db_session):
    content = "rec_id,To,Text,Response\nA-1,Chile,Do it.,Noted\nA-2\x00,Chile,Do it.,Noted\n"
    report = import_recommendations_from_stream(db_session, io.StringIO(content), fmt="upr-info",
                                                skip_invalid=True)
    assert (report.inserted, report.skipped) == (1, 1)
    assert [str(p) for p in report.problems] == [
        'line 3, column "rec_id": contains the control character U+0000, which no text field '
        "may hold"]
    assert db_session.execute(select(Recommendation.source_id)).scalars().all() == ["A-1"]


def test_an_imported_year_outside_the_accepted_dates_is_refused(db_session):
    content = ("rec_id,cycle,session,year,sur_iso3,recommendation,position\n"
               "S-1,2,20,10000,SVN,Ratify the treaties.,Supported\n")
    with pytest.raises(RecommendationImportError) as refused:
        import_recommendations_from_stream(db_session, io.StringIO(content), fmt="uhri-themes")
    assert [str(p) for p in refused.value.problems] == [
        'line 2, column "year": "10000" is not a whole number from 1945 to 2100']


# Inputs ----------------------------------------------------------------------------------------

def _expert(**overrides) -> dict:
    base = {"name": "Amina Test", "email": "amina.test@example.org", "nationality": "KEN",
            "themes": ["Justice"], "languages": ["en"], "consentGiven": True,
            "availability": [{"start": "2027-01-01", "end": "2027-12-31"}]}
    base.update(overrides)
    return base
