"""Imports recommendations: UPR Info's CSV export, OHCHR's UHRI export, UHRI thematic lists.

Formats (README "Importing recommendations" says what is kept of each field):
- `upr-info`: UPR Info's database export (CSV);
- `uhri`: the Universal Human Rights Index export, every mechanism, as OHCHR publishes it:
  the Excel workbook or the JSON array (uhri_export.py reads both as a stream);
- `uhri-themes`: a thematic list of one State's UPR recommendations re-typed as CSV.

Every row is checked against the reference data (States, bodies, themes, SDGs); any
problem refuses the file as a whole, with every problem listed (unless `skip_invalid`).
A CSV file is checked whole before anything is written. A UHRI export, too big to hold,
is checked and written chunk by chunk in the caller's transaction; once a problem is found
nothing more is written, and the refusal rolls back what was. Rows are upserted on
`source_id` with bulk Core statements: new rows are inserted, rows whose content differs
are updated (and only their theme and SDG links replaced), identical rows are left alone,
so re-importing a file changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Any, Literal, TextIO

from sqlalchemy import bindparam, delete, insert, select, update
from sqlmodel import Session, SQLModel, col

from facility.db import table_of
from facility.numbers import whole_number
from facility.reference import uhri_export
from facility.reference.bodies import body_of
from facility.reference.loader import normalise_theme_name
from facility.reference.models import (
    MechanismType,
    Recommendation,
    RecommendationResponse,
    RecommendationSdg,
    RecommendationSdgTarget,
    RecommendationTheme,
    SdgGoal,
    SdgTarget,
    State,
    StateAlias,
    Theme,
    ThemeAlias,
)
from facility.timeutil import utcnow
from facility.validation import EARLIEST_DATE, LATEST_DATE, forbidden_character

Format = Literal["upr-info", "uhri", "uhri-themes"]
FORMATS: tuple[Format, ...] = ("upr-info", "uhri", "uhri-themes")
CSV_FORMATS: tuple[Format, ...] = ("upr-info", "uhri-themes")
Progress = Callable[[int, int | None], None]  # (rows done, rows in all when known)

CHUNK_SIZE = 2000  # rows per round trip; keeps IN lists well under SQLite's bind limit
MAX_JOINED_PARTS = 4  # a theme name may itself contain the list separator this many times

RESPONSES = {
    "accepted": RecommendationResponse.SUPPORTED,
    "supported": RecommendationResponse.SUPPORTED,
    "noted": RecommendationResponse.NOTED,
}
RESPONSE_WORDS: dict[Format, str] = {
    "upr-info": "Accepted, Noted", "uhri-themes": "Supported, Noted", "uhri": "Supported, Noted"}
# UPR sessions by cycle: the cycle of a UHRI record that gives only its session.
UPR_CYCLE_SESSIONS = ((1, 1, 12), (2, 13, 26), (3, 27, 40), (4, 41, 54))

# Every column the importer compares to decide whether a stored row must be updated.
CONTENT_COLUMNS = (
    "source", "state_code", "recommending_state_code", "recommended_by", "recommending_states",
    "mechanism", "body", "annotation_type", "publication_date", "cycle", "session", "year",
    "text", "response", "action_category", "source_themes", "document", "affected_persons",
)
# Column sizes of the recommendation table, checked here so that no row fails on insert:
# (field, its column in each format, limit).
MAX_LENGTHS = (
    ("source_id", {"upr-info": "rec_id", "uhri-themes": "rec_id", "uhri": "annotation_id"}, 64),
    ("document", {"upr-info": "", "uhri-themes": "source_of_position", "uhri": "symbol"}, 200),
    ("body", {"upr-info": "", "uhri-themes": "", "uhri": "body"}, 60),
)


@dataclass(frozen=True)
class ImportProblem:
    """One reason a row (or the file) cannot be imported."""

    line: int  # the CSV line, the workbook's row or the JSON record number (see `unit`)
    column: str | None
    message: str
    unit: str = "line"

    def __str__(self) -> str:
        if not self.line:  # about the file as a whole
            return self.message
        column = f', {"key" if self.unit == "record" else "column"} "{self.column}"'
        where = f"{self.unit} {self.line}" + (column if self.column else "")
        return f"{where}: {self.message}"


class RecommendationImportError(Exception):
    """The file was refused as a whole; nothing was written."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the file, first: {problems[0]}")


