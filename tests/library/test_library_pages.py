"""The library on pages: a partner contributes a file, the secretariat publishes it, the public
finds and downloads it; a draft's file is served to nobody else; a bad file or field is named."""

from __future__ import annotations

import html

import pytest
from sqlmodel import select

from facility.auth.models import Role
from facility.library.models import LibraryResource, ResourceStatus
from tests.library.documents import HTML, PDF, docx
from tests.pages.conftest import csrf_of

FORM = {"kind": "GUIDANCE", "title": "Guide: national mechanisms for reporting and follow-up",
        "summary": "How a national mechanism tracks recommendations of every UN mechanism.",
        "language": "en", "author": "Test partner", "licence": "CC BY 4.0",
        "themes": ["Justice"], "sdgTargets": "16.3, 16.6", "link": ""}


@pytest.fixture
def folder(app, tmp_path):
    app.state.settings.storage_dir = str(tmp_path / "files")
    return tmp_path / "files"


def _latest(db) -> LibraryResource | None:
    db.expire_all()
    return db.exec(select(LibraryResource).order_by(LibraryResource.id.desc())).first()


def _contribute(browser, data: dict, file: tuple | None, action: str = "/library/new",
                page: str = "/library/new"):
    form = browser.get(page)
    assert form.status_code == 200, form.text
    files = {"file": file} if file else {"file": ("", b"", "application/octet-stream")}
    return browser.http.post(action, data={"csrf_token": csrf_of(form.text), **data}, files=files)


def test_a_file_goes_from_draft_to_public_through_the_secretariat(browser, new_browser, person,
                                                                  db_session, folder):
    partner = person(Role.PARTNER)
    browser.sign_in(partner.email)
    refused = _contribute(browser, {**FORM, "title": " ", "step": "submit"},
                          ("guide.pdf", HTML, "application/pdf"))
    text = html.unescape(refused.text)
    assert refused.status_code == 422 and _latest(db_session) is None
    assert "Title: this is required." in text
    assert "File: choose a PDF, Word, Excel, PowerPoint or OpenDocument file" in text
    assert FORM["summary"] in text  # the form keeps what was written
    assert not folder.exists() or not any(p.is_file() for p in folder.rglob("*"))

    saved = _contribute(browser, {**FORM, "step": "save"}, ("../../etc/My guide.pdf", PDF,
                                                            "text/html"))
    resource = _latest(db_session)
    assert saved.status_code == 303 and saved.headers["location"] == f"/library/{resource.id}?done=saved"
    assert (resource.status, resource.file_type) == (ResourceStatus.DRAFT, "application/pdf")
    [stored] = [p for p in folder.rglob("*") if p.is_file()]
    assert stored.name == resource.file_key and "guide" not in str(stored).lower()

    # The draft and its file are the partner's own.
    own = browser.get(f"/library/{resource.id}/file")
    assert own.status_code == 200 and own.content == PDF
    assert own.headers["content-type"] == "application/pdf"
    assert own.headers["x-content-type-options"] == "nosniff"
    assert own.headers["content-disposition"] == (
        f'attachment; filename="Guide-national-mechanisms-for-reporting-and-follow-up-{resource.id}.pdf"')
    assert "no-store" in own.headers["cache-control"]
    public, staff = new_browser(), new_browser()
    assert public.get(f"/library/{resource.id}").status_code == 404
    assert public.get(f"/library/{resource.id}/file").status_code == 404
    staff.sign_in(person(Role.SECRETARIAT).email)
    assert staff.get(f"/library/{resource.id}/file").status_code == 404
    other = new_browser()
    other.sign_in(person(Role.PARTNER, partner_name="Another partner").email)
    assert other.get(f"/library/{resource.id}").status_code == 404

    # Changed (a new file replaces the old one), then submitted.
    changed = _contribute(browser, {**FORM, "version": resource.version, "step": "submit"},
                          ("guide.docx", docx(), "application/octet-stream"),
                          action=f"/library/{resource.id}/edit", page=f"/library/{resource.id}/edit")
    assert changed.status_code == 303, changed.text
    resource = _latest(db_session)
    assert resource.status == ResourceStatus.SUBMITTED
    assert resource.file_type.endswith("wordprocessingml.document")
    assert [p.name for p in folder.rglob("*") if p.is_file()] == [resource.file_key]
    assert browser.get(f"/library/{resource.id}/edit").status_code == 409

    queue = staff.get("/library/review").text
    assert FORM["title"] in html.unescape(queue)
    published = staff.submit(f"/library/{resource.id}", f"/library/{resource.id}/publish",
                             {"version": resource.version})
    assert published.status_code == 303
    assert _latest(db_session).status == ResourceStatus.PUBLISHED

    found = html.unescape(public.get("/library?q=national+mechanism&kind=GUIDANCE").text)
    assert FORM["title"] in found and "1 resource found." in found
    assert "0 resources found." in public.get("/library?q=torture").text
    page = html.unescape(public.get(f"/library/{resource.id}").text)
    assert "Test partner" in page and "16.3, 16.6" in page and "Download the file (DOCX" in page
    file = public.get(f"/library/{resource.id}/file")
    assert file.status_code == 200 and file.content[:2] == b"PK"
    assert "public" in file.headers["cache-control"]


def test_the_secretariat_returns_with_a_note_and_the_committee_cannot_contribute(
        browser, new_browser, person, db_session, folder):
    mission = person(Role.STATE)
    browser.sign_in(mission.email)
    sent = _contribute(browser, {**FORM, "link": "https://example.org/guide", "step": "submit"}, None)
    assert sent.status_code == 303, sent.text
    resource = _latest(db_session)
    staff = new_browser()
    staff.sign_in(person(Role.SECRETARIAT).email)
    returned = staff.submit(f"/library/{resource.id}", f"/library/{resource.id}/return",
                            {"version": resource.version, "note": "Name the States it draws on."})
    assert returned.status_code == 303
    page = html.unescape(browser.get(f"/library/{resource.id}").text)
    assert "Returned by the secretariat" in page and "Name the States it draws on." in page
    assert "/library/new" in browser.get("/library/mine").text
    both = _contribute(browser, {**FORM, "link": "https://example.org/guide", "step": "save"},
                       ("guide.pdf", PDF, "application/pdf"))
    assert "Link: give either a file or a link." in html.unescape(both.text)

    member = new_browser()
    member.sign_in(person(Role.COMMITTEE).email)
    assert member.get("/library/new").status_code == 403
    assert member.get("/library").status_code == 200


def test_only_the_upload_forms_take_a_document_sized_body():
    from facility.web.body_limits import MAX_FORM_BYTES, MAX_LIBRARY_BYTES, limit_for

    assert limit_for("/library/new") == limit_for("/library/12/edit") == MAX_LIBRARY_BYTES
    for path in ("/library/12/publish", "/library/12/return", "/library/new/x", "/library"):
        assert limit_for(path) == MAX_FORM_BYTES
