"""What a new password must be (NIST SP 800-63B, 5.1.1.2): long enough, and none of what an
attacker tries first: a common password, one character repeated, a run of consecutive
characters, or the account's own e-mail address or name. No composition rules (a digit, a
capital...) and no expiry: NIST advises against both.

One place for these rules: accounts created by the CLI and by the secretariat, and password
changes on the account page. Every problem names the field and the rule.
"""

from __future__ import annotations

import gzip
import re
from functools import cache
from itertools import pairwise
from pathlib import Path

from facility.errors import Problems

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # Argon2 takes any length; this bounds the work an attacker can ask for
COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt.gz"  # see data/README.md
_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip().casefold() for line in handle if line.strip())


def _repetitive(password: str) -> bool:
    """One character, or one short run of up to 3 characters, repeated: `aaaaaaaaaaaa`,
    `abcabcabcabc`."""
    return any(len(password) % size == 0 and password == password[:size] * (len(password) // size)
               for size in (1, 2, 3))


def _sequential(password: str) -> bool:
    """Consecutive characters all the way, up or down: `abcdefghijkl`, `123456789012` (digits
    run on from 9 to 0), `987654321098`."""
    def step(a: str, b: str) -> int:
        if a.isdigit() and b.isdigit():
            return (ord(b) - ord(a)) % 10
        return ord(b) - ord(a)
    steps = {step(a, b) for a, b in pairwise(password)}
    return steps in ({1}, {-1}, {9})  # 9: down by one among digits (0 - 1 wraps to 9)


def _personal(password: str, *, email: str, name: str) -> bool:
    """The e-mail address, its local part or the person's name, whole or inside the password
    (compared without case, spaces or punctuation)."""
    folded = _NOT_ALPHANUMERIC.sub("", password.casefold())
    local = email.casefold().partition("@")[0]
    candidates = {_NOT_ALPHANUMERIC.sub("", value) for value in
                  (email.casefold(), local, name.casefold())}
    return any(len(value) >= 4 and value in folded for value in candidates)


def check_password(problems: Problems, field: str, label: str, password: str, *, email: str,
                   name: str) -> None:
    """Add the first rule `password` breaks, as a problem of `field` whose message starts with
    `label` (rules: min_length, max_length, common, repetitive, sequential, personal)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.add(field, "min_length", f"{label}: at least {MIN_PASSWORD_LENGTH} characters")
    elif len(password) > MAX_PASSWORD_LENGTH:
        problems.add(field, "max_length", f"{label}: at most {MAX_PASSWORD_LENGTH} characters")
    elif password.casefold() in common_passwords():
        problems.add(field, "common", f"{label}: is one of the most common passwords; choose "
                     "one nobody would guess")
    elif _repetitive(password.casefold()):
        problems.add(field, "repetitive", f"{label}: must not be one character or a short "
                     "group of characters repeated")
    elif _sequential(password.casefold()):
        problems.add(field, "sequential", f"{label}: must not be a run of consecutive "
                     "characters such as abcdef or 123456")
    elif _personal(password, email=email, name=name):
        problems.add(field, "personal", f"{label}: must not contain your e-mail address or "
                     "your name")
