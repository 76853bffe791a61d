"""Reading a whole number someone typed (a page number, an id, a version, a count).

`str.isdigit()` accepts characters `int()` refuses ("²", "①") and `int()` accepts digits of
other scripts; `int()` of a few thousand digits is refused (or slow) and a number above the
64-bit range breaks the database query. So: ASCII digits only, bounded length, or nothing.
"""

from __future__ import annotations

import re

MAX_DIGITS = 18  # below 2**63: every id, version and count fits a BIGINT
_NUMBER = re.compile(r"-?[0-9]+", re.ASCII)


def whole_number(raw: object, *, max_digits: int = MAX_DIGITS, signed: bool = False) -> int | None:
    """The integer `raw` spells, or None when it is not a string of ASCII digits (with a leading
    minus sign when `signed`) of at most `max_digits` digits."""
    if not isinstance(raw, str) or not _NUMBER.fullmatch(raw):
        return None
    digits = raw.removeprefix("-")
    if len(digits) > max_digits or (raw.startswith("-") and not signed):
        return None
    return int(raw)


def whole_numbers(raws: list[str], *, max_digits: int = MAX_DIGITS) -> list[int]:
    """The distinct numbers among `raws`, in order; anything else is left out."""
    return list(dict.fromkeys(n for n in (whole_number(r, max_digits=max_digits) for r in raws)
                              if n is not None))
