"""The programmes directory: the secretariat and the partners maintain it (a partner its own),
everyone reads it; next to a State's request, the programmes whose rules fit are suggested, and
the State records where it applied."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from facility.audit import AuditEntry, verify
from facility.programmes.models import Programme
from tests.follow_up.conftest import Loop

PROGRAMME_OPERATIONS = {"Programmes", "Programme", "ProgrammesForRequest", "AddProgramme",
                        "UpdateProgramme", "RecordProgrammeApplication"}

BASE = {"agency": "African Union Commission", "agencyKind": "REGIONAL",
        "howToApply": "Write to the programme's secretariat with the request attached.",
        "link": "https://programmes.example.org/apply"}


def _add(loop: Loop, client, name: str, **fields) -> dict:
    result = loop.result(client, "AddProgramme", input={**BASE, "name": name, **fields})
    assert result["__typename"] == "ProgrammePayload", result
    return result["programme"]


@pytest.fixture
def directory(loop: Loop, clock) -> dict[str, dict]:
    clock(date(2027, 1, 15))
    return {
        "justice": _add(loop, loop.secretariat, "Justice sector support", themes=["Justice"],
                        eligibleGroups=["AFRICAN"], deadline="2027-06-30",
                        supportKinds=["TRAINING"]),
        "ghana": _add(loop, loop.norad, "Ghana governance fund", agencyKind="BILATERAL",
                      agency="Norad", eligibleStates=["GHA"]),
        "other_theme": _add(loop, loop.sida, "Abolition network", agencyKind="BILATERAL",
                            agency="Sida", themes=["Death penalty"]),
        "closed": _add(loop, loop.secretariat, "Closed call", deadline="2027-01-14"),
        "open_to_all": _add(loop, loop.secretariat, "UN partnership fund",
                            agencyKind="MULTILATERAL", agency="UNDP"),
    }


def _names(loop: Loop, client, **filters) -> list[str]:
    page = loop.op(client, "Programmes", first=50, **filters)["programmes"]
    return [e["node"]["name"] for e in page["edges"]]


def test_everyone_reads_the_directory_filtered_by_its_rules(loop, directory):
    everything = _names(loop, loop.anonymous)
    assert everything == sorted(everything, key=str.lower) and len(everything) == 5
    assert "Ghana governance fund" not in _names(loop, loop.anonymous, stateCode="KEN")
    assert "Ghana governance fund" in _names(loop, loop.anonymous, stateCode="GHA")
    assert "Justice sector support" not in _names(loop, loop.anonymous, stateCode="IND")
    justice = _names(loop, loop.anonymous, theme="Justice")
    assert "Justice sector support" in justice and "UN partnership fund" in justice
    assert "Abolition network" not in justice
    assert "Closed call" not in _names(loop, loop.anonymous, open=True)
    assert _names(loop, loop.anonymous, agencyKind="MULTILATERAL") == ["UN partnership fund"]
    one = loop.op(loop.anonymous, "Programme", id=directory["ghana"]["id"])["programme"]
    assert (one["partnerName"], one["eligibleStates"], one["eligibleGroups"]) == ("Norad", ["GHA"], None)


def test_the_programmes_that_fit_are_suggested_and_the_state_records_it_applied(loop, directory,
                                                                                db_session):
    suggested = loop.op(loop.kenya, "ProgrammesForRequest",
                        requestId=loop.request_id)["programmesForRequest"]
    assert [(s["programme"]["name"], s["sharedThemes"]) for s in suggested] == [
        ("Justice sector support", ["Justice"]), ("UN partnership fund", [])]
    assert all(s["appliedAt"] is None for s in suggested)
    assert loop.op(loop.anonymous, "ProgrammesForRequest",
                   requestId=loop.request_id)["programmesForRequest"] is None
    assert loop.op(loop.ghana, "ProgrammesForRequest",
                   requestId=loop.request_id)["programmesForRequest"] is None

    justice = directory["justice"]["id"]
    for client, answer in ((loop.ghana, "NotFound"), (loop.norad, "PermissionDenied"),
                           (loop.secretariat, "PermissionDenied"), (loop.anonymous, "NotFound")):
        assert loop.result(client, "RecordProgrammeApplication", requestId=loop.request_id,
                           programmeId=justice)["__typename"] == answer
    applied = loop.result(loop.kenya, "RecordProgrammeApplication", requestId=loop.request_id,
                          programmeId=justice)["application"]
    again = loop.result(loop.kenya, "RecordProgrammeApplication", requestId=loop.request_id,
                        programmeId=justice)["application"]
    assert again["id"] == applied["id"]
    # Recorded where it applied, also to a programme that no longer fits (the State chose it).
    loop.result(loop.kenya, "RecordProgrammeApplication", requestId=loop.request_id,
                programmeId=directory["other_theme"]["id"])
    shown = {s["programme"]["name"]: s["appliedAt"] for s in loop.op(
        loop.kenya, "ProgrammesForRequest", requestId=loop.request_id)["programmesForRequest"]}
    assert shown["Justice sector support"] and shown["Abolition network"]
    assert shown["UN partnership fund"] is None
    assert loop.op(loop.norad, "ProgrammesForRequest", requestId=loop.request_id)[
        "programmesForRequest"][0]["appliedAt"]
    actions = [e.action for e in db_session.exec(select(AuditEntry).where(
        AuditEntry.action == "programme.applied"))]
    assert actions == ["programme.applied", "programme.applied"]
    assert verify(db_session).ok


def test_a_partner_maintains_its_own_and_the_secretariat_every_programme(loop, directory):
    ghana = directory["ghana"]
    assert ghana["partnerName"] == "Norad"
    refused = loop.result(loop.sida, "UpdateProgramme", id=ghana["id"], input={"name": "Taken"})
    assert refused["__typename"] == "PermissionDenied"
    stale = loop.result(loop.norad, "UpdateProgramme", id=ghana["id"], input={
        "deadline": "2027-09-30", "expectedVersion": ghana["version"] + 1})
    assert stale["__typename"] == "Conflict"
    changed = loop.result(loop.norad, "UpdateProgramme", id=ghana["id"], input={
        "deadline": "2027-09-30", "eligibleStates": None, "eligibleGroups": ["AFRICAN"],
        "expectedVersion": ghana["version"]})["programme"]
    assert (changed["deadline"], changed["eligibleStates"], changed["eligibleGroups"],
            changed["version"]) == ("2027-09-30", None, ["AFRICAN"], ghana["version"] + 1)
    assert "Ghana governance fund" in _names(loop, loop.anonymous, stateCode="KEN")
    staff = loop.result(loop.secretariat, "UpdateProgramme", id=ghana["id"],
                        input={"howToApply": "Apply online."})
    assert staff["programme"]["howToApply"] == "Apply online."
    for client in (loop.kenya, loop.committee, loop.anonymous):
        assert loop.result(client, "AddProgramme", input={**BASE, "name": "x"})[
            "__typename"] == "PermissionDenied"
    assert loop.result(loop.norad, "UpdateProgramme", id="bm9uZQ==", input={})["__typename"] == "NotFound"


def test_every_bad_field_is_named_and_a_retry_adds_one(loop, db_session):
    before = len(db_session.exec(select(Programme)).all())
    bad = loop.result(loop.secretariat, "AddProgramme", input={
        **BASE, "name": " ", "link": "javascript:alert(1)", "themes": ["Astrology"],
        "eligibleGroups": ["MARS"], "eligibleStates": ["XXX"], "supportKinds": ["BRIBES"],
        "deadline": "2200-01-01"})
    assert bad["__typename"] == "ValidationError"
    assert {e["field"] for e in bad["errors"]} == {
        "name", "link", "themes", "eligibleGroups", "eligibleStates", "supportKinds", "deadline"}
    assert len(db_session.exec(select(Programme)).all()) == before
    first = loop.result(loop.norad, "AddProgramme", input={**BASE, "name": "Once",
                                                           "idempotencyKey": "p-1"})
    second = loop.result(loop.norad, "AddProgramme", input={**BASE, "name": "Once",
                                                            "idempotencyKey": "p-1"})
    assert first["programme"]["id"] == second["programme"]["id"]
    assert len(db_session.exec(select(Programme)).all()) == before + 1


def test_every_programme_operation_ran(loop, directory):
    loop.op(loop.anonymous, "Programmes")
    loop.op(loop.anonymous, "Programme", id=directory["justice"]["id"])
    loop.op(loop.kenya, "ProgrammesForRequest", requestId=loop.request_id)
    loop.result(loop.secretariat, "UpdateProgramme", id=directory["justice"]["id"],
                input={"description": "Courts and prosecution services."})
    loop.result(loop.kenya, "RecordProgrammeApplication", requestId=loop.request_id,
                programmeId=directory["justice"]["id"])
    assert loop.ran >= PROGRAMME_OPERATIONS