@dataclass
class ImportReport:
    """What an import did."""

    fmt: Format
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    unknown_themes: Counter[str] = field(default_factory=Counter)
    # UHRI records that are not recommendations ("Concerns/Observations"): not imported.
    not_recommendations: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


@dataclass
class _Row:
    """A validated row: the recommendation's columns and its links."""

    values: dict
    theme_ids: frozenset[int]
    sdgs: frozenset[int]
    unknown_themes: tuple[str, ...]
    sdg_targets: frozenset[str] = frozenset()

    def content(self) -> tuple:
        return (*(self.values[c] for c in CONTENT_COLUMNS), self.theme_ids, self.sdgs,
                self.sdg_targets)


# --- name matching -------------------------------------------------------------------------


def fold_name(name: str) -> str:
    """Compare State names across spellings: no case, accents, curly quotes or '&'."""
    name = unicodedata.normalize("NFKD", name)
    name = "".join(ch for ch in name if not unicodedata.combining(ch))
    name = name.replace("\u2019", "'").replace("\u2018", "'").replace("&", " and ")
    return " ".join(name.casefold().split())


def theme_key(name: str) -> str:
    """normalise_theme_name, also treating ';' as ',' (UHRI writes both in one name)."""
    return re.sub(r"\s*[;,]\s*", ", ", normalise_theme_name(name))


class _Lookups:
    """Reference data preloaded into dicts, so that validating a row costs no query."""

    def __init__(self, session: Session) -> None:
        self.state_codes = set(session.execute(select(col(State.code))).scalars())
        self.iso2 = dict(session.execute(select(col(State.iso2), col(State.code))).all())
        self.states: dict[str, str] = {}
        folded: dict[str, str | None] = {}
        for name, code in session.execute(select(col(StateAlias.name), col(StateAlias.state_code))):
            self.states[name] = code
            key = fold_name(name)
            # A folded spelling shared by two States would be a guess: drop it.
            folded[key] = code if folded.get(key, code) == code else None
        self.folded_states = {k: v for k, v in folded.items() if v}
        self.theme_ids = dict(session.execute(select(col(Theme.name), col(Theme.id))).all())
        self.theme_keys = {theme_key(name): tid for name, tid in self.theme_ids.items()}
        for name, tid in session.execute(select(col(ThemeAlias.name), col(ThemeAlias.theme_id))):
            self.theme_keys.setdefault(theme_key(name), tid)
        self.sdg_goals = set(session.execute(select(col(SdgGoal.number))).scalars())
        self.sdg_targets = set(session.execute(select(col(SdgTarget.code))).scalars())
        # Exports repeat the same few hundred names: resolve each spelling once.
        self._state_memo: dict[str, str | None] = {}
        self._theme_memo: dict[str, int | None] = {}

    def state(self, name: str) -> str | None:
        """ISO3 code of a State name: exact alias, then folded spelling, then the code itself
        (ISO3, or ISO2 as some UHRI records give it: "PK")."""
        if name not in self._state_memo:
            clean = name.strip()
            code = self.states.get(clean) or self.folded_states.get(fold_name(clean))
            if code is None and clean.upper() in self.state_codes:
                code = clean.upper()
            if code is None and len(clean) == 2:
                code = self.iso2.get(clean.upper())
            self._state_memo[name] = code
        return self._state_memo[name]

    def theme(self, name: str) -> int | None:
        """Theme id of a UPR Info theme name or of a UHRI theme (via ThemeAlias)."""
        if name not in self._theme_memo:
            tid = self.theme_ids.get(name) or self.theme_keys.get(theme_key(name))
            self._theme_memo[name] = tid
        return self._theme_memo[name]


