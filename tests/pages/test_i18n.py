"""Languages: the French catalogue is complete for the public and State pages; the choice of language."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
FRENCH = ROOT / "facility/locale/fr/LC_MESSAGES/messages.po"
# Pages whose French must be complete (issue 6): the public and State pages, and what they share.
MUST_BE_FRENCH = ("facility/templates/base.html", "facility/templates/macros/", "facility/templates/public/",
                  "facility/templates/account/", "facility/templates/errors/", "facility/templates/state/",
                  "facility/web/")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _messages() -> dict[str | tuple[str, ...], str]:
    """Every message the code and templates use, with the file that uses it (babel.cfg's mapping)."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords={"_": None, "gettext": None, "N_": None,
                                                     "ngettext": (1, 2)}):
        found.setdefault(message, filename)
    return found


def test_every_message_of_the_public_and_state_pages_is_in_french():
    with FRENCH.open("rb") as stream:
        catalogue = read_po(stream, locale="fr")
    used = _messages()
    assert len(used) > 150  # the extraction really found the pages' messages
    problems = []
    for message, filename in used.items():
        if not filename.startswith(MUST_BE_FRENCH):
            continue
        key = message[0] if isinstance(message, tuple) else message
        entry = catalogue.get(key)
        if entry is None or entry.fuzzy or not all(entry.string if isinstance(entry.string, tuple)
                                                   else [entry.string]):
            problems.append(f"{filename}: no French for {key!r}")
            continue
        for translated in (entry.string if isinstance(entry.string, tuple) else [entry.string]):
            if set(PLACEHOLDER.findall(translated)) != set(PLACEHOLDER.findall(key)):
                problems.append(f"{filename}: French of {key!r} has other placeholders: {translated!r}")
    assert not problems, "run `pybabel extract` / `pybabel update` (docs/pages.md):\n" + "\n".join(problems)


def test_the_lang_parameter_sets_a_cookie_that_later_pages_follow(browser):
    french = browser.get("/about?lang=fr")
    assert '<html lang="fr">' in french.text and "À propos du mécanisme" in french.text
    assert "lang=fr" in french.headers["set-cookie"]
    assert "Le mandat" in browser.get("/about").text  # no parameter: the cookie decides
    english = browser.get("/about?lang=en")
    assert "The mandate" in english.text and '<html lang="en">' in english.text


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
