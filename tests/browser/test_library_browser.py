"""The library in a real browser: a partner uploads a document and submits it, the secretariat
publishes it, the public finds it and downloads it; every page on the way passes axe-core."""

from __future__ import annotations

from tests.browser.conftest import assert_accessible, sign_in

TITLE = "Guide to national mechanisms for reporting (browser demo)"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_a_document_contributed_reviewed_and_read(chromium, live_server):
    partner = chromium.new_context(base_url=live_server.url, locale="en-GB", bypass_csp=True)
    page = partner.new_page()
    sign_in(page, live_server.people.partner, live_server.password)
    page.goto("/library/new")
    assert_accessible(page)
    page.get_by_label("Kind", exact=True).select_option("GUIDANCE")
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Summary", exact=True).fill("How a national mechanism tracks every recommendation.")
    page.get_by_label("Author", exact=True).fill("Nordic Fund")
    page.get_by_label("File", exact=True).set_input_files(
        files=[{"name": "guide.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_role("button", name="Submit for review").click()
    assert page.get_by_role("status").inner_text().startswith("The resource is submitted")
    assert_accessible(page)
    resource = page.url.split("?")[0]
    partner.close()

    staff = chromium.new_context(base_url=live_server.url, locale="en-GB", bypass_csp=True)
    page = staff.new_page()
    sign_in(page, live_server.people.secretariat, live_server.password)
    page.goto("/library/review")
    assert_accessible(page)
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("button", name="Publish").click()
    assert page.get_by_role("status").inner_text().startswith("The resource is published")
    staff.close()

    public = chromium.new_context(base_url=live_server.url, locale="en-GB", bypass_csp=True)
    page = public.new_page()
    page.goto("/library?q=national+mechanism")
    assert_accessible(page)
    page.get_by_role("link", name=TITLE).click()
    assert page.url.split("?")[0] == resource
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the file (PDF, 1 KB)").click()
    assert download.value.suggested_filename.endswith(".pdf")
    page.goto("/programmes")
    assert_accessible(page)
    public.close()