def split_themes(raw: str, sep: str, lookups: _Lookups) -> list[str]:
    """Split a theme list, keeping together the names that contain the separator.

    UHRI writes "Children: definition; general principles; protection" in a '; ' list, so
    consecutive parts are joined when the joined name is a known theme; an unknown part
    absorbs the parts that follow it in lower case, which are never a theme's start.
    """
    parts = [p.strip() for p in raw.split(sep) if p.strip()]
    names: list[str] = []
    i = 0
    while i < len(parts):
        for j in range(min(len(parts), i + MAX_JOINED_PARTS), i, -1):
            candidate = f"{sep} ".join(parts[i:j])
            if lookups.theme(candidate) is not None:
                break
        else:
            j = i + 1
            while j < len(parts) and parts[j][0].islower():
                j += 1
            candidate = f"{sep} ".join(parts[i:j])
        names.append(candidate)
        i = j
    return names


# --- reading and validating ----------------------------------------------------------------


def _column_key(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.casefold())


# What every UPR row of the CSV formats records besides its own columns.
UPR_DEFAULTS = {"mechanism": MechanismType.UPR.value, "body": "UPR",
                "annotation_type": "Recommendations", "publication_date": None}

COLUMNS: dict[Format, tuple[str, ...]] = {
    "upr-info": ("rec_id", "cycle", "To", "Text", "From", "Response", "Action", "Issue",
                 "Session"),
    "uhri-themes": ("rec_id", "cycle", "session", "year", "state_under_review", "sur_iso3",
                    "recommendation", "recommending_states", "position", "source_of_position",
                    "themes", "affected_persons", "sdgs"),
}
REQUIRED: dict[Format, tuple[str, ...]] = {
    "upr-info": ("rec_id", "To", "Text", "Response"),
    "uhri-themes": ("rec_id", "recommendation", "position"),
}


def _semicolon_list(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(";") if part.strip()]


def _first_number(raw: str) -> int | None:
    """The number in "43", "- 43" or "43rd session"; None when there is none."""
    found = re.search(r"\d+", raw)
    return int(found.group()) if found else None


def upr_cycle_of_session(session: int | None) -> int | None:
    for cycle, first, last in UPR_CYCLE_SESSIONS:
        if session is not None and first <= session <= last:
            return cycle
    return None


