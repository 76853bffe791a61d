"""A State mission's page in each of the UN's six languages, in a real browser: marked up in
that language and its direction, Arabic laid out right to left (mirrored), axe-core clean;
a screenshot of each."""

from __future__ import annotations

import pytest

from facility.web import i18n
from tests.browser.conftest import assert_accessible, screenshot, sign_in

HEADINGS = {"en": "Your State's requests", "fr": "Les demandes de votre État",
            "es": "Las solicitudes de su Estado"}


@pytest.mark.parametrize("language", list(i18n.LANGUAGES))
def test_a_state_page_in_each_un_language(page, live_server, language):
    sign_in(page, live_server.people.state, live_server.password)
    page.goto(f"/state/requests?lang={language}")
    html = page.locator("html")
    assert i18n.available(language, "state"), f"{language}: the State pages are not shipped whole"
    assert html.get_attribute("lang") == i18n.html_lang(language)
    assert html.get_attribute("dir") == i18n.text_direction(language)
    heading = page.get_by_role("heading", level=1)
    if language in HEADINGS:
        assert heading.inner_text() == HEADINGS[language]
    # Where the heading's words stand within its line: against its right edge when mirrored.
    box = heading.evaluate("""h => { const words = document.createRange(); words.selectNodeContents(h);
        const w = words.getBoundingClientRect(), line = h.getBoundingClientRect();
        return {start: w.left - line.left, end: line.right - w.right}; }""")
    if language in i18n.RIGHT_TO_LEFT:
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        assert box["end"] < 2 < box["start"], box
    else:
        assert box["start"] < 2 < box["end"], box
    assert_accessible(page)
    screenshot(page, f"state-requests-{language}")
