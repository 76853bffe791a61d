"""The item 10 report generated from the hand-built data set: its figures read back from the
HTML, its charts drawn as SVG, its PDF a real document with the same text."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pypdf
import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from facility.cli import app
from facility.config import get_settings
from facility.db import make_engine
from facility.reports.item10 import collect, render_html, render_pdf
from facility.timeutil import today_is
from tests.statistics.dataset import EXPECTED, TODAY, YEAR, build


class Figures(HTMLParser):
    """Every element marked data-figure, with its text; and the SVG charts' titles."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, str] = {}
        self.chart_titles: list[str] = []
        self.rects = 0
        self.scripts = 0
        self._open: list[str | None] = []
        self._stack: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self._open.append(attributes.get("data-figure"))
        if attributes.get("data-figure"):
            self.figures[attributes["data-figure"]] = ""
        self.rects += tag == "rect"
        self.scripts += tag == "script"
        self._in_title = tag == "title" and "svg" in self._stack
        self._stack.append(tag)

    def handle_endtag(self, tag):
        self._open.pop()
        self._stack.pop()
        self._in_title = False

    def handle_data(self, data):
        for key in filter(None, self._open):
            self.figures[key] += data.strip()
        if self._in_title:
            self.chart_titles.append(data)


def _parse(html: str) -> Figures:
    parser = Figures()
    parser.feed(html)
    return parser


@pytest.fixture
def report(db_session: Session):
    build(db_session)
    with today_is(TODAY):
        data = collect(db_session, year=YEAR)
    return render_html(data)


def test_the_html_shows_the_figures_of_the_data_set(report):
    html = report
    f = _parse(html).figures
    for group, (requests, withdrawn) in EXPECTED["requests_by_group_year"].items():
        assert (f[f"requests.{group}"], f[f"withdrawn.{group}"]) == (str(requests), str(withdrawn))
    assert f["requests.total"] == "4" and f["withdrawn.total"] == "1"
    for theme, n in EXPECTED["requests_by_theme_year"]:
        assert f[f"theme.{theme}"] == str(n)
    assert f["sdg.16"] == "2" and f["sdg.5"] == "1" and "sdg.10" not in f  # R3 is from 2025
    assert (f["requested.AFRICAN.USD"], f["funded.AFRICAN.USD"], f["share.AFRICAN.USD"]) == (
        "200,000", "150,000", "75%")
    assert (f["requested.APG.USD"], f["share.APG.USD"]) == ("40,000", "0%")
    assert f["requests.funded"] == "2"
    assert (f["proposals.APPROVED"], f["proposals.REJECTED"], f["proposals.CONFIRMED"]) == (
        "1", "1", "1")
    assert (f["engagements.total"], f["engagements.COMPLETED"], f["budget.USD"]) == (
        "1", "1", "100,000")
    assert (f["delay.AFRICAN"], f["delay.GRULAC"], f["delay.all"], f["delay.median"]) == (
        "60", "—", "60", "60")
    # Follow-up as it stood at the year's end (31 December 2027), not at generation (June 2028):
    # E1's 12-month report, submitted late in May 2028, was not yet due then; E3's 24-month
    # report (due March 2028) was not yet overdue.
    as_of_year_end = {"AFRICAN": (2, 0, 0, 0), "GRULAC": (1, 0, 1, 0), None: (3, 0, 1, 0)}
    for group, values in as_of_year_end.items():
        key = group or "all"
        got = tuple(int(f[f"compliance.{key}.{s}"]) for s in ("due", "overdue", "on_time", "late"))
        assert got == values, group
    assert f["compliance.on_time"] == "1"
    reports, not_started, partially, fully = EXPECTED["implementation_status"]["TWELVE_MONTHS"]
    assert (f["implementation.TWELVE_MONTHS.reports"], f["implementation.TWELVE_MONTHS.fully"],
            f["implementation.TWELVE_MONTHS.partially"],
            f["implementation.TWELVE_MONTHS.not_started"]) == tuple(
        map(str, (reports, fully, partially, not_started)))
    assert f["stories.total"] == "1"
    # The dialogue platform: updates published in the year, drafts and other years left out.
    for group, values in EXPECTED["progress_updates_year"].items():
        key = group or "all"
        got = tuple(int(f[f"updates.{key}{suffix}"]) for suffix in (
            "", ".states", ".fully", ".partially", ".not_started", ".barriers", ".support"))
        assert got == values, group
    assert "Court backlog" not in html and "Draft barrier" not in html  # counts, not texts