class _RowChecker:
    """Turns one record into _Rows, recording every problem it finds."""

    def __init__(self, fmt: Format, lookups: _Lookups, *, unit: str = "line",
                 names: dict[str, str] | None = None) -> None:
        self.fmt, self.lookups, self.unit = fmt, lookups, unit
        self.names = names or {}  # UHRI export: field -> its column (or key) in the file
        self.problems: list[ImportProblem] = []
        self.line = 0

    def problem(self, column: str | None, message: str) -> None:
        column = self.names.get(column, column) if column else column
        self.problems.append(ImportProblem(self.line, column, message, self.unit))

    def required(self, rec: dict[str, str], column: str) -> str:
        value = rec.get(column, "")
        if not value:
            self.problem(column, "is required and empty")
        return value

    def integer(
        self, rec: dict[str, str], column: str, low: int = 1, high: int = 9999
    ) -> int | None:
        value = rec.get(column, "")
        if not value:
            return None
        number = whole_number(value, max_digits=len(str(high)))
        if number is None or not low <= number <= high:
            self.problem(column, f'"{value[:20]}" is not a whole number from {low} to {high}')
            return None
        return number

    def response(self, rec: dict[str, str], column: str) -> str | None:
        value = self.required(rec, column)
        if value and value.casefold() not in RESPONSES:
            self.problem(column, f'"{value}" is not one of {RESPONSE_WORDS[self.fmt]}')
        return RESPONSES.get(value.casefold())

    def state(self, rec: dict[str, str], column: str) -> str | None:
        value = self.required(rec, column)
        code = self.lookups.state(value) if value else None
        if value and code is None:
            self.problem(column, f'"{value}" is not a known State name (see state_alias)')
        return code

    def themes(self, raw: str, sep: str) -> tuple[frozenset[int], tuple[str, ...]]:
        """Known theme ids and unknown theme names (kept in source_themes only)."""
        names = split_themes(raw, sep, self.lookups)
        ids = [self.lookups.theme(name) for name in names]
        known = frozenset(tid for tid in ids if tid is not None)
        return known, tuple(name for name, tid in zip(names, ids, strict=True) if tid is None)

    def upr_info(self, rec: dict[str, str]) -> _Row:
        recommended_by = rec.get("From", "")
        values = {
            "source": "upr-info",
            "source_id": self.required(rec, "rec_id"),
            "state_code": self.state(rec, "To"),
            "recommending_state_code": self.lookups.state(recommended_by),
            "recommended_by": recommended_by,
            "recommending_states": [c for c in [self.lookups.state(recommended_by)] if c],
            **UPR_DEFAULTS,
            "cycle": self.integer(rec, "cycle"),
            "session": self.integer(rec, "Session"),
            "year": None,
            "text": self.required(rec, "Text"),
            "response": self.response(rec, "Response"),
            "action_category": self.integer(rec, "Action", 1, 5),
            "source_themes": rec.get("Issue", ""),
            "document": None,
            "affected_persons": [],
        }
        theme_ids, unknown = self.themes(values["source_themes"], ",")
        return _Row(values, theme_ids, frozenset(), unknown)

    def uhri_themes(self, rec: dict[str, str]) -> _Row:
        states = _semicolon_list(rec.get("recommending_states", ""))
        codes = [c for c in map(self.lookups.state, states) if c]
        values = {
            "source": "uhri-themes",
            "source_id": self.required(rec, "rec_id"),
            "state_code": self.uhri_state(rec),
            "recommending_state_code": codes[0] if codes else None,
            "recommended_by": rec.get("recommending_states", ""),
            "recommending_states": codes,
            **UPR_DEFAULTS,
            "cycle": self.integer(rec, "cycle"),
            "session": self.integer(rec, "session"),
            "year": self.integer(rec, "year", EARLIEST_DATE.year, LATEST_DATE.year),
            "text": self.required(rec, "recommendation"),
            "response": self.response(rec, "position"),
            "action_category": None,
            "source_themes": rec.get("themes", ""),
            "document": rec.get("source_of_position") or None,
            "affected_persons": _semicolon_list(rec.get("affected_persons", "")),
        }
        sdgs = set()
        for goal in re.split(r"\s*[;,]\s*", rec.get("sdgs", "")):
            number = whole_number(goal, max_digits=2)
            if goal and number not in self.lookups.sdg_goals:
                self.problem("sdgs", f'"{goal[:20]}" is not an SDG goal number from 1 to 17')
            elif goal:
                sdgs.add(number)
        theme_ids, unknown = self.themes(values["source_themes"], ";")
        return _Row(values, theme_ids, frozenset(sdgs), unknown)

    def uhri_state(self, rec: dict[str, str]) -> str | None:
        """The State under review: sur_iso3 when given, checked against the name."""
        iso3, name = rec.get("sur_iso3", "").upper(), rec.get("state_under_review", "")
        if not iso3 and not name:
            self.problem("sur_iso3", "is required and empty (and so is state_under_review)")
            return None
        if not iso3:
            return self.state(rec, "state_under_review")
        if iso3 not in self.lookups.state_codes:
            self.problem("sur_iso3", f'"{iso3}" is not the ISO3 code of a known State')
            return None
        named = self.lookups.state(name) if name else None
        if named and named != iso3:
            message = f'"{iso3}" disagrees with state_under_review "{name}" ({named})'
            self.problem("sur_iso3", message)
        return iso3

    def check(self, rec: dict[str, str]) -> _Row:
        self.controls(rec)
        row = self.upr_info(rec) if self.fmt == "upr-info" else self.uhri_themes(rec)
        self.lengths(row)
        return row

    def controls(self, columns: dict[str, Any]) -> None:
        """PostgreSQL cannot store NUL (the import would die half-way); no recommendation holds
        a control character, and the API refuses them in every text it takes."""
        for column, value in columns.items():
            found = forbidden_character(value) if isinstance(value, str) else None
            if found is not None and found[0] == "control_character":
                self.problem(column, f"contains the control character {found[1]}, which no "
                             "text field may hold")

    def lengths(self, row: _Row) -> None:
        for name, columns, limit in MAX_LENGTHS:
            value = row.values[name]
            if value and len(value) > limit:
                message = f"is {len(value)} characters long, the limit is {limit}"
                self.problem(columns[self.fmt], message)

    # --- the UHRI export (fields as uhri_export.py names them) ---------------------------

    def uhri_export(self, raw: dict[str, Any]) -> list[_Row]:
        """One row per State concerned (nearly always one) of a UHRI recommendation."""
        annotation_id = uhri_export.single(raw["annotation_id"])
        if not annotation_id:
            self.problem("annotation_id", "is required and empty")
        body = self.uhri_body(raw)
        published = self.uhri_date(raw)
        upr = body is not None and body.mechanism == MechanismType.UPR
        names = uhri_export.values_of(raw["recommending_states"])
        codes = [c for c in map(self.lookups.state, names) if c]
        session = _first_number(uhri_export.single(raw["sessions"])) if upr else None
        cycle = self.uhri_cycle(raw, session) if upr else None
        themes = uhri_export.values_of(raw["themes"])
        theme_ids = [self.lookups.theme(name) for name in themes]
        goals, targets = self.uhri_sdgs(raw)
        text = uhri_export.plain_text(raw["text"])
        if not text:
            self.problem("text", "is required and empty")
        values = {
            "source": "uhri",
            "recommending_state_code": codes[0] if codes else None,
            "recommended_by": "; ".join(names),
            "recommending_states": codes,
            "mechanism": body.mechanism.value if body else "",
            "body": body.code if body else "",
            "annotation_type": "Recommendations",
            "publication_date": published,
            "cycle": cycle,
            "session": session,
            "year": published.year if published else None,
            "text": text,
            "response": self.uhri_position(raw) if upr else None,
            "action_category": None,
            "source_themes": "; ".join(themes),
            "document": uhri_export.single(raw["symbol"]) or None,
            "affected_persons": uhri_export.values_of(raw["affected_persons"]),
        }
        self.controls(values)
        states = self.uhri_countries(raw)
        rows = []
        for state in states:
            # A record about several States is one recommendation to each of them.
            source_id = annotation_id if len(states) == 1 else f"{annotation_id}/{state}"
            row = _Row(
                {**values, "source_id": source_id, "state_code": state},
                frozenset(t for t in theme_ids if t is not None), goals,
                tuple(n for n, t in zip(themes, theme_ids, strict=True) if t is None), targets)
            self.lengths(row)
            rows.append(row)
        return rows

    def uhri_body(self, raw: dict[str, Any]):
        label = uhri_export.single(raw["body"])
        body = body_of(label) if label else None
        if not label:
            self.problem("body", "is required and empty")
        elif body is None:
            self.problem("body", f'"{label}" is not a UN body the facility knows '
                                 "(add its label to reference/data/uhri_bodies.csv)")
        return body

    def uhri_date(self, raw: dict[str, Any]):
        try:
            return uhri_export.date_of(raw["publication_date"])
        except (ValueError, OverflowError):
            value = uhri_export.single(raw["publication_date"])
            self.problem("publication_date", f'"{value}" is not a date (an Excel date or '
                                             "YYYY-MM-DD)")
            return None

    def uhri_cycle(self, raw: dict[str, Any], session: int | None) -> int | None:
        value = uhri_export.single(raw.get("cycle"))
        if not value:  # the workbook has no cycle column: the session tells it
            return upr_cycle_of_session(session)
        cycle = _first_number(value)
        if cycle is None or not 1 <= cycle <= 99:
            self.problem("cycle", f'"{value}" is not a UPR cycle number')
        return cycle

    def uhri_position(self, raw: dict[str, Any]) -> str | None:
        """The State's position; a mixed answer ("Supported", "Noted") counts as noted."""
        words = uhri_export.values_of(raw["positions"])
        positions = set()
        for word in words:
            for part in re.split(r"\s*[/,;]\s*", word):
                position = RESPONSES.get(part.casefold())
                if position is None:
                    self.problem("positions", f'"{word}" is not one of Supported, Noted')
                else:
                    positions.add(position)
        if not positions:
            return None  # the State has not answered yet
        if RecommendationResponse.NOTED in positions:
            return RecommendationResponse.NOTED
        return RecommendationResponse.SUPPORTED

    def uhri_sdgs(self, raw: dict[str, Any]) -> tuple[frozenset[int], frozenset[str]]:
        """Goals ("16 - PEACE, …") and targets ("16.7 - Responsive…"; their goal too)."""
        goals: set[int] = set()
        targets: set[str] = set()
        for value in uhri_export.values_of(raw["sdgs"]):
            code = value.split(" ", 1)[0].rstrip("-").strip().lower()
            goal = code.split(".", 1)[0]
            if "." in code and code in self.lookups.sdg_targets:
                targets.add(code)
                goals.add(int(goal))
            elif "." not in code and whole_number(goal, max_digits=2) in self.lookups.sdg_goals:
                goals.add(int(goal))
            else:
                self.problem("sdgs", f'"{value}" names no SDG goal (1 to 17) or target '
                                     "(such as 16.7)")
        return frozenset(goals), frozenset(targets)

    def uhri_countries(self, raw: dict[str, Any]) -> list[str]:
        names = uhri_export.values_of(raw["countries"])
        if not names:
            self.problem("countries", "is required and empty")
        codes = []
        for name in names:
            code = self.lookups.state(name)
            if code is None:
                self.problem("countries", f'"{name}" is not a known State name or code '
                                          "(see state_alias)")
            elif code not in codes:
                codes.append(code)
        return codes


