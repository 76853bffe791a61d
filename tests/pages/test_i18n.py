"""Languages: every catalogue is whole for the areas it claims (facility.web.i18n.COMPLETE); a
page is never half translated; the choice of language; right-to-left layout."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from markupsafe import escape

from facility.auth.models import Role
from facility.web import i18n

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "facility/locale"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# What every area shows: the frame, the shared macros and error pages, and the page code that
# is not one role's own (sign-in checks, forms, labels, to-do lists).
SHARED = ("facility/templates/base.html", "facility/templates/macros/", "facility/templates/errors/")
AREA_MODULES = {f"facility/web/{area}.py" for area in i18n.AREAS}


def _area_files(area: str) -> tuple[str, ...]:
    return (f"facility/templates/{area}/", f"facility/web/{area}.py")


def _messages() -> dict[str | tuple[str, ...], set[str]]:
    """Every message the code and templates use, with the files that use it (babel.cfg)."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords={"_": None, "gettext": None, "N_": None,
                                                     "ngettext": (1, 2)}):
        found.setdefault(message, set()).add(filename)
    return found


def _shown_in(filename: str, areas: frozenset[str]) -> bool:
    if filename.startswith(SHARED):
        return True
    if filename.startswith("facility/web/") and filename not in AREA_MODULES:
        return True  # shared page code
    return any(filename.startswith(_area_files(area)) for area in areas)


def _catalogue(language: str):
    with (LOCALE / language / "LC_MESSAGES" / "messages.po").open("rb") as stream:
        return read_po(stream, locale=i18n.BABEL_LOCALE.get(language, language))


@pytest.mark.parametrize("language", sorted(set(i18n.COMPLETE) - {"en"}))
def test_every_catalogue_is_whole_for_the_areas_it_claims(language):
    catalogue = _catalogue(language)
    used = _messages()
    assert len(used) > 150  # the extraction really found the pages' messages
    areas = i18n.COMPLETE[language]
    problems = []
    for message, filenames in used.items():
        shown = sorted(f for f in filenames if _shown_in(f, areas))
        if not shown:
            continue
        key = message[0] if isinstance(message, tuple) else message
        entry = catalogue.get(key)
        strings = entry.string if entry is not None and isinstance(entry.string, tuple) else (
            [entry.string] if entry is not None else [])
        if entry is None or entry.fuzzy or not all(strings):
            problems.append(f"{shown[0]}: no {language} for {key!r}")
            continue
        for translated in strings:
            if set(PLACEHOLDER.findall(translated)) != set(PLACEHOLDER.findall(key)):
                problems.append(f"{shown[0]}: {language} of {key!r} has other placeholders: "
                                f"{translated!r}")
    assert not problems, ("run `pybabel extract` / `pybabel update` (docs/pages.md), then "
                          "translate:\n" + "\n".join(problems))


def test_every_language_names_itself_and_says_when_a_page_is_not_in_it():
    assert list(i18n.LANGUAGES) == ["ar", "zh", "en", "fr", "ru", "es"]
    assert set(i18n.NOT_AVAILABLE) == set(i18n.LANGUAGES) - {"en"}
    assert all(set(areas) <= set(i18n.AREAS) for areas in i18n.COMPLETE.values())


@pytest.mark.parametrize("language", sorted(set(i18n.LANGUAGES) - {"en"}))
def test_a_page_in_a_language_it_is_not_in_is_english_and_says_so(browser, person, language):
    """No page is half translated: where a language lacks an area, the page is English whole,
    and a notice in the reader's language says why."""
    partner = person(Role.PARTNER)
    browser.sign_in(partner.email)
    page = browser.get(f"/partner/offers?lang={language}")
    assert page.status_code == 200
    if i18n.available(language, "partner"):
        assert f'<html lang="{i18n.html_lang(language)}"' in page.text
        return
    assert '<html lang="en" dir="ltr">' in page.text
    assert str(escape(i18n.NOT_AVAILABLE[language])) in page.text
    assert f'lang="{i18n.html_lang(language)}"' in page.text  # the notice is marked up as such


def test_right_to_left_languages_mirror_the_page(browser):
    page = browser.get("/about?lang=ar")
    if i18n.available("ar", "public"):
        assert '<html lang="ar" dir="rtl">' in page.text
    else:
        assert '<html lang="en" dir="ltr">' in page.text and 'dir="rtl"' in page.text  # the notice
    css = (ROOT / "facility/static/facility.css").read_text()
    # Only logical properties: a physical left or right would not mirror.
    assert not re.search(r"\b(?:margin|padding|border)-(?:left|right)\b|text-align:\s*(?:left|right)"
                         r"|\b(?:left|right):", css)


def test_the_lang_parameter_sets_a_cookie_that_later_pages_follow(browser):
    french = browser.get("/about?lang=fr")
    assert '<html lang="fr" dir="ltr">' in french.text and "À propos du mécanisme" in french.text
    assert "lang=fr" in french.headers["set-cookie"]
    assert "Le mandat" in browser.get("/about").text  # no parameter: the cookie decides
    english = browser.get("/about?lang=en")
    assert "The mandate" in english.text and '<html lang="en" dir="ltr">' in english.text


def test_accept_language_decides_when_nothing_else_does(browser):
    assert "Le mandat" in browser.get("/about", headers={"Accept-Language": "fr-CH, en;q=0.8"}).text
    assert "The mandate" in browser.get("/about", headers={"Accept-Language": "de, en;q=0.5, fr;q=0.4"}).text
    assert "The mandate" in browser.get("/about", headers={"Accept-Language": "es"}).text
    assert "The mandate" in browser.get("/about?lang=xx", headers={"Accept-Language": "garbage;q=x"}).text


def test_numbers_and_dates_follow_the_language(browser, offers_of):
    offers_of(1)
    english, french = browser.get("/offers?lang=en").text, browser.get("/offers?lang=fr").text
    assert "$1,234,567" in english and "January 15, 2027" in english
    assert "1\u202f234\u202f567\u00a0$US" in french and "15 janvier 2027" in french
