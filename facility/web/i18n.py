"""Languages of the pages: the locale of a request, its translations, locale-aware formatting.

The French catalogue is `facility/locale/fr/LC_MESSAGES/messages.po` (the source of truth,
maintained with `pybabel extract` / `pybabel update`, see docs/pages.md). It is compiled in
memory when first needed, so a clean clone needs no build step and no binary .mo is committed.
English is the source language: an English page needs no catalogue.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import NullTranslations, Translations
from starlette.requests import Request

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = {"en": "English", "fr": "Français"}  # in the order the switcher shows them
DEFAULT_LANGUAGE = "en"
LANG_COOKIE = "lang"


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of a language (English: the messages as written)."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT_LANGUAGE or not po.exists():
        return NullTranslations()
    with po.open("rb") as stream:
        catalog = read_po(stream, locale=language)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)  # a fuzzy entry is not a translation
    buffer.seek(0)
    return Translations(fp=buffer)


def _from_accept_language(header: str) -> str | None:
    """The supported language the browser prefers most (RFC 9110 quality values)."""
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        language = tag.strip().lower().split("-")[0]
        if language in LANGUAGES and quality > 0:
            choices.append((-quality, position, language))
    return min(choices)[2] if choices else None


def choose_language(request: Request) -> str:
    """`?lang=` first, then the `lang` cookie, then Accept-Language, then English."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in LANGUAGES:
            return candidate  # type: ignore[return-value]
    return _from_accept_language(request.headers.get("accept-language", "")) or DEFAULT_LANGUAGE


def language_of(request: Request) -> str:
    """The request's language, chosen once."""
    language = getattr(request.state, "language", None)
    if language is None:
        language = request.state.language = choose_language(request)
    return language


def gettext_for(request: Request):
    """The gettext of the request's language, for messages built in Python."""
    return translations(language_of(request)).gettext


# Formatting (Jinja filters take the language from the page being rendered) -----------------

def number(value: int | float, language: str) -> str:
    return format_decimal(value, locale=language)


def percent(value: float, language: str) -> str:
    return format_percent(value, locale=language)


def money(amount: int | float, currency: str, language: str) -> str:
    """An amount in whole currency units (budgets have no cents), in the language's pattern."""
    pattern = Locale.parse(language).currency_formats["standard"].pattern.replace(".00", "")
    return format_currency(amount, currency, format=pattern, locale=language, currency_digits=False)


def long_date(value: date | datetime, language: str) -> str:
    return format_date(value, format="long", locale=language)


def language_name(language: str) -> str:
    return Locale.parse(language).get_display_name(language) or language