def _records(stream: TextIO) -> Iterator[tuple[int, list[str]]]:
    """CSV records with the physical line each starts on (quoted fields may span lines)."""
    reader = csv.reader(stream)
    last_line = 0
    for record in reader:
        start, last_line = last_line + 1, reader.line_num
        if record and any(cell.strip() for cell in record):
            yield start, record


def read_rows(
    stream: TextIO, fmt: Format, lookups: _Lookups, report: ImportReport
) -> tuple[list[_Row], list[ImportProblem], bool]:
    """Validate the whole file: (valid rows, problems, whether the file is readable at all)."""
    if fmt not in CSV_FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(CSV_FORMATS)}")
    checker = _RowChecker(fmt, lookups)
    records = _records(stream)
    try:
        header_line, header = next(records, (1, []))
        if header:
            header[0] = header[0].removeprefix("\ufeff")
        by_key = {_column_key(name): i for i, name in enumerate(header)}
        index = {c: by_key[_column_key(c)] for c in COLUMNS[fmt] if _column_key(c) in by_key}
        missing = [c for c in REQUIRED[fmt] if c not in index]
        if fmt == "uhri-themes" and "sur_iso3" not in index and "state_under_review" not in index:
            missing.append("sur_iso3 or state_under_review")
        if missing:
            wanted = ", ".join(f'"{c}"' for c in missing)
            found = ", ".join(f'"{c}"' for c in header) or "nothing"
            problem = f"the header lacks required column(s) {wanted} (found {found})"
            return [], [ImportProblem(header_line, None, problem)], False
        rows, first_seen = [], {}
        for line, record in records:
            report.rows += 1
            checker.line, before = line, len(checker.problems)
            if len(record) > len(header):
                checker.problem(None, f"has {len(record)} fields, the header has {len(header)}")
            rec = {c: record[i].strip() if i < len(record) else "" for c, i in index.items()}
            row = checker.check(rec)
            source_id = row.values["source_id"]
            if source_id in first_seen:
                message = f'"{source_id}" repeats the id on line {first_seen[source_id]}'
                checker.problem("rec_id", message)
            elif source_id:
                first_seen[source_id] = line
            if len(checker.problems) == before:
                rows.append(row)
                report.unknown_themes.update(row.unknown_themes)
            else:
                report.skipped += 1
    except UnicodeDecodeError as exc:  # a stream opened by the caller; files are decoded first
        problem = f"is not UTF-8 text ({exc.reason})"
        return [], [*checker.problems, ImportProblem(checker.line + 1, None, problem)], False
    except csv.Error as exc:
        return [], [*checker.problems, ImportProblem(checker.line + 1, None, str(exc))], False
    return rows, checker.problems, True


