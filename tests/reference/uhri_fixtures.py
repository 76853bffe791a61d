"""UHRI exports built for the tests, to the two layouts OHCHR publishes.

The 15 genuine records (CESCR's concluding observations on Australia, E/C.12/AUS/CO/6, 2026:
7 recommendations, 8 concerns/observations) are the demo's sample, already in the JSON
export's layout. EXTRA adds made-up records, labelled by their "TEST" ids, for what the
sample lacks: a UPR recommendation (positions, session, recommending States), a special
procedure written with UHRI's double space, a treaty body by its long name with an ISO-2
country code, and a record about two States. The workbook is written here with openpyxl
(no binary in the repository), with the export's quirks: "Reccomending" in two headers,
"- " before every value, lists one value a line, dates as Excel serial numbers.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from facility.demo.seed import DEMO_DIR

SAMPLE = DEMO_DIR / "uhri_export_CESCR_AUS_2026.json"
SAMPLE_RECOMMENDATIONS = 7
SAMPLE_CONCERNS = 8

XLSX_HEADER = [
    "Text", "Countries Concerned", "Reccomending Body", "Document Symbol", "Themes",
    "Affected Persons", "Sdgs", "Document Publication Date", "UPR Reccomending States",
    "UPR Position", "Type", "OHCHR Annotation Id", "UPR Session", "Regions Concerned",
    "Recommending Regions", "Date of publication on UHRI",
]


def _record(annotation_id: str, body: str, countries: list[str], symbol: str, text: str,
            published: str, **more: Any) -> dict[str, Any]:
    return {
        "AnnotationId": annotation_id, "AnnotationType": "- Recommendations", "Body": body,
        "Countries": countries, "DocumentId": None, "PublicationDate": published,
        "PublicationDateOnUhri": published, "Regions": [], "Sdgs": more.get("sdgs", []),
        "Symbol": symbol, "Text": text, "Themes": more.get("themes", []),
        "AffectedPersons": more.get("affected", []), "UprCycle": more.get("cycle"),
        "UprPositions": more.get("positions", []),
        "UprRecommendingCountry": more.get("recommending", []),
        "UprRecommendingRegions": [], "UprSession": more.get("sessions", []),
    }


UPR_ID = "00000000-test-4000-8000-000000000001"
ALBINISM_ID = "00000000-test-4000-8000-000000000002"
CRC_ID = "00000000-test-4000-8000-000000000003"
TWO_STATES_ID = "00000000-test-4000-8000-000000000004"
EXTRA = [
    _record(UPR_ID, "- UPR", ["Australia"], "A/HRC/47/8",
            "<p>Establish a national mechanism for implementation, reporting and follow-up "
            "&amp; consult civil society.</p>", "2021-03-24",
            themes=["National Human Rights Action Plans (or specific areas) / implementation plans"],
            sdgs=["16.7 - Responsive, inclusive and representative decision-making"],
            cycle="3", positions=["- Supported"], recommending=["Denmark", "Ghana"],
            sessions=["37"]),
    _record(ALBINISM_ID, "- IE  Albinism", ["Malawi"], "A/HRC/34/59/Add.1",
            "Adopt a national action plan on persons with albinism.", "2017-01-25",
            themes=["Right to health"], affected=["Persons with albinism"],
            sdgs=["3 - GOOD HEALTH AND WELL-BEING"]),
    _record(CRC_ID, "- Committee on the Rights of the Child", ["PK"], "CRC/C/PAK/CO/5",
            "Raise the minimum age of marriage to 18 years for girls and boys.", "2016-07-11",
            themes=["Children: definition; general principles; protection"],
            affected=["Children", "Girls"], sdgs=["5.3 - Eliminate forced marriages and genital mutilation"]),
    _record(TWO_STATES_ID, "- SR Torture", ["Jordan", "Lebanon"], "A/HRC/00/TEST",
            "Ensure independent monitoring of every place of detention.", "2020-02-03",
            themes=["Prohibition of torture & cruel, inhuman or degrading treatment"]),
]
EXTRA_RECOMMENDATIONS = 5  # rows: the record about two States is one for each


def sample_records(*, html: bool = True) -> list[dict[str, Any]]:
    """The genuine sample (texts in HTML paragraphs, as the export writes them) and EXTRA."""
    records = json.loads(SAMPLE.read_text(encoding="utf-8"))
    if html:
        for record in records:
            lines = record["Text"].split("\n")
            record["Text"] = "".join(f"<p>{line}</p>" for line in lines)
    return records + json.loads(json.dumps(EXTRA))


def write_json(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def excel_serial(iso: str) -> int:
    return (date.fromisoformat(iso[:10]) - date(1899, 12, 30)).days


def _cell(values: Any) -> str | None:
    """A UHRI cell: "- " before each value, one value a line."""
    if values in (None, [], ""):
        return None
    items = values if isinstance(values, list) else [values]
    return "\n".join(v if str(v).startswith("- ") else f"- {v}" for v in map(str, items))


def xlsx_row(record: dict[str, Any]) -> list[Any]:
    return [
        record["Text"].replace("<p>", "").replace("</p>", "\n").strip(),
        _cell(record["Countries"]), _cell(record["Body"]), record["Symbol"],
        _cell(record["Themes"]), _cell(record["AffectedPersons"]), _cell(record["Sdgs"]),
        excel_serial(record["PublicationDate"]), _cell(record["UprRecommendingCountry"]),
        _cell(record["UprPositions"]), _cell(record["AnnotationType"]), record["AnnotationId"],
        _cell(record["UprSession"]), _cell(record["Regions"]), None,
        excel_serial(record["PublicationDate"]) + 0.4996,
    ]


def write_xlsx(path: Path, records: list[dict[str, Any]],
               header: list[str] | None = None) -> Path:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Export")
    sheet.append(header or XLSX_HEADER)
    for record in records:
        sheet.append(xlsx_row(record))
    workbook.save(path)
    return path
