"""Languages of the pages: the locale of a request, its translations, locale-aware formatting.

The pages can be offered in the UN's six languages. Each catalogue is
`facility/locale/<code>/LC_MESSAGES/messages.po` (the source of truth, maintained with
`pybabel extract` / `pybabel update`, see docs/pages.md), compiled in memory when first needed,
so a clean clone needs no build step and no binary .mo is committed. English is the source
language: an English page needs no catalogue.

A page is never half translated. `COMPLETE` says for which areas of the site (the public
pages, the account pages, each role's pages) a language's catalogue is whole — a test fails
when a catalogue lacks an entry of an area it claims. A reader who asks for a language an area
does not have gets the English page, with a notice in their language saying so.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path

import pycountry
from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import NullTranslations, Translations
from starlette.requests import Request

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
# The UN's six languages, each named in itself, in the UN's order (the switcher's).
LANGUAGES = {"ar": "العربية", "zh": "中文", "en": "English", "fr": "Français",
             "ru": "Русский", "es": "Español"}
DEFAULT_LANGUAGE = "en"
LANG_COOKIE = "lang"
RIGHT_TO_LEFT = frozenset({"ar"})
# The language tag of a page (`<html lang>`): Chinese pages are in simplified script.
HTML_LANG = {"zh": "zh-Hans"}
# Babel's locale for dates, numbers and amounts.
BABEL_LOCALE = {"zh": "zh_Hans"}

# The areas of the site, by the first segment of a page's path; every other page is public.
AREAS = ("public", "account", "state", "partner", "committee", "secretariat", "expert")
_AREA_OF_SEGMENT = {"account": "account", "todo": "account", "state": "state",
                    "partner": "partner", "committee": "committee",
                    "secretariat": "secretariat", "expert": "expert"}
# The areas whose pages each language's catalogue translates whole (tests/pages/test_i18n.py
# holds every claim true). English, the source language, has them all.
COMPLETE: dict[str, frozenset[str]] = {
    "en": frozenset(AREAS),
    "fr": frozenset(AREAS),
    "es": frozenset(AREAS),
    "ar": frozenset(AREAS),
    "zh": frozenset(AREAS),
    "ru": frozenset(AREAS),
}
# Said, in the language asked for, on a page shown in English because that language does not
# have it (written here, not in a catalogue, since the catalogue is what is missing).
NOT_AVAILABLE = {
    "ar": "هذه الصفحة غير متاحة بعد باللغة العربية؛ وهي معروضة باللغة الإنكليزية.",
    "zh": "本页尚无中文版本，现以英文显示。",
    "fr": "Cette page n'est pas encore disponible en français ; elle est affichée en anglais.",
    "ru": "Эта страница пока недоступна на русском языке; она показана на английском.",
    "es": "Esta página aún no está disponible en español; se muestra en inglés.",
}


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of a language (English: the messages as written)."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT_LANGUAGE or not po.exists():
        return NullTranslations()
    with po.open("rb") as stream:
        catalog = read_po(stream, locale=_locale(language))
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)  # a fuzzy entry is not a translation
    buffer.seek(0)
    return Translations(fp=buffer)


def from_accept_language(header: str) -> str | None:
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


def area_of(path: str) -> str:
    """The area of the site a page belongs to, from its path ("/state/requests" -> "state")."""
    segment = path.strip("/").split("/", 1)[0]
    return _AREA_OF_SEGMENT.get(segment, "public")


def available(language: str, area: str) -> bool:
    return area in COMPLETE.get(language, frozenset())


def choose_language(request: Request) -> str:
    """`?lang=` first, then the `lang` cookie, then Accept-Language, then English."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    return from_accept_language(request.headers.get("accept-language", "")) or DEFAULT_LANGUAGE


def language_of(request: Request) -> str:
    """The language the request's page is shown in, chosen once: the reader's choice where the
    page's area has it whole, else English (`wanted_language` then says what was asked)."""
    language = getattr(request.state, "language", None)
    if language is None:
        wanted = choose_language(request)
        language = wanted if available(wanted, area_of(request.url.path)) else DEFAULT_LANGUAGE
        request.state.language = language
        request.state.wanted_language = wanted
    return language


def wanted_language(request: Request) -> str:
    """The language the reader asked for, which may differ from the page's (see language_of)."""
    language_of(request)
    return request.state.wanted_language


def html_lang(language: str) -> str:
    return HTML_LANG.get(language, language)


def text_direction(language: str) -> str:
    return "rtl" if language in RIGHT_TO_LEFT else "ltr"


def gettext_for(request: Request):
    """The gettext of the request's language, for messages built in Python."""
    return translations(language_of(request)).gettext


# Formatting (Jinja filters take the language from the page being rendered) -----------------

def _locale(language: str) -> str:
    return BABEL_LOCALE.get(language, language)


def number(value: int | float, language: str) -> str:
    return format_decimal(value, locale=_locale(language))


def percent(value: float, language: str) -> str:
    return format_percent(value, locale=_locale(language))


def money(amount: int | float, currency: str, language: str) -> str:
    """An amount in whole currency units (budgets have no cents), in the language's pattern."""
    locale = _locale(language)
    pattern = Locale.parse(locale).currency_formats["standard"].pattern.replace(".00", "")
    return format_currency(amount, currency, format=pattern, locale=locale, currency_digits=False)


def long_date(value: date | datetime, language: str) -> str:
    return format_date(value, format="long", locale=_locale(language))


def language_name(language: str) -> str:
    return Locale.parse(_locale(language)).get_display_name(_locale(language)) or language


def name_of_language(code: str, reader: str) -> str:
    """A language's name ("wo") in the reader's language ("wolof" for a French reader), from
    the CLDR data Babel ships; a code CLDR does not know shows as written."""
    return Locale.parse(_locale(reader)).languages.get(code.lower(), code)


@cache
def text_language_options(reader: str) -> list[tuple[str, str]]:
    """(code, name) of the languages a text may be written in, the UN's six first and then
    every ISO 639-1 language (the rule of facility.validation), in the reader's language."""
    six = [(code, name_of_language(code, reader)) for code in LANGUAGES]
    others = sorted(((lang.alpha_2, name_of_language(lang.alpha_2, reader))
                     for lang in pycountry.languages if hasattr(lang, "alpha_2")
                     and lang.alpha_2 not in LANGUAGES), key=lambda pair: pair[1].casefold())
    return six + others