# --- writing -------------------------------------------------------------------------------

# The link tables of a recommendation and their value column, in _Row.content()'s order.
LINKS: tuple[tuple[type[SQLModel], str], ...] = (
    (RecommendationTheme, "theme_id"), (RecommendationSdg, "goal_number"),
    (RecommendationSdgTarget, "target_code"))


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _stored(session: Session, source_ids: list[str]) -> dict[str, tuple[int, tuple]]:
    """id and content of the stored rows with these source ids (four statements)."""
    rec = table_of(Recommendation).c
    stored = session.execute(
        select(rec.id, rec.source_id, *(rec[c] for c in CONTENT_COLUMNS))
        .where(rec.source_id.in_(source_ids))
    ).all()
    ids = [r.id for r in stored]
    links: list[dict[int, set]] = [{i: set() for i in ids} for _ in LINKS]
    if ids:
        for (link, column), found in zip(LINKS, links, strict=True):
            c = table_of(link).c
            for rid, value in session.execute(
                select(c.recommendation_id, c[column]).where(c.recommendation_id.in_(ids))
            ):
                found[rid].add(value)
    return {
        r.source_id: (r.id, (*r[2:], *(frozenset(found[r.id]) for found in links)))
        for r in stored
    }


def _insert_recommendations(session: Session, params: list[dict]) -> dict[str, int]:
    """Insert new recommendations; their ids by source_id."""
    table = table_of(Recommendation)
    if session.get_bind().dialect.name == "sqlite":
        returning = insert(table).returning(table.c.source_id, table.c.id)
        return dict(session.execute(returning, params).all())
    # On PostgreSQL a plain executemany (psycopg pipelines it) and a select of the new ids
    # take half the time of INSERT … RETURNING, whose huge multi-row VALUES text psycopg
    # re-parses for every batch.
    session.execute(insert(table), params)
    new_ids = [p["source_id"] for p in params]
    return dict(
        session.execute(
            select(table.c.source_id, table.c.id).where(table.c.source_id.in_(new_ids))
        ).all()
    )


