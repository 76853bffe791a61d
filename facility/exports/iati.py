"""The IATI 2.03 activity file: published offers and engagements as IATI activities.

Shape (docs/publishing.md explains every mapping and what is deliberately left out):
- each published or closed offer is a parent activity (hierarchy 1), `<org-id>-OFFER-<id>`;
- each engagement is a child activity (hierarchy 2) of its offer, `<org-id>-ENGAGEMENT-<id>`,
  whose recipient country is the requesting State;
- the facility (settings `iati_organisation_*`) reports every activity; the partner is the
  funding organisation, and the implementing one when it deploys experts or trains itself.
Money is written only as the data records it: an offer's published budget is an indicative
budget and an outgoing pledge; an engagement's committed budget is a committed budget and an
outgoing commitment on the day the engagement was created (a budget over more than a year is
spread over yearly periods, see `budget_periods`). The facility records no payments, so no
disbursement is written. Beyond the schema, the file is checked against IATI's Standard
Ruleset by iati_rules.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from functools import cache, partial
from pathlib import Path

from lxml import etree
from sqlmodel import Session

from facility.auth.models import PartnerKind
from facility.config import Settings
from facility.engagements.models import EngagementStatus
from facility.errors import ValidationFailed
from facility.exports.iati_data import EngagementFacts, OfferFacts, gather, sectors_for
from facility.offers.models import OfferKind, OfferStatus
from facility.timeutil import add_months, today, utc_iso, utcnow

IATI_VERSION = "2.03"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# An IATI organisation identifier: a registration agency prefix (two letters, a hyphen, the
# agency's code) then the organisation's number in that register, e.g. XM-DAC-41313.
ORG_ID = re.compile(r"[A-Z]{2}-[A-Za-z0-9]+-[A-Za-z0-9._-]+")

# IATI codelists (2.03) ------------------------------------------------------------------------
PIPELINE, IMPLEMENTATION, FINALISATION, CLOSED = "1", "2", "3", "4"  # ActivityStatus
FUNDING, ACCOUNTABLE, IMPLEMENTING = "1", "2", "4"  # OrganisationRole
GOVERNMENT, MULTILATERAL, OTHER = "10", "40", "90"  # OrganisationType
PLANNED_START, ACTUAL_START, PLANNED_END, ACTUAL_END = "1", "2", "3", "4"  # ActivityDateType
OUTGOING_COMMITMENT, OUTGOING_PLEDGE = "2", "12"  # TransactionType
INDICATIVE, COMMITTED = "1", "2"  # BudgetStatus
PARENT, CHILD = "1", "2"  # RelatedActivityType
SDG_GOAL_VOCABULARY = "2"  # TagVocabulary
OUTPUT, OUTCOME = "1", "2"  # ResultType
UNIT, PERCENTAGE, QUALITATIVE = "1", "2", "5"  # IndicatorMeasure
OTHER_TECHNICAL_ASSISTANCE = "D02"  # AidType (vocabulary 1, OECD DAC)

PARTNER_TYPE = {
    PartnerKind.DONOR_AGENCY: GOVERNMENT, PartnerKind.STATE: GOVERNMENT,
    PartnerKind.OHCHR: MULTILATERAL, PartnerKind.OHCHR_FUND: MULTILATERAL,
    PartnerKind.UN_AGENCY: MULTILATERAL,
    PartnerKind.REGIONAL_ORGANISATION: MULTILATERAL, PartnerKind.OTHER: OTHER,
}
# Offers through which the partner itself delivers (deploys experts, trains, hosts peers).
DELIVERED_BY_PARTNER = {OfferKind.EXPERT_DEPLOYMENT, OfferKind.TRAINING_PROGRAMME,
                        OfferKind.PEER_EXCHANGE}
# OHCHR's indicator framework (HR/PUB/12/5): structural and process indicators record what was
# put in place (outputs); outcome indicators the change in the enjoyment of rights.
RESULT_TYPE = {"STRUCTURAL": OUTPUT, "PROCESS": OUTPUT, "OUTCOME": OUTCOME}
RESULT_TITLE = {"STRUCTURAL": "Structural indicators", "PROCESS": "Process indicators",
                "OUTCOME": "Outcome indicators"}
PERCENT_UNITS = {"%", "percent", "per cent", "percentage"}


@dataclass(frozen=True)
class Reporter:
    """The reporting organisation."""

    identifier: str
    name: str
    type: str


@dataclass(frozen=True)
class Summary:
    offers: int
    engagements: int


@dataclass(frozen=True)
class Skipped:
    """A record left out of the file, and why: one bad record must not stop the publication of
    everyone else's."""

    identifier: str
    problem: str

    def __str__(self) -> str:
        return f"{self.identifier}: {self.problem}"


