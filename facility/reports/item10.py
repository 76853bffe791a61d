"""The item 10 report: the year's figures for the Human Rights Council, as HTML or PDF.

Everything comes from `facility.statistics.service` (aggregates) and the published success
stories; no request, account or expert is named. Charts are SVG drawn here from the same
figures as the tables beside them (`facility.reports.charts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy import func
from sqlmodel import Session, select

from facility.auth.models import Account
from facility.engagements.models import ReportKind
from facility.errors import DomainError
from facility.reports.charts import Row, bar_chart
from facility.statistics import service as stats
from facility.stories import service as stories
from facility.timeutil import today

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
THEMES_SHOWN = 12
DEMO_DOMAIN = "@demo.example.org"  # facility.demo.seed.DEMO_DOMAIN; a real deployment has none


class YearNotBegun(DomainError):
    """A report for a year that has not begun would be empty and undated: refused."""


def as_of(year: int) -> date:
    """The day a year's figures are counted at: its last day, or today while it runs."""
    return min(date(year, 12, 31), today())


@dataclass
class Item10:
    """The figures of one year, and those of follow-up as of that year's end (or today while
    it runs): reports fall due years later, and a later submission is not the year's."""

    year: int
    generated_on: date
    as_of: date
    demo: bool
    requests_by_group: list[stats.GroupRequests]
    requests_by_theme: list[stats.ThemeRequests]
    requests_by_sdg: list[stats.SdgRequests]
    funding: list[stats.GroupFunding]
    delays: list[stats.GroupDelay]
    proposals: list[stats.StatusCount]
    engagements: list[stats.StatusCount]
    engagement_budget: list[tuple[str, int]]
    compliance: list[stats.Compliance]
    implementation: list[stats.Implementation]
    updates: list[stats.GroupUpdates]
    stories: list[stories.StoryContent]

    @property
    def partial(self) -> bool:
        """The year has not ended: its figures run to `as_of` only."""
        return self.as_of < date(self.year, 12, 31)

    @property
    def requests(self) -> int:
        return sum(g.requests for g in self.requests_by_group)

    @property
    def withdrawn(self) -> int:
        return sum(g.withdrawn for g in self.requests_by_group)

    @property
    def engagements_agreed(self) -> int:
        return sum(s.count for s in self.engagements)

    @property
    def funded_requests(self) -> int:
        return sum(f.funded_requests for f in self.funding)

    @property
    def all_compliance(self) -> stats.Compliance:
        return self.compliance[-1]

    @property
    def all_updates(self) -> stats.GroupUpdates:
        return self.updates[-1]


def is_demo(session: Session) -> bool:
    """The demo seeds its accounts under one domain; its figures must say they are fictitious."""
    return bool(session.exec(select(func.count()).select_from(Account).where(
        Account.email.endswith(DEMO_DOMAIN))).one())


def collect(session: Session, *, year: int) -> Item10:
    """Every figure of the report, each in its fixed number of statements; a year that has not
    begun is refused (YearNotBegun)."""
    if year > today().year:
        raise YearNotBegun(f"year: {year} has not begun (today is {today().isoformat()}); "
                           f"a report covers the current year (partial) or a past one")
    cut_off = as_of(year)
    return Item10(
        year=year, generated_on=today(), as_of=cut_off, demo=is_demo(session),
        requests_by_group=stats.requests_by_group(session, year=year),
        requests_by_theme=stats.requests_by_theme(session, year=year),
        requests_by_sdg=stats.requests_by_sdg(session, year=year),
        funding=stats.funding_by_group(session, year=year),
        delays=stats.time_to_engagement(session, year=year),
        proposals=stats.proposals_by_status(session, year=year),
        engagements=stats.engagements_by_status(session, year=year),
        engagement_budget=stats.engagement_budget(session, year=year),
        compliance=stats.follow_up_compliance(session, as_of=cut_off),
        implementation=stats.implementation_status(session),
        updates=stats.progress_updates(session, year=year),
        stories=list(stories.story_contents(session, stories.published_in(session, year)).values()),
    )


def charts(data: Item10) -> dict[str, Markup]:
    """The report's charts as SVG markup, keyed by the section that shows them."""
    def svg(**kw) -> Markup:
        return Markup(bar_chart(**kw))  # our own markup, every text in it escaped

    by_group = svg(
        title=f"Requests submitted in {data.year}, by regional group",
        description="; ".join(f"{g.name}: {g.requests}" for g in data.requests_by_group),
        rows=[Row(g.name, [g.requests]) for g in data.requests_by_group], series=["Requests"])
    themes = data.requests_by_theme[:THEMES_SHOWN]
    by_theme = svg(
        title=f"Requests submitted in {data.year}, by theme (the {len(themes)} most requested)",
        description="; ".join(f"{t.theme}: {t.requests}" for t in themes),
        rows=[Row(t.theme, [t.requests]) for t in themes], series=["Requests"])
    funding = [f for f in data.funding if f.requested]
    funded = svg(
        title=f"Budget requested in {data.year} and funded, by regional group",
        description="; ".join(f"{f.name} ({f.currency}): {f.funded:,} of {f.requested:,} funded"
                              for f in funding),
        rows=[Row(f"{f.name} ({f.currency})", [f.funded, f.requested - f.funded],
                  note=f"{f.share:.0%} of {f.requested:,}") for f in funding],
        series=["Funded", "Not yet funded"])
    groups = [c for c in data.compliance if c.group is not None]
    compliance = svg(
        title=f"Follow-up reports on {data.as_of.isoformat()}, by regional group and status",
        description="; ".join(f"{c.name}: {c.on_time} on time, {c.late} late, {c.overdue} "
                              f"overdue, {c.due} not yet due" for c in groups),
        rows=[Row(c.name, [c.on_time, c.late, c.overdue, c.due]) for c in groups],
        series=["Submitted on time", "Submitted late", "Overdue", "Not yet due"],
        colors=["#0072B2", "#E69F00", "#D55E00", "#B0C4D8"])
    implementation = svg(
        title="Implementation status of the recommendations reported on",
        description="; ".join(f"{KIND_LABELS[i.kind]}: {i.fully_implemented} fully, "
                              f"{i.partially_implemented} partially, {i.not_started} not started"
                              for i in data.implementation),
        rows=[Row(KIND_LABELS[i.kind], [i.fully_implemented, i.partially_implemented,
                                         i.not_started]) for i in data.implementation],
        series=["Fully implemented", "Partially implemented", "Not started"],
        colors=["#009E73", "#E69F00", "#A0A0A0"])
    return {"by_group": by_group, "by_theme": by_theme, "funding": funded,
            "compliance": compliance, "implementation": implementation}


KIND_LABELS = {ReportKind.TWELVE_MONTHS: "One year after the support",
               ReportKind.TWENTY_FOUR_MONTHS: "Two years after the support"}


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["number"] = lambda v: f"{v:,}"
    env.filters["percent"] = lambda v: "—" if v is None else f"{v:.0%}"
    env.filters["days"] = lambda v: "—" if v is None else f"{v:,.0f}"
    env.filters["label"] = lambda v: str(v).replace("_", " ").capitalize()
    return env


def render_html(data: Item10) -> str:
    template = _environment().get_template("reports/item10.html")
    return template.render(data=data, charts=charts(data), kind_labels=KIND_LABELS)


def render_pdf(html: str) -> bytes:
    """The same document, paginated by WeasyPrint (A4, page numbers from the print CSS)."""
    from weasyprint import HTML  # imported here: pango is only needed for PDFs

    return HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