def test_charts_are_svg_drawn_from_the_figures_and_stories_need_consent(report):
    html = report
    parsed = _parse(html)
    assert parsed.scripts == 0
    assert html.count("<svg") == 5
    assert parsed.chart_titles[:2] == [f"Requests submitted in {YEAR}, by regional group",
                                       f"Requests submitted in {YEAR}, by theme (the 3 most requested)"]
    assert parsed.rects >= 4 + 3 + 2  # bars for the groups, themes and funding with requests
    # The AFRICAN bar (3 requests) is the longest; APG's (1) a third of it.
    widths = [float(w) for w in re.findall(r'<rect x="230.0" y="\d+" width="([\d.]+)"', html)[:5]]
    assert widths[0] == pytest.approx(3 * widths[1], abs=0.2)
    assert "A national human rights institution accredited (test data)" in html
    assert "Unconsented proposal" not in html
    assert "A/HRC/43/37" in html and "Methods note" in html
    assert "@example.org" not in html and "Statistics staff" not in html
    assert "Demonstration data" not in html  # not the demo database


def test_the_pdf_is_a_document_with_the_report_text(report):
    html = report
    pdf = render_pdf(html)
    assert pdf.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 3
    text = " ".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    assert "agenda item 10" in flat and "A/HRC/43/37" in flat
    assert "African Group" in flat and "200,000" in flat and "75%" in flat
    assert "Submitted on time" in flat and "Not yet funded" in flat  # chart legends: drawn SVG
    assert "page 1 of" in flat


def test_the_command_writes_html_and_pdf(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'report.db'}"
    monkeypatch.setenv("FACILITY_DATABASE_URL", url)
    get_settings.cache_clear()
    runner = CliRunner()
    clock = today_is(TODAY)  # the data set's year has ended by then
    clock.__enter__()
    try:
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        engine = make_engine(url)
        with Session(engine) as session:
            build(session)
            session.commit()
        out = tmp_path / "item10.html"
        result = runner.invoke(app, ["report", "item10", "--year", str(YEAR), "--format", "html",
                                     "--output", str(out)])
        assert result.exit_code == 0, result.output
        assert "4 requests, 1 success story" in result.output
        assert _parse(out.read_text(encoding="utf-8")).figures["requests.AFRICAN"] == "3"
        pdf = tmp_path / "item10.pdf"
        result = runner.invoke(app, ["report", "item10", "--year", str(YEAR), "--format", "pdf",
                                     "--output", str(pdf)])
        assert result.exit_code == 0, result.output
        assert pdf.read_bytes().startswith(b"%PDF-")
        bad = runner.invoke(app, ["report", "item10", "--year", "1999", "--output", str(out)])
        assert bad.exit_code == 2 and "2000" in bad.output  # the range is named
        missing = runner.invoke(app, ["report", "item10", "--year", str(YEAR), "--output",
                                      str(tmp_path / "nowhere" / "x.html")])
        assert missing.exit_code == 1 and "does not exist" in missing.output
    finally:
        clock.__exit__(None, None, None)
        get_settings.cache_clear()


def test_story_contents_cost_six_statements_for_any_number_of_stories(db_session: Session):
    from facility.stories.service import story_contents
    from tests.api.test_query_cost import counted

    data = build(db_session)
    db_session.flush()
    with counted(db_session) as one:
        story_contents(db_session, [data.published_story])
    with counted(db_session) as two:
        contents = story_contents(db_session, [data.published_story, data.proposed_story])
    assert len(one) == len(two) == 6, two
    published = contents[data.published_story.id]
    assert (published.state.code, published.experts_deployed) == ("BRA", 0)
    assert [r.status for r in published.recommendations] == ["FULLY_IMPLEMENTED"]
    assert contents[data.proposed_story.id].narrative is None  # no part chosen: summary only