@dataclass(frozen=True)
class Export:
    document: etree._ElementTree
    skipped: list[Skipped]


def reporter_from(settings: Settings, identifier: str | None = None) -> Reporter:
    """The reporting organisation from the settings (an explicit identifier wins)."""
    identifier = (identifier or settings.iati_organisation_id or "").strip()
    if not identifier:
        raise ValidationFailed.single(
            "iati_organisation_id", "required",
            "iati_organisation_id: set FACILITY_IATI_ORGANISATION_ID (or pass --organisation-id) "
            "to the reporting organisation's IATI identifier, e.g. XM-DAC-41313")
    if not ORG_ID.fullmatch(identifier):
        raise ValidationFailed.single(
            "iati_organisation_id", "format",
            f"iati_organisation_id: {identifier!r} is not an IATI organisation identifier "
            "(agency prefix and number, letters, digits, '.', '_' or '-', e.g. XM-DAC-41313)")
    return Reporter(identifier=identifier, name=settings.iati_organisation_name,
                    type=settings.iati_organisation_type)


# Building blocks ----------------------------------------------------------------------------

# Characters XML 1.0 cannot carry (C0 controls other than tab and newlines, surrogates...):
# free text typed by users may hold them, and lxml refuses them outright.
NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, tag, {k.replace("_", "-"): NOT_XML.sub("", v)
                                             for k, v in attributes.items()})
    if text is not None:
        element.text = NOT_XML.sub("", text)
    return element


def _narrative(parent: etree._Element, tag: str, text: str, **attributes: str) -> etree._Element:
    element = _sub(parent, tag, **attributes)
    _sub(element, "narrative", text)
    return element


def _percentages(count: int) -> list[str]:
    """`count` shares summing to exactly 100 (the first takes the rounding remainder).

    The facility records no split of an activity between sectors, so each sector gets an equal
    share: IATI asks for percentages summing to 100 when several sectors share a vocabulary."""
    share = (Decimal(100) / count).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    first = Decimal(100) - share * (count - 1)
    return [str(first)] + [str(share)] * (count - 1)


def _sectors(activity: etree._Element, themes: list[str]) -> None:
    sectors = sectors_for(themes)
    for (code, name), percentage in zip(sectors, _percentages(len(sectors)), strict=True):
        _narrative(activity, "sector", name, vocabulary="1", code=code,
                   **({"percentage": percentage} if len(sectors) > 1 else {}))


def _org(parent: etree._Element, role: str, name: str, type_: str, ref: str | None = None) -> None:
    attributes = {"role": role, "type": type_}
    if ref:
        attributes["ref"] = ref
    _narrative(parent, "participating-org", name, **attributes)


def budget_periods(start: date, end: date, amount: int) -> list[tuple[date, date, int]]:
    """`amount` over `start`..`end` as consecutive budget periods of at most a year.

    IATI's Standard Ruleset (time_limit) refuses a budget period over a year, and IATI asks
    for a budget per year of the activity. The facility records one amount for the whole
    window, so it is spread over periods running from the start's anniversaries, in proportion
    to their days (rounded to whole units, the amounts summing to `amount` exactly).
    A window that ends before it starts stays one period, for the checker to refuse."""
    if end < start:
        return [(start, end, amount)]
    bounds: list[tuple[date, date]] = []
    while (period_start := add_months(start, 12 * len(bounds))) <= end:
        bounds.append((period_start, min(add_months(start, 12 * (len(bounds) + 1)) - timedelta(days=1), end)))
    total_days = (end - start).days + 1
    periods, given, days = [], 0, 0
    for period_start, period_end in bounds:
        days += (period_end - period_start).days + 1
        cumulative = (amount * days * 2 + total_days) // (total_days * 2)  # rounded half up
        periods.append((period_start, period_end, cumulative - given))
        given = cumulative
    return periods


