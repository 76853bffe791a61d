"""Field rules shared by requests, offers and experts (one place for each rule)."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlparse

import pycountry
from sqlmodel import Session, col, select

from facility.errors import Problems
from facility.reference.models import GROUP_CODES, State, Theme

# C0 control characters and DEL, except tab, line feed and carriage return: never part of a
# title, a need or a name, and NUL cannot be stored by PostgreSQL at all.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Bidirectional embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069): a
# U+202E in a title shows its text reversed, so "exe.txt" reads as "txt.exe" and a partner's
# name can pass for another's. Right-to-left scripts display correctly without them.
BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")


def forbidden_character(text: str) -> tuple[str, str] | None:
    """The first control or bidi override character in `text`, as (rule, its code point)."""
    if found := _CONTROL.search(text):
        return "control_character", f"U+{ord(found.group()):04X}"
    if found := BIDI_CONTROL.search(text):
        return "bidi_control", f"U+{ord(found.group()):04X}"
    return None


def check_characters(problems: Problems, field: str, text: str) -> bool:
    """Whether `text` is free of control and bidi override characters; if not, a problem
    naming the field (rule `control_character` or `bidi_control`)."""
    found = forbidden_character(text)
    if found is None:
        return True
    if found[0] == "control_character":
        problems.add(field, "control_character",
                     f"{field}: must not contain control characters (such as U+0000)")
    else:
        problems.add(field, "bidi_control", f"{field}: must not contain bidirectional override "
                     f"characters (U+202A to U+202E, U+2066 to U+2069; found {found[1]})")
    return False


def is_web_address(link: str) -> bool:
    """An absolute http(s) address with a host: what a page may link to as evidence."""
    parsed = urlparse(link)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def storable(values: list[str]) -> list[str]:
    """The values a database lookup can take (PostgreSQL refuses NUL even in a WHERE clause);
    the others cannot match anything and are reported as unknown by the caller."""
    return [v for v in values if "\x00" not in v]


def check_text(problems: Problems, field: str, value: str | None, *, max_length: int,
               min_length: int = 1) -> None:
    text = (value or "").strip()
    if not check_characters(problems, field, text):
        return
    if len(text) < min_length:
        problems.add(field, "required", f"{field}: must not be empty"
                     if min_length == 1 else f"{field}: at least {min_length} characters")
    elif len(text) > max_length:
        problems.add(field, "max_length", f"{field}: at most {max_length} characters")


def check_range(problems: Problems, field: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        problems.add(field, "range", f"{field}: must be between {low} and {high}, got {value}")


def check_positive(problems: Problems, field: str, value: int) -> None:
    if value <= 0:
        problems.add(field, "positive", f"{field}: must be a positive whole amount, got {value}")


def check_currency(problems: Problems, field: str, value: str) -> None:
    if pycountry.currencies.get(alpha_3=value.upper()) is None:
        problems.add(field, "iso4217", f"{field}: {value!r} is not an ISO 4217 currency code")


def check_languages(problems: Problems, field: str, values: list[str], *, required: bool) -> list[str]:
    """ISO 639-1 codes, lower case, without repeats."""
    cleaned: list[str] = []
    for value in values:
        code = value.strip().lower()
        if pycountry.languages.get(alpha_2=code) is None:
            problems.add(field, "iso639_1", f"{field}: {value!r} is not an ISO 639-1 language code")
        elif code not in cleaned:
            cleaned.append(code)
    if required and not values:
        problems.add(field, "required", f"{field}: at least one language")
    return cleaned


def check_text_language(problems: Problems, field: str, value: str) -> str:
    """The language a text is written in: one ISO 639-1 code, lower case (the rule of
    `check_languages`)."""
    code = value.strip().lower()
    if pycountry.languages.get(alpha_2=code) is None:
        problems.add(field, "iso639_1", f"{field}: {value!r} is not an ISO 639-1 language code "
                                        "(the language the text is written in, e.g. fr)")
    return code


# Every date a caller gives (windows, availability, engagement dates) and every year an importer
# reads lies in this range: the UN Charter's year to the end of the century. Beyond it a date is
# a typing slip, and one near year 9999 breaks whatever adds a year to it (the IATI export did).
EARLIEST_DATE = date(1945, 1, 1)
LATEST_DATE = date(2100, 12, 31)


def check_date(problems: Problems, field: str, value: date) -> bool:
    """Whether `value` lies in EARLIEST_DATE..LATEST_DATE; if not, a `date_range` problem."""
    if EARLIEST_DATE <= value <= LATEST_DATE:
        return True
    problems.add(field, "date_range", f"{field}: {value.isoformat()} is outside the dates the "
                 f"facility accepts ({EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()})")
    return False


def check_window(problems: Problems, start: date, end: date, *, start_field: str,
                 end_field: str, weeks: int | None = None, weeks_field: str = "weeks") -> None:
    in_range = check_date(problems, start_field, start)
    if not check_date(problems, end_field, end) or not in_range:
        return
    if end < start:
        problems.add(end_field, "date_order", f"{end_field}: {end} is before {start_field} {start}")
    elif weeks is not None and weeks > 0 and (end - start).days + 1 < 7 * weeks:
        problems.add(
            end_field, "window_fits_mission",
            f"{end_field}: the window {start} to {end} is {(end - start).days + 1} days, "
            f"shorter than the {weeks}-week mission ({7 * weeks} days)",
        )


def resolve_themes(session: Session, problems: Problems, field: str,
                   names: list[str]) -> list[Theme]:
    """The Theme rows for these names; unknown names are problems."""
    wanted = list(dict.fromkeys(n.strip() for n in names))
    found = {t.name: t for t in session.exec(
        select(Theme).where(col(Theme.name).in_(storable(wanted)))).all()}
    for name in wanted:
        if name not in found:
            problems.add(field, "known_theme", f"{field}: {name!r} is not a known theme")
    return [found[n] for n in wanted if n in found]


def check_groups(problems: Problems, field: str, codes: list[str] | None) -> list[str] | None:
    if codes is None:
        return None
    cleaned = list(dict.fromkeys(c.strip().upper() for c in codes))
    for code in cleaned:
        if code not in GROUP_CODES:
            problems.add(field, "known_group",
                         f"{field}: {code!r} is not one of {', '.join(GROUP_CODES)}")
    return cleaned


def check_states(session: Session, problems: Problems, field: str,
                 codes: list[str] | None) -> list[str] | None:
    if codes is None:
        return None
    cleaned = list(dict.fromkeys(c.strip().upper() for c in codes))
    known = set(session.exec(select(col(State.code)).where(col(State.code).in_(storable(cleaned)))).all())
    for code in cleaned:
        if code not in known:
            problems.add(field, "known_state", f"{field}: {code!r} is not a known ISO3 State code")
    return cleaned


def check_enum_values(problems: Problems, field: str, values: list[str], allowed: type,
                      *, required: bool) -> list[str]:
    names = [m.value for m in allowed]  # type: ignore[attr-defined]
    cleaned = list(dict.fromkeys(v.strip().upper() for v in values))
    for value in cleaned:
        if value not in names:
            problems.add(field, "one_of", f"{field}: {value!r} is not one of {', '.join(names)}")
    if required and not cleaned:
        problems.add(field, "required", f"{field}: at least one value")
    return cleaned