def _insert_links(session: Session, rows: list[tuple[int, _Row]]) -> None:
    for (link, column), attribute in zip(LINKS, ("theme_ids", "sdgs", "sdg_targets"), strict=True):
        params = [{"recommendation_id": rid, column: value}
                  for rid, row in rows for value in getattr(row, attribute)]
        if params:
            session.execute(insert(table_of(link)), params)


def write_rows(
    session: Session, rows: Iterable[_Row], report: ImportReport, progress: Progress | None,
    total: int | None = None,
) -> None:
    """Upsert validated rows on source_id, in chunks of bulk statements (rows may be a stream)."""
    table = table_of(Recommendation)
    now = utcnow()
    update_stmt = (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values({c: bindparam(c) for c in (*CONTENT_COLUMNS, "imported_at")})
    )
    done = 0
    for chunk in _chunks(rows, CHUNK_SIZE):
        stored = _stored(session, [row.values["source_id"] for row in chunk])
        new, changed = [], []
        for row in chunk:
            hit = stored.get(row.values["source_id"])
            if hit is None:
                new.append(row)
            elif hit[1] != row.content():
                changed.append((hit[0], row))
        if new:
            params = [{**row.values, "imported_at": now} for row in new]
            ids = _insert_recommendations(session, params)
            _insert_links(session, [(ids[row.values["source_id"]], row) for row in new])
        if changed:
            session.execute(
                update_stmt,
                [{**row.values, "imported_at": now, "row_id": rid}
                 for rid, row in changed],
            )
            changed_ids = [rid for rid, _ in changed]
            for link, _ in LINKS:
                table_ = table_of(link)
                session.execute(delete(table_).where(table_.c.recommendation_id.in_(changed_ids)))
            _insert_links(session, changed)
        report.inserted += len(new)
        report.updated += len(changed)
        report.unchanged += len(chunk) - len(new) - len(changed)
        done += len(chunk)
        if progress:
            progress(done, total)
    # Core statements bypass the identity map: drop any stale Recommendation objects.
    session.expire_all()