def _budget(activity: etree._Element, status: str, start: date, end: date, amount: int) -> None:
    for period_start, period_end, share in budget_periods(start, end, amount):
        budget = _sub(activity, "budget", type="1", status=status)
        _sub(budget, "period-start", iso_date=period_start.isoformat())
        _sub(budget, "period-end", iso_date=period_end.isoformat())
        _sub(budget, "value", str(share), value_date=period_start.isoformat())


def _transaction(activity: etree._Element, kind: str, day: date, amount: int, description: str,
                 provider: str, provider_type: str) -> None:
    transaction = _sub(activity, "transaction")
    _sub(transaction, "transaction-type", code=kind)
    _sub(transaction, "transaction-date", iso_date=day.isoformat())
    _sub(transaction, "value", str(amount), value_date=day.isoformat())
    _narrative(transaction, "description", description)
    _narrative(transaction, "provider-org", provider, type=provider_type)


def _identifier(reporter: Reporter, kind: str, pk: int) -> str:
    return f"{reporter.identifier}-{kind}-{pk}"


def _head(root: etree._Element, reporter: Reporter, identifier: str, *, currency: str,
          updated: datetime, hierarchy: str) -> etree._Element:
    activity = _sub(root, "iati-activity", default_currency=currency,
                    last_updated_datetime=utc_iso(updated), hierarchy=hierarchy)
    activity.set(XML_LANG, "en")
    _sub(activity, "iati-identifier", identifier)
    _narrative(activity, "reporting-org", reporter.name, ref=reporter.identifier, type=reporter.type)
    return activity


# Status -------------------------------------------------------------------------------------

def offer_status(facts: OfferFacts, engagement_statuses: list[str], on: date) -> str:
    """Pipeline before its window, implementation during it, finalisation after it (or once
    closed, while an engagement it funds is still open), closed when closed and all done."""
    offer = facts.offer
    if offer.status == OfferStatus.CLOSED:
        return FINALISATION if any(s in (PIPELINE, IMPLEMENTATION) for s in engagement_statuses) else CLOSED
    if on < offer.window_start:
        return PIPELINE
    return IMPLEMENTATION if on <= offer.window_end else FINALISATION


def engagement_status(facts: EngagementFacts) -> str:
    """Scheduled: pipeline; in progress: implementation; completed: finalisation until both
    follow-up reports (12 and 24 months) are submitted, closed after."""
    status = facts.engagement.status
    if status == EngagementStatus.SCHEDULED:
        return PIPELINE
    if status == EngagementStatus.IN_PROGRESS:
        return IMPLEMENTATION
    return CLOSED if len(facts.reports) == 2 else FINALISATION


# Results ------------------------------------------------------------------------------------

def _number(value: str) -> bool:
    try:
        Decimal(value)
    except ArithmeticError:
        return False
    return True


Periods = list[tuple[date, date, dict]]


def _indicator_series(facts: EngagementFacts) -> dict[str, dict[tuple[str, str], Periods]]:
    """Indicators by type, then by (name, unit), with one period per submitted report: from the
    engagement's start to the first report's due date, then on to the second's."""
    series: dict[str, dict[tuple[str, str], Periods]] = {}
    period_start = facts.engagement.start
    for report in facts.reports:
        for item in report.indicators:
            key = (item["name"], item.get("unit", ""))
            series.setdefault(item["type"], {}).setdefault(key, []).append(
                (period_start, report.due_date, item))
        period_start = report.due_date + timedelta(days=1)
    return series


def _value(parent: etree._Element, tag: str, value: str, numeric: bool, **attributes: str) -> None:
    if numeric:
        _sub(parent, tag, value=value, **attributes)
    else:  # IATI: a qualitative measure carries its value as a comment, not @value
        element = _sub(parent, tag, **attributes)
        _narrative(element, "comment", value)


def _results(activity: etree._Element, facts: EngagementFacts) -> None:
    for kind, indicators in _indicator_series(facts).items():
        result = _sub(activity, "result", type=RESULT_TYPE[kind], aggregation_status="0")
        _narrative(result, "title", f"{RESULT_TITLE[kind]} (OHCHR framework, follow-up reports)")
        for (name, unit), periods in indicators.items():
            values = [p[2].get(k, "") for p in periods for k in ("baseline", "target", "current")]
            numeric = all(_number(v) for v in values if v) and any(values)
            measure = (PERCENTAGE if unit.lower() in PERCENT_UNITS else UNIT) if numeric else QUALITATIVE
            indicator = _sub(result, "indicator", measure=measure)
            _narrative(indicator, "title", f"{name} ({unit})" if unit else name)
            baseline = periods[0][2].get("baseline", "")
            if baseline:
                # The reports give no date for the baseline: it is the situation the support
                # started from, hence the engagement's start year.
                _value(indicator, "baseline", baseline, numeric, year=str(facts.engagement.start.year))
            for start, end, item in periods:
                period = _sub(indicator, "period")
                _sub(period, "period-start", iso_date=start.isoformat())
                _sub(period, "period-end", iso_date=end.isoformat())
                if item.get("target"):
                    _value(period, "target", item["target"], numeric)
                if item.get("current"):
                    _value(period, "actual", item["current"], numeric)


