"""The application procedure on a State's pages: the request form shows the procedure in force
(its call, the documents and fields it requires) and takes the documents; submitting without
them names what is missing and stores nothing; the request page says which procedure version
the request was submitted under, and the committee's screening page lists its documents."""

from __future__ import annotations

import re

from sqlmodel import select

from facility.auth.models import Role
from facility.requests.models import CapacityRequest, RequestStatus
from governance import criteria as criteria_rules
from governance.models import CriteriaSet
from tests.pages.test_state_pages import _form, recommendations  # noqa: F401 (fixture)


def _adopt_procedure(db_session) -> None:
    body = criteria_rules.CriteriaBody().model_dump(mode="json")
    body["procedure"].update(call_title="Call 2027", required_documents=["OFFICIAL_REQUEST"],
                             required_fields=["FOCAL_POINT"])
    draft = CriteriaSet(version=2, title="Criteria with a procedure", body=body)
    db_session.add(draft)
    db_session.flush()
    criteria_rules.adopt(db_session, draft, actor_account_id=None)


def test_the_form_shows_the_procedure_and_submission_checks_it(browser, person, recommendations,  # noqa: F811
                                                               db_session):
    _adopt_procedure(db_session)
    mine = recommendations(1)
    themes = [recommendations.themes[0].name]
    browser.sign_in(person(Role.STATE).email)
    form = browser.get(f"/state/requests/new/details?rec={mine[0].id}")
    assert "The application procedure in force (criteria version 2)" in form.text
    assert "Official request of the Government (note verbale or letter)" in form.text
    assert 'id="doc-OFFICIAL_REQUEST-reference"' in form.text

    created = browser.submit(f"/state/requests/new/details?rec={mine[0].id}", "/state/requests",
                             _form([mine[0].id], themes=themes))
    assert created.status_code == 303, created.text
    request_id = int(re.search(r"/state/requests/(\d+)", created.headers["location"])[1])
    refused = browser.submit(f"/state/requests/{request_id}", f"/state/requests/{request_id}/submit", {})
    assert refused.status_code == 422
    assert "Documents" in refused.text and "Focal point" in refused.text
    assert db_session.get(CapacityRequest, request_id).status == RequestStatus.DRAFT

    edit = f"/state/requests/{request_id}/edit"
    filled = {**_form([mine[0].id], themes=themes), "version": "1",
              "focalPoint": "Ministry of Justice"}
    short = browser.submit(edit, edit, {**filled, "doc-OFFICIAL_REQUEST-reference": "x"})
    assert short.status_code == 422
    assert 'href="#doc-OFFICIAL_REQUEST-reference"' in short.text  # the error points at its input
    edited = browser.submit(edit, edit, {**filled,
                                         "doc-OFFICIAL_REQUEST-reference": "Note verbale No. 12/2027",
                                         "doc-OFFICIAL_REQUEST-link": "https://mfa.example.org/note-12"})
    assert edited.status_code == 303, edited.text
    submitted = browser.submit(f"/state/requests/{request_id}", f"/state/requests/{request_id}/submit", {})
    assert submitted.status_code == 303, submitted.text
    shown = browser.get(f"/state/requests/{request_id}").text
    assert "Submitted under the procedure of criteria version 2" in shown
    assert "Note verbale No. 12/2027" in shown and 'href="https://mfa.example.org/note-12"' in shown
    stored = db_session.exec(select(CapacityRequest).where(CapacityRequest.id == request_id)).one()
    assert (stored.procedure_version, stored.documents) == (2, [
        {"kind": "OFFICIAL_REQUEST", "reference": "Note verbale No. 12/2027",
         "link": "https://mfa.example.org/note-12"}])
