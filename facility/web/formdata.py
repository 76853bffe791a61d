"""Reading submitted forms and wording the services' validation problems for a page.

A form field's name and its input's `id` are the service's field name (e.g. `windowStart`), so
a problem the service reports links straight to its input in the error summary. Nested fields
(`indicators[0].name`) become ids such as `indicators-0-name`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from sqlmodel import select
from starlette.datastructures import FormData

from facility.errors import ValidationFailed
from facility.numbers import whole_number, whole_numbers
from facility.reference.models import State
from facility.reference.names import in_language
from facility.validation import EARLIEST_DATE, LATEST_DATE

Gettext = Callable[[str], str]
_LIMITS = re.compile(r"-?\d[\d,]*")


def form_token(form: FormData) -> str | None:
    """The token the form was rendered with (macros/forms.html), or None: a creating form
    passes it to the service as its idempotency key, so two posts of one form (a double
    click, a retry after a timeout) create one object, as the API's idempotencyKey does."""
    value = form.get("form_token")
    return value if isinstance(value, str) and value.strip() else None


def field_id(field: str) -> str:
    """The HTML id of a service field: `indicators[0].name` -> `indicators-0-name`."""
    return re.sub(r"[\[\].]+", "-", field).strip("-")


class FormReader:
    """Typed values of a submitted form; a value that cannot be read is an error naming it."""

    def __init__(self, form: FormData, gettext: Gettext, labels: dict[str, str]) -> None:
        self.form, self._, self.labels = form, gettext, labels
        self.errors: list[tuple[str, str]] = []

    def _label(self, name: str) -> str:
        return self.labels.get(name, name)

    def text(self, name: str) -> str:
        value = self.form.get(name)
        return value if isinstance(value, str) else ""

    def values(self, name: str) -> list[str]:
        return [v for v in self.form.getlist(name) if isinstance(v, str) and v.strip()]

    def integer(self, name: str) -> int | None:
        raw = self.text(name).strip().replace(" ", "").replace("\u202f", "").replace(",", "")
        if not raw:
            self.errors.append((field_id(name), self._("%(field)s: enter a number.")
                                % {"field": self._label(name)}))
            return None
        number = whole_number(raw, max_digits=15, signed=True)
        if number is None:
            self.errors.append((field_id(name), self._("%(field)s: enter a whole number, such as 12.")
                                % {"field": self._label(name)}))
            return None
        return number

    def day(self, name: str) -> date | None:
        raw = self.text(name).strip()
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.errors.append((field_id(name), self._("%(field)s: enter a date as year-month-day, "
                                                       "such as 2027-03-31.")
                                % {"field": self._label(name)}))
            return None

    def ids(self, name: str) -> list[int]:
        return whole_numbers(self.values(name), max_digits=11)


def problem_messages(gettext: Gettext, failure: ValidationFailed,
                     labels: dict[str, str]) -> list[tuple[str, str]]:
    """Each problem of the service as (input id, message in the page's language).

    The message names the field by its label and states the rule; limits the service gave
    (lengths, ranges) are carried over from its message.
    """
    _ = gettext
    wording = {
        "required": _("%(field)s: this is required."),
        "max_length": _("%(field)s: at most %(limit)s characters."),
        "range": _("%(field)s: must be between %(low)s and %(high)s."),
        "positive": _("%(field)s: must be a positive whole amount."),
        "iso639_1": _("%(field)s: use two-letter ISO 639-1 language codes, such as en or fr."),
        "iso4217": _("%(field)s: use a three-letter ISO 4217 currency code, such as USD."),
        "one_of": _("%(field)s: choose one of the options offered."),
        "date_order": _("%(field)s: must not be before the start date."),
        "window_fits_mission": _("%(field)s: the window is shorter than the mission's weeks."),
        "future": _("%(field)s: must not be in the past."),
        "exists": _("%(field)s: one of them no longer exists."),
        "addressed_to_own_state": _("%(field)s: choose recommendations addressed to your State."),
        "known_theme": _("%(field)s: choose themes from the list."),
        "known_group": _("%(field)s: choose regional groups from the list."),
        "known_state": _("%(field)s: use ISO 3166 three-letter State codes, such as KEN."),
        "linked": _("%(field)s: not a recommendation of this request."),
        "unique": _("%(field)s: listed twice."),
        "taken": _("%(field)s: already taken; choose another."),
        "url": _("%(field)s: each link must be a web address starting with http:// or https://."),
        "complete": _("%(field)s: give a status for every recommendation."),
        "format": _("%(field)s: enter an e-mail address, such as name@example.org."),
        "date_range": _("%(field)s: must be a date from %(earliest)s to %(latest)s."),
        "control_character": _("%(field)s: remove the control characters."),
        "bidi_control": _("%(field)s: remove the text direction override characters "
                          "(such as U+202E)."),
        "file_type": _("%(field)s: choose a PDF, Word, Excel, PowerPoint or OpenDocument file "
                       "without macros, of at most 10 MB."),
        "file_or_link": _("%(field)s: give either a file or a link."),
        "known_sdg_target": _("%(field)s: use SDG target codes, such as 16.3."),
        "reused_with_other_input": _("This form was already sent with other content. Open the "
                                     "form again to make another."),
    }
    messages = []
    for problem in failure.problems:
        label = labels.get(problem.field) or labels.get(_generic(problem.field)) or problem.field
        limits = [n.replace(",", "") for n in _LIMITS.findall(problem.message.split(":", 1)[-1])]
        template = wording.get(problem.rule)
        if problem.rule == "required" and limits:
            text = _("%(field)s: at least %(limit)s characters.") % {"field": label, "limit": limits[0]}
        elif problem.rule == "range" and len(limits) >= 2:
            text = template % {"field": label, "low": limits[0], "high": limits[1]}  # type: ignore[operator]
        elif problem.rule == "date_range":
            text = template % {"field": label, "earliest": EARLIEST_DATE.isoformat(),  # type: ignore[operator]
                               "latest": LATEST_DATE.isoformat()}
        elif problem.rule == "max_length" and limits:
            text = template % {"field": label, "limit": limits[-1]}  # type: ignore[operator]
        elif template is not None and "%(limit)s" not in template and "%(low)s" not in template:
            text = template % {"field": label}
        else:
            text = f"{label}: {problem.message.split(':', 1)[-1].strip()}"
        messages.append((field_id(problem.field), text))
    return messages


def _generic(field: str) -> str:
    """`indicators[3].name` -> `indicators[].name`, to find the label of a row's column."""
    return re.sub(r"\[\d+\]", "[]", field)


def state_choices(db, language: str, *, members_only: bool = True) -> list[tuple[str, str]]:
    """The options of a State select: (ISO3 code, the UN short name in the reader's language),
    in that language's order; observer States only where they belong (`members_only=False`)."""
    query = select(State)
    if members_only:
        query = query.where(~State.is_observer)  # type: ignore[arg-type]
    return sorted(((s.code, in_language(s.names, language, s.name)) for s in db.exec(query)),
                  key=lambda pair: pair[1].casefold())