# --- entry points --------------------------------------------------------------------------


def import_recommendations_from_stream(
    session: Session,
    stream: TextIO,
    *,
    fmt: Format,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import recommendations from an open text stream; the caller commits."""
    started = time.perf_counter()
    report = ImportReport(fmt=fmt)
    rows, problems, readable = read_rows(stream, fmt, _Lookups(session), report)
    if problems and (not skip_invalid or not readable):
        raise RecommendationImportError(problems)
    report.problems = problems
    if progress:
        progress(0, len(rows))
    write_rows(session, rows, report, progress, len(rows))
    report.seconds = time.perf_counter() - started
    return report


def _uhri_rows(export: uhri_export.Export, checker: _RowChecker, report: ImportReport,
               skip_invalid: bool) -> Iterator[_Row]:
    """The valid recommendations of an export as it is read; after a problem, none unless
    skip_invalid (the rest of the file is still checked, so that every problem is listed)."""
    first_seen: dict[str, int] = {}  # annotation id -> record: ~100 bytes a record
    for number, raw in export.records:
        report.rows += 1
        checker.line, before = number, len(checker.problems)
        kind = uhri_export.single(raw["annotation_type"])
        if kind.casefold() != "recommendations":
            # Concerns and observations (and any other annotation) are not recommendations
            # a State can ask help with: counted, not imported (README).
            report.not_recommendations[kind or "(no type)"] += 1
            continue
        rows = checker.uhri_export(raw)
        annotation_id = uhri_export.single(raw["annotation_id"])
        if annotation_id in first_seen:
            unit = checker.unit
            checker.problem("annotation_id", f'"{annotation_id}" repeats the id of '
                                             f"{unit} {first_seen[annotation_id]}")
        elif annotation_id:
            first_seen[annotation_id] = number
        if len(checker.problems) > before:
            report.skipped += 1
        elif skip_invalid or not checker.problems:
            for row in rows:
                report.unknown_themes.update(row.unknown_themes)
                yield row


def import_uhri_export(
    session: Session,
    stream: IO[bytes],
    *,
    kind: uhri_export.Kind,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a UHRI export (the workbook or the JSON) from a binary stream; the caller
    commits, and rolls back when this raises (rows may have been written by then)."""
    started = time.perf_counter()
    report = ImportReport(fmt="uhri")
    unit = "row" if kind == "xlsx" else "record"
    try:
        export = uhri_export.open_export(stream, kind)
        checker = _RowChecker("uhri", _Lookups(session), unit=unit, names=export.names)
        rows = _uhri_rows(export, checker, report, skip_invalid)
        write_rows(session, rows, report, progress, export.total)
    except uhri_export.ExportLayoutError as exc:
        problem = ImportProblem(report.rows + 1, None, str(exc), unit)  # the record being read
        raise RecommendationImportError([problem]) from None
    if checker.problems and not skip_invalid:
        raise RecommendationImportError(checker.problems)
    report.problems = checker.problems
    report.seconds = time.perf_counter() - started
    return report


def import_recommendations(
    session: Session,
    path: str | Path,
    *,
    fmt: Format,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a recommendation file; the caller commits.

    CSV formats: UTF-8, with or without BOM. `uhri`: the workbook or the JSON export, told
    apart by the file's extension (.xlsx, .json).
    """
    if fmt == "uhri":
        try:
            kind = uhri_export.kind_of(path)
        except uhri_export.ExportLayoutError as exc:
            raise RecommendationImportError([ImportProblem(0, None, str(exc))]) from None
        with Path(path).open("rb") as stream:
            return import_uhri_export(session, stream, kind=kind, skip_invalid=skip_invalid,
                                      progress=progress)
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:  # decoded whole, so that the line can be named
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start : exc.start + 1].hex()
        message = f"is not UTF-8 text (byte 0x{byte}); save the file as UTF-8"
        raise RecommendationImportError([ImportProblem(line, None, message)]) from None
    return import_recommendations_from_stream(
        session, io.StringIO(text, newline=""), fmt=fmt, skip_invalid=skip_invalid,
        progress=progress,
    )
