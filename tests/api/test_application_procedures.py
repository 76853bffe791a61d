"""The application procedure (A/HRC/43/37, para 71): the committee adopts it with the criteria
(their `procedure` section: drafted, voted, versioned, published); it opens and closes a call
for requests, names the documents a request must carry and the fields it must fill; the State
reads it before filing, submission checks it, and the request records the version it was
submitted under."""

from __future__ import annotations

from datetime import date

import pytest

from facility.timeutil import today_is
from governance import criteria as criteria_rules
from governance.models import CriteriaSet
from tests.api.helpers import YEAR, request_input, run

PROCEDURE_OPERATIONS = {"ApplicationProcedures"}
OPENS, CLOSES = date(YEAR - 1, 11, 1), date(YEAR - 1, 12, 31)
NOTE = {"kind": "OFFICIAL_REQUEST", "reference": "Note verbale No. 123/2026 of 3 November 2026"}


@pytest.fixture
def call_2027(db_session) -> int:
    """Criteria version 2 in force: a call for requests open in November and December, which
    asks for the Government's official request and a focal point."""
    body = criteria_rules.CriteriaBody().model_dump(mode="json")
    body["procedure"] = {"call_title": f"Call {YEAR}", "call_opens": OPENS.isoformat(),
                         "call_closes": CLOSES.isoformat(),
                         "required_documents": ["OFFICIAL_REQUEST"],
                         "required_fields": ["FOCAL_POINT"]}
    draft = CriteriaSet(version=2, title=f"Criteria and call {YEAR}", body=body)
    db_session.add(draft)
    db_session.flush()
    criteria_rules.adopt(db_session, draft, actor_account_id=None)  # as after a passed vote
    return 2


def _draft(kenya, recs, **overrides) -> dict:
    created = run(kenya, "CreateRequest", input=request_input([recs["TEST-KEN-1"]], **overrides))
    assert created["result"]["__typename"] == "RequestPayload", created
    return created["result"]["request"]


def test_without_a_procedure_a_request_is_taken_at_any_time_and_records_version_1(gql, make_token, recs):
    kenya = gql.as_(make_token("STATE", state="KEN"))
    draft = _draft(kenya, recs)
    submitted = run(kenya, "SubmitRequest", id=draft["id"])["result"]
    assert (submitted["request"]["status"], submitted["request"]["procedureVersion"]) == (
        "SUBMITTED", 1)
    [procedure] = run(gql, "ApplicationProcedures")["applicationProcedures"]
    assert procedure == {"version": 1, "status": "IN_FORCE", "adoptedAt": procedure["adoptedAt"],
                         "callTitle": "", "callOpens": None, "callCloses": None,
                         "requiredDocuments": [], "requiredFields": []}


def test_the_call_its_documents_and_fields_are_checked_at_submission(gql, make_token, recs,
                                                                     call_2027):
    kenya = gql.as_(make_token("STATE", state="KEN"))
    # Anyone reads the procedure before filing; the superseded one stays listed.
    shown = {p["version"]: p for p in run(gql, "ApplicationProcedures")["applicationProcedures"]}
    assert shown[1]["status"] == "SUPERSEDED"
    assert shown[2] | {"adoptedAt": None} == {
        "version": 2, "status": "IN_FORCE", "adoptedAt": None, "callTitle": f"Call {YEAR}",
        "callOpens": OPENS.isoformat(), "callCloses": CLOSES.isoformat(),
        "requiredDocuments": ["OFFICIAL_REQUEST"], "requiredFields": ["FOCAL_POINT"]}

    with today_is(date(YEAR - 1, 10, 15)):
        draft = _draft(kenya, recs)
        early = run(kenya, "SubmitRequest", id=draft["id"])["result"]
    assert early["__typename"] == "Conflict" and f"Call {YEAR} opens on {OPENS}" in early["message"]

    with today_is(date(YEAR - 1, 11, 20)):
        lacking = run(kenya, "SubmitRequest", id=draft["id"])["result"]
        assert lacking["__typename"] == "ValidationError", lacking
        assert {(e["field"], e["rule"]) for e in lacking["errors"]} == {
            ("documents", "required_document"), ("focalPoint", "required")}
        assert run(kenya, "Request", id=draft["id"])["request"]["status"] == "DRAFT"
        done = run(kenya, "UpdateRequest", id=draft["id"], input={
            "documents": [NOTE], "focalPoint": "Ministry of Justice, Directorate of Human Rights"})
        assert done["result"]["__typename"] == "RequestPayload", done
        submitted = run(kenya, "SubmitRequest", id=draft["id"])["result"]
    assert (submitted["request"]["status"], submitted["request"]["procedureVersion"]) == (
        "SUBMITTED", 2)
    read = run(kenya, "Request", id=draft["id"])["request"]
    assert read["documents"] == [{**NOTE, "link": None}]

    with today_is(date(YEAR, 1, 5)):
        late = _draft(kenya, recs, documents=[NOTE], focalPoint="Ministry of Justice")
        closed = run(kenya, "SubmitRequest", id=late["id"])["result"]
    assert closed["__typename"] == "Conflict" and f"closed on {CLOSES}" in closed["message"]


@pytest.mark.parametrize(("document", "field", "rule"), [
    ({"kind": "OFFICIAL_REQUEST", "reference": "x"}, "documents[0].reference", "required"),
    ({"kind": "OFFICIAL_REQUEST", "reference": "Note 1", "link": "ftp://x"}, "documents[0].link", "url"),
])
def test_a_bad_document_is_refused_naming_it(gql, make_token, recs, document, field, rule):
    kenya = gql.as_(make_token("STATE", state="KEN"))
    refused = run(kenya, "CreateRequest", input=request_input([recs["TEST-KEN-1"]],
                                                              documents=[document]))["result"]
    assert (refused["__typename"], refused["field"], refused["rule"]) == (
        "ValidationError", field, rule), refused


def test_a_document_kind_is_carried_once(gql, make_token, recs):
    kenya = gql.as_(make_token("STATE", state="KEN"))
    refused = run(kenya, "CreateRequest", input=request_input(
        [recs["TEST-KEN-1"]], documents=[NOTE, NOTE]))["result"]
    assert (refused["field"], refused["rule"]) == ("documents[1].kind", "unique")


def test_a_procedure_with_its_call_in_the_wrong_order_is_refused():
    body = criteria_rules.CriteriaBody().model_dump(mode="json")
    body["procedure"]["call_opens"], body["procedure"]["call_closes"] = "2027-12-01", "2027-11-01"
    with pytest.raises(criteria_rules.ValidationFailed) as refused:
        criteria_rules.parse_body(body)
    assert refused.value.problems[0].field == "body.procedure"


def test_drafts_of_the_procedure_are_the_committees(gql, make_token, db_session, call_2027):
    draft = CriteriaSet(version=3, title="Next call", created_by_id=None,
                        body=criteria_rules.CriteriaBody().model_dump(mode="json"))
    db_session.add(draft)
    db_session.flush()
    staff = gql.as_(make_token("SECRETARIAT"))
    assert 3 in {p["version"] for p in run(staff, "ApplicationProcedures")["applicationProcedures"]}
    for client in (gql, gql.as_(make_token("STATE", state="KEN"))):
        assert 3 not in {p["version"] for p in run(client, "ApplicationProcedures")[
            "applicationProcedures"]}
