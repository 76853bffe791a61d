"""Reading OHCHR's Universal Human Rights Index exports, record by record.

UHRI publishes the same records two ways (https://uhri.ohchr.org/en/our-data-api): an
Excel workbook of 16 columns (also what "Export to Excel" of a search gives) and a JSON
array (the full export is about 360 MB). Both are read as a stream, one record at a time:
openpyxl in read-only mode for the workbook, ijson for the JSON, so memory stays bounded
whatever the file's size.

Each record comes out as a dict of the same field names whatever the format, its values
cleaned of the export's quirks: "- " before every value, lists written one value a line,
dates as Excel serial numbers, HTML in the JSON's text. Checking the values against the
reference data is the importer's work (importers.py).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Literal

Kind = Literal["xlsx", "json"]
KINDS: dict[str, Kind] = {".xlsx": "xlsx", ".json": "json"}

# field: the spellings of its column in the workbook. "Reccomending" is OHCHR's own typo;
# some export versions spell it right. Headers are compared without case, spaces or
# punctuation. "Regions Concerned", "Recommending Regions" and "Date of publication on
# UHRI" are not read (the State's region comes from the reference data).
XLSX_COLUMNS: dict[str, tuple[str, ...]] = {
    "text": ("Text",),
    "countries": ("Countries Concerned",),
    "body": ("Reccomending Body", "Recommending Body"),
    "symbol": ("Document Symbol",),
    "themes": ("Themes",),
    "affected_persons": ("Affected Persons",),
    "sdgs": ("Sdgs",),
    "publication_date": ("Document Publication Date",),
    "recommending_states": ("UPR Reccomending States", "UPR Recommending States"),
    "positions": ("UPR Position",),
    "annotation_type": ("Type",),
    "annotation_id": ("OHCHR Annotation Id",),
    "sessions": ("UPR Session",),
}
# field: its key in the JSON export. DocumentId, PublicationDateOnUhri, Regions and
# UprRecommendingRegions are not read.
JSON_KEYS: dict[str, str] = {
    "text": "Text",
    "countries": "Countries",
    "body": "Body",
    "symbol": "Symbol",
    "themes": "Themes",
    "affected_persons": "AffectedPersons",
    "sdgs": "Sdgs",
    "publication_date": "PublicationDate",
    "recommending_states": "UprRecommendingCountry",
    "positions": "UprPositions",
    "annotation_type": "AnnotationType",
    "annotation_id": "AnnotationId",
    "sessions": "UprSession",
    "cycle": "UprCycle",
}
REQUIRED = ("annotation_id", "annotation_type", "body", "countries", "text")
EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 in Excel's (1900 leap-year) count


class ExportLayoutError(Exception):
    """The file is not a UHRI export: which field or part is missing, and what was found."""


@dataclass(frozen=True)
class Export:
    """An open export: the column (or key) name of each field, and its records."""

    kind: Kind
    names: dict[str, str]
    records: Iterator[tuple[int, dict[str, Any]]]  # (row or record number, raw values)
    total: int | None  # number of records when the file says so (the workbook's dimension)


def kind_of(path: str | Path) -> Kind:
    suffix = Path(path).suffix.lower()
    if suffix not in KINDS:
        raise ExportLayoutError(
            f'"{Path(path).name}": a UHRI export is a .xlsx or a .json file')
    return KINDS[suffix]


def _header_key(name: object) -> str:
    return re.sub(r"[^0-9a-z]", "", str(name or "").casefold())


def read_xlsx(stream: IO[bytes]) -> Export:
    """The first sheet's rows; row 1 is the header."""
    from openpyxl import load_workbook  # imported here: only this format needs it

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors alike
        raise ExportLayoutError(f"is not an Excel workbook ({exc})") from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, ())
    by_key = {_header_key(name): i for i, name in enumerate(header) if name}
    columns: dict[str, int] = {}
    names: dict[str, str] = {}
    for field, spellings in XLSX_COLUMNS.items():
        for spelling in spellings:
            if _header_key(spelling) in by_key:
                columns[field] = by_key[_header_key(spelling)]
                names[field] = str(header[columns[field]])
                break
    missing = [XLSX_COLUMNS[f][0] for f in REQUIRED if f not in columns]
    if missing:
        found = ", ".join(f'"{n}"' for n in header if n) or "nothing"
        wanted = ", ".join(f'"{m}"' for m in missing)
        workbook.close()
        raise ExportLayoutError(f"the header lacks the column(s) {wanted} of a UHRI export "
                                f"(found {found})")
    total = sheet.max_row - 1 if sheet.max_row else None

    def records() -> Iterator[tuple[int, dict[str, Any]]]:
        try:
            for number, row in enumerate(rows, start=2):
                if not any(cell not in (None, "") for cell in row):
                    continue
                yield number, {f: row[i] if i < len(row) else None for f, i in columns.items()}
        finally:
            workbook.close()

    return Export("xlsx", names, records(), total)


def read_json(stream: IO[bytes]) -> Export:
    """The records of the JSON array, one at a time."""
    import ijson  # imported here: only this format needs it

    def records() -> Iterator[tuple[int, dict[str, Any]]]:
        try:
            for number, item in enumerate(ijson.items(stream, "item"), start=1):
                if not isinstance(item, dict):
                    raise ExportLayoutError(f"record {number} is not a JSON object")
                yield number, {f: item.get(key) for f, key in JSON_KEYS.items()}
        except ijson.JSONError as exc:
            raise ExportLayoutError(f"is not valid JSON ({exc})") from None

    return Export("json", dict(JSON_KEYS), records(), None)


def open_export(stream: IO[bytes], kind: Kind) -> Export:
    return read_xlsx(stream) if kind == "xlsx" else read_json(stream)


# --- cleaning values -------------------------------------------------------------------------


def _strip_prefix(value: str) -> str:
    value = value.strip()
    return value[2:].strip() if value.startswith("- ") or value == "-" else value


def values_of(raw: Any) -> list[str]:
    """A multi-valued field as a list: a JSON array, or a cell of one value a line."""
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else str(raw).splitlines()
    cleaned = (_strip_prefix(str(item)) for item in items if item is not None)
    return [" ".join(item.split()) for item in cleaned if item]


def single(raw: Any) -> str:
    """A one-valued field as text (a one-element JSON array is taken as its element)."""
    if isinstance(raw, list):
        raw = raw[0] if len(raw) == 1 else "\n".join(str(v) for v in raw)
    if raw is None:
        return ""
    if isinstance(raw, float | Decimal) and raw == int(raw):
        raw = int(raw)
    return _strip_prefix(str(raw))


def date_of(raw: Any) -> date | None:
    """A date from an Excel serial number, a spreadsheet date or an ISO 8601 text."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, int | float | Decimal):
        return EXCEL_EPOCH + timedelta(days=int(raw))
    text = single(raw)
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return EXCEL_EPOCH + timedelta(days=int(float(text)))
    return date.fromisoformat(text[:10])  # ValueError names a text that is no date


_BREAKS = re.compile(r"<\s*(br|/p|/div|/li|/h\d)\s*/?\s*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")


def plain_text(raw: Any) -> str:
    """The recommendation's text: HTML tags dropped (paragraph ends kept), entities decoded."""
    text = single(raw)
    if "<" in text:
        text = _TAGS.sub("", _BREAKS.sub("\n", text))
    text = html.unescape(text).replace("\xa0", " ")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)