# Activities ---------------------------------------------------------------------------------

def _offer_activity(root: etree._Element, reporter: Reporter, facts: OfferFacts, *,
                    child_statuses: list[str], children: list[int], on: date) -> None:
    offer, partner = facts.offer, facts.partner
    activity = _head(root, reporter, _identifier(reporter, "OFFER", offer.id),  # type: ignore[arg-type]
                     currency=offer.currency, updated=offer.updated_at, hierarchy="1")
    _narrative(activity, "title", offer.title)
    description = offer.description.strip() or (
        f"{partner.name} offers {offer.kind.replace('_', ' ').lower()} through the Human Rights "
        "Recommendations Implementation Facility to States implementing the recommendations "
        "of the UN human-rights mechanisms.")
    _narrative(activity, "description", description, type="1")
    partner_type = PARTNER_TYPE[partner.kind]
    _org(activity, FUNDING, partner.name, partner_type)
    _org(activity, ACCOUNTABLE, reporter.name, reporter.type, reporter.identifier)
    if offer.kind in DELIVERED_BY_PARTNER:
        _org(activity, IMPLEMENTING, partner.name, partner_type)
    _sub(activity, "activity-status", code=offer_status(facts, child_statuses, on))
    _sub(activity, "activity-date", type=PLANNED_START, iso_date=offer.window_start.isoformat())
    _sub(activity, "activity-date", type=PLANNED_END, iso_date=offer.window_end.isoformat())
    _sectors(activity, facts.themes)
    if offer.kind in DELIVERED_BY_PARTNER:
        _sub(activity, "default-aid-type", code=OTHER_TECHNICAL_ASSISTANCE, vocabulary="1")
    _budget(activity, INDICATIVE, offer.window_start, offer.window_end, offer.budget)
    if offer.published_at is not None:
        _transaction(activity, OUTGOING_PLEDGE, offer.published_at.date(), offer.budget,
                     "Budget of the offer as published on the facility (indicative)",
                     partner.name, partner_type)
    for engagement_id in children:
        _sub(activity, "related-activity", type=CHILD,
             ref=_identifier(reporter, "ENGAGEMENT", engagement_id))


def _engagement_activity(root: etree._Element, reporter: Reporter, offer: OfferFacts,
                         facts: EngagementFacts, status: str) -> None:
    engagement, state, partner = facts.engagement, facts.state, offer.partner
    activity = _head(root, reporter, _identifier(reporter, "ENGAGEMENT", engagement.id),  # type: ignore[arg-type]
                     currency=engagement.currency, updated=max(_aware(t) for t in facts.changed_at),
                     hierarchy="2")
    _narrative(activity, "title", facts.request_title)
    _narrative(activity, "description",
               f"Support to {state.name}, requested through the Human Rights Recommendations "
               f"Implementation Facility and delivered under {partner.name}'s offer "
               f"\u201c{offer.offer.title}\u201d.", type="1")
    if facts.recommendations:
        listed = "; ".join(f"{r.source_id}: {r.text}" for r in facts.recommendations)
        _narrative(activity, "description",
                   f"Recommendations whose implementation this supports: {listed}", type="2")
    partner_type = PARTNER_TYPE[partner.kind]
    _org(activity, FUNDING, partner.name, partner_type)
    _org(activity, ACCOUNTABLE, reporter.name, reporter.type, reporter.identifier)
    if offer.offer.kind in DELIVERED_BY_PARTNER:
        _org(activity, IMPLEMENTING, partner.name, partner_type)
    # The State implements the recommendations it asked support for (State ownership).
    _org(activity, IMPLEMENTING, f"Government of {state.name}", GOVERNMENT)
    _sub(activity, "activity-status", code=status)
    _sub(activity, "activity-date", type=PLANNED_START, iso_date=engagement.start.isoformat())
    if facts.started_on:
        _sub(activity, "activity-date", type=ACTUAL_START, iso_date=facts.started_on.isoformat())
    _sub(activity, "activity-date", type=PLANNED_END, iso_date=engagement.end.isoformat())
    if facts.completed_on:
        _sub(activity, "activity-date", type=ACTUAL_END, iso_date=facts.completed_on.isoformat())
    _narrative(activity, "recipient-country", state.name, code=state.iso2, percentage="100")
    _sectors(activity, facts.themes)
    for number, title in facts.sdg_goals:
        _narrative(activity, "tag", title or f"Goal {number}", vocabulary=SDG_GOAL_VOCABULARY,
                   code=str(number))
    if offer.offer.kind in DELIVERED_BY_PARTNER:
        _sub(activity, "default-aid-type", code=OTHER_TECHNICAL_ASSISTANCE, vocabulary="1")
    _budget(activity, COMMITTED, engagement.start, engagement.end, engagement.budget)
    _transaction(activity, OUTGOING_COMMITMENT, _aware(engagement.created_at).date(), engagement.budget,
                 "Budget committed when the State and the partner confirmed the match",
                 partner.name, partner_type)
    _sub(activity, "related-activity", type=PARENT,
         ref=_identifier(reporter, "OFFER", offer.offer.id))  # type: ignore[arg-type]
    _results(activity, facts)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# What a record the checks on input let through can still do to the building of its activity
# (a date whose year-long budget periods run past year 9999, a value no codelist maps): the
# record is left out and reported, the others are published. Anything else is a bug and raises.
BAD_RECORD = (ValueError, ArithmeticError, KeyError)


def _built(build: Callable[[etree._Element], None]) -> etree._Element | str:
    """The activity `build` makes, or what was wrong with its record."""
    scratch = etree.Element("scratch")
    try:
        build(scratch)
    except BAD_RECORD as error:
        return f"{type(error).__name__}: {error}"
    return scratch[0]


def build(session: Session, *, reporter: Reporter, generated_at: datetime | None = None) -> Export:
    """The whole `iati-activities` document, and the records it had to leave out. An offer left
    out takes its engagements with it (a child activity needs its parent); an engagement left
    out is not listed among its offer's children."""
    on = today()
    root = etree.Element("iati-activities", version=IATI_VERSION,
                         **{"generated-datetime": utc_iso(generated_at or utcnow())})
    skipped: list[Skipped] = []
    for offer in gather(session):
        offer_ref = _identifier(reporter, "OFFER", offer.offer.id)  # type: ignore[arg-type]
        statuses = [engagement_status(e) for e in offer.engagements]
        children: dict[int, etree._Element] = {}
        for engagement, status in zip(offer.engagements, statuses, strict=True):
            child_id: int = engagement.engagement.id  # type: ignore[assignment]
            made = _built(partial(_engagement_activity, reporter=reporter, offer=offer,
                                  facts=engagement, status=status))
            if isinstance(made, str):
                skipped.append(Skipped(_identifier(reporter, "ENGAGEMENT", child_id), made))
            else:
                children[child_id] = made
        parent = _built(partial(_offer_activity, reporter=reporter, facts=offer,
                                child_statuses=statuses, children=list(children), on=on))
        if isinstance(parent, str):
            skipped.append(Skipped(offer_ref, parent))
            skipped.extend(Skipped(_identifier(reporter, "ENGAGEMENT", child_id),
                                   f"its offer {offer_ref} was left out") for child_id in children)
            continue
        root.append(parent)
        root.extend(children.values())
    return Export(etree.ElementTree(root), skipped)


def serialise(document: etree._ElementTree) -> bytes:
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def summary_of(document: etree._ElementTree) -> Summary:
    hierarchy = [a.get("hierarchy") for a in document.getroot()]
    return Summary(offers=hierarchy.count("1"), engagements=hierarchy.count("2"))


# Validation against the official schema ----------------------------------------------------

@cache
def _schema(schema_dir: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(schema_dir / "iati-activities-schema.xsd")))


def schema_errors(xml: bytes, schema_dir: Path) -> list[str]:
    """Every violation of the IATI activity schema in `schema_dir`, as "line N: message"."""
    schema = _schema(schema_dir.resolve())
    try:
        document = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        return [f"line {error.lineno}: {error.msg}"]
    if schema.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
