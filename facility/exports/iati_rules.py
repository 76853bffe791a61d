"""IATI's Standard Ruleset (2.03), checked on the facility's activity file.

The XSD (`iati.schema_errors`) checks structure and types only. IATI's Standard Ruleset, which
the IATI Validator and the IATI Dashboard run on published data, adds rules a schema cannot
express. This module is the facility's own checker of the rules that bear on what the export
writes. Each rule carries the name IATI gives it (IATI/IATI-Rulesets, rulesets/standard.json for
2.03, its SPEC, and IATI-Extra-Documentation's en/rulesets/standard-ruleset.rst), so a breach
reads as the Validator would report it: `<iati-identifier>: <rule>: <what is wrong>`.

Checked, per activity unless said otherwise:
- only_one: iati-identifier, reporting-org, title and activity-status are each present once.
- unique (file): no two activities share an iati-identifier.
- startswith: iati-identifier starts with reporting-org/@ref.
- regex_matches: reporting-org/@ref, iati-identifier, participating-org/@ref and the
  transactions' provider-org/@ref and receiver-org/@ref hold none of / & | ?
- atleast_one: a planned or actual start date (activity-date type 1 or 2); a sector at activity
  or transaction level; every participating-org, provider-org and receiver-org has @ref or a
  narrative.
- only_one_of: sector at activity level excludes transaction/sector; recipient-country or
  recipient-region at activity level exclude them on transactions.
- one_or_all: @xml:lang, or a language on every narrative; @default-currency, or @currency on
  every value; an activity-level sector, or a sector on every transaction.
- date_now: @last-updated-datetime is not in the future.
- date_order: planned start <= planned end, actual start <= actual end, actual start and end
  not in the future; transaction-date and value/@value-date of a transaction not in the future;
  budget period-start <= period-end; result/indicator/period period-start <= period-end.
- time_limit: a budget period is not over a year.
- sum: recipient-country and recipient-region percentages sum to 100.
- strict_sum (with the ruleset's loop over vocabularies): the sector percentages of each
  vocabulary sum to 100.
- range: those percentages are numbers of at least 0.
- codelist (the Validator's codelist check; not part of standard.json): codes are in the
  codelists the facility carries (facility/exports/iati_codelists/: ActivityStatus,
  OrganisationRole, OrganisationType, TransactionType, SectorVocabulary, Sector for vocabulary 1,
  AidTypeVocabulary, AidType for vocabulary 1), in ISO 3166-1 (recipient-country), ISO 4217
  (currencies), ISO 639-1 (languages), and SDG goals 1-17 (tag vocabulary 2).

Not checked, because the export never writes the elements they are about: planned-disbursement
(date_order), crs-add/loan-terms rates (no_percent), crs-add/loan-status and fss currencies
(if_then), sector vocabularies 98/99 (if_then: a narrative), capital-spend (range),
policy-marker (atleast_one), other-identifier/owner-org (atleast_one), and every rule of
organisation files (iati-organisation, total-budget, recipient-country-budget,
recipient-org-budget, total-expenditure; between_dates). Codes of vocabularies other than the
ones listed (BudgetType, BudgetStatus, ActivityDateType, DescriptionType, RelatedActivityType,
ResultType, IndicatorMeasure, TagVocabulary) are not in a codelist the facility carries; the
export writes them from constants in iati.py.
Not machine-checkable, so not checked: reporting-org/@ref's agency prefix being in IATI's
organisation-registration-agency list and matching the IATI Registry's record, and identifiers
being unique across the whole Registry and never changed (the facility builds them from
database ids, which never change).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

import pycountry
from lxml import etree

from facility.timeutil import add_months, as_utc, utcnow

CODELISTS = Path(__file__).resolve().parent / "iati_codelists"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NO_IDENTIFIER = "(activity without iati-identifier)"
# regex_matches: IATI's pattern is [^\/\&\|\?]+, i.e. an identifier holds none of these.
FORBIDDEN_IN_IDENTIFIERS = re.compile(r"[^/&|?]+")
SDG_GOALS = frozenset(str(n) for n in range(1, 18))  # TagVocabulary 2: the 17 goals


@dataclass(frozen=True)
class Breach:
    """One activity breaking one rule."""

    activity: str  # its iati-identifier
    rule: str  # the ruleset's name for the rule
    message: str  # what is wrong, naming the element or attribute

    def __str__(self) -> str:
        return f"{self.activity}: {self.rule}: {self.message}"


@cache
def codelist(name: str) -> frozenset[str]:
    """The active codes of one IATI codelist the facility carries."""
    with (CODELISTS / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return frozenset(row["code"] for row in csv.DictReader(handle) if row["status"] == "active")


Finding = tuple[str, str]  # (rule, message)
Rule = Callable[[etree._Element, datetime], Iterator[Finding]]


# Helpers ------------------------------------------------------------------------------------

def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None  # a malformed date is the schema's to report (xsd:date)


def _first(element: etree._Element, path: str) -> str | None:
    found = element.xpath(path)
    return str(found[0]) if found else None


def _order(earlier: str, less: str | None, later: str, more: str | None) -> Iterator[Finding]:
    """date_order: `less` must not be after `more`; ignored when either is missing."""
    first, second = _date(less), _date(more)
    if first and second and first > second:
        yield "date_order", f"{earlier} {less} is after {later} {more}"


def _not_future(what: str, value: str | None, now: datetime) -> Iterator[Finding]:
    day = _date(value)
    if day and day > now.date():
        yield "date_order", f"{what} {value} is in the future"


def _percentage(value: str) -> Decimal | None:
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _shares_sum_to_100(elements: list[etree._Element]) -> str | None:
    """What is wrong with the percentages of elements that share one 100%, if anything.

    A single element may leave its percentage out (IATI reads it as 100%); several must each
    carry one, and the percentages must add up to exactly 100."""
    if not elements or (len(elements) == 1 and elements[0].get("percentage") is None):
        return None
    values = [_percentage(e.get("percentage", "")) for e in elements]
    if any(v is None for v in values):
        return "each must carry a percentage when there are several"
    total = sum(values, Decimal(0))
    return None if total == 100 else f"the percentages sum to {total}, not 100"


# Rules --------------------------------------------------------------------------------------

def only_one(activity: etree._Element, now: datetime) -> Iterator[Finding]:
    # "... must be present only once."
    for path in ("iati-identifier", "reporting-org", "title", "activity-status"):
        count = len(activity.findall(path))
        if count != 1:
            yield "only_one", f"{path} is present {count} times; it must be present once"


def startswith(activity: etree._Element, now: datetime) -> Iterator[Finding]:
    # The iati-identifier MUST be prefixed with the reporting organisation's identifier.
    identifier, ref = activity.findtext("iati-identifier"), _first(activity, "reporting-org/@ref")
    if identifier is not None and ref is not None and not identifier.strip().startswith(ref):
        yield "startswith", f"iati-identifier {identifier.strip()!r} does not start with " \
                            f"reporting-org/@ref {ref!r}"


def regex_matches(activity: etree._Element, now: datetime) -> Iterator[Finding]:
    # Identifiers must match [^\/\&\|\?]+: they are used in URLs and file names.
    for path in ("reporting-org/@ref", "iati-identifier/text()", "participating-org/@ref",
                 "transaction/provider-org/@ref", "transaction/receiver-org/@ref"):
        for value in activity.xpath(path):
            if not FORBIDDEN_IN_IDENTIFIERS.fullmatch(str(value).strip()):
                yield "regex_matches", f"{path.removesuffix('/text()')} {str(value)!r} is empty or " \
                                       "holds one of / & | ?"


def atleast_one(activity: etree._Element, now: datetime) -> Iterator[Finding]:
    # An activity has a planned or an actual start date.
    if not activity.xpath("activity-date[@type='1' or @type='2']"):
        yield "atleast_one", "activity-date of type 1 (planned start) or 2 (actual start) is missing"
    # An activity has a sector, at activity or at transaction level.
    if not activity.xpath("sector | transaction/sector"):
        yield "atleast_one", "sector is missing (at activity level or on transactions)"
    # An organisation is named by its identifier or by a narrative. (The ruleset states the
    # provider/receiver cases on the activity; IATI's meaning is each organisation given.)
    for path in ("participating-org", "transaction/provider-org", "transaction/receiver-org"):
        for organisation in activity.xpath(path):
            if not organisation.get("ref") and not organisation.xpath("narrative[normalize-space()]"):
                yield "atleast_one", f"{path} has neither @ref nor a narrative"


def only_one_of(activity: etree._Element, now: datetime) -> Iterator[Finding]:
    # Sectors, and recipient countries or regions, go at activity level or on every
    # transaction, never both.
    if activity.findall("sector") and activity.xpath("transaction/sector"):
        yield "only_one_of", "sector is given both on the activity and on transactions"
    if activity.xpath("recipient-country | recipient-region") and activity.xpath(
            "transaction/recipient-country | transaction/recipient-region"):
        yield "only_one_of", "recipient-country or recipient-region is given both on the " \
                             "activity and on transactions"


def one_or_all(activity: etree._Element, now: datetime) -> Iterator[Finding]:
    # A default language, or a language on every narrative.
    if not activity.get(XML_LANG):
        unlabelled = [n for n in activity.iter("narrative") if not n.get(XML_LANG)]
        if unlabelled:
            yield "one_or_all", f"@xml:lang is missing and {len(unlabelled)} narrative(s) have no " \
                                "xml:lang"
    # A default currency, or a currency on every value.
    if not activity.get("default-currency"):
        bare = [v for v in activity.xpath("budget/value | transaction/value | planned-disbursement/value")
                if not v.get("currency")]
        if bare:
            yield "one_or_all", f"@default-currency is missing and {len(bare)} value(s) have no " \
                                "@currency"
    # An activity-level sector, or a sector on every transaction.
    if not activity.findall("sector"):
        without = [t for t in activity.findall("transaction") if t.find("sector") is None]
        if without:
            yield "one_or_all", f"no activity-level sector and {len(without)} transaction(s) have " \
                                "no sector"


def date_now(activity: etree._Element, now: datetime) -> Iterator[Finding]:
    # The activity cannot have been updated after the file was checked.
    value = activity.get("last-updated-datetime")
    if value:
        try:
            moment = as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return  # the schema's to report (xsd:dateTime)
        if moment > now:  # type: ignore[operator]
            yield "date_now", f"@last-updated-datetime {value} is in the future"


def date_order(activity: etree._Element, now: datetime) -> Iterator[Finding]:
    def kind(code: str) -> str | None:
        return _first(activity, f"activity-date[@type='{code}']/@iso-date")

    yield from _order("planned start (activity-date type 1)", kind("1"), "planned end (type 3)", kind("3"))
    yield from _order("actual start (activity-date type 2)", kind("2"), "actual end (type 4)", kind("4"))
    yield from _not_future("actual start (activity-date type 2)", kind("2"), now)
    yield from _not_future("actual end (activity-date type 4)", kind("4"), now)
    for transaction in activity.findall("transaction"):
        yield from _not_future("transaction-date", _first(transaction, "transaction-date/@iso-date"), now)
        yield from _not_future("transaction value/@value-date", _first(transaction, "value/@value-date"), now)
    for budget in activity.findall("budget"):
        yield from _order("budget period-start", _first(budget, "period-start/@iso-date"),
                          "its period-end", _first(budget, "period-end/@iso-date"))
    for period in activity.xpath("result/indicator/period"):
        yield from _order("result/indicator/period period-start", _first(period, "period-start/@iso-date"),
                          "its period-end", _first(period, "period-end/@iso-date"))


def time_limit(activity: etree._Element, now: datetime) -> Iterator[Finding]:
    # "The time between period-start and period-end must not be over a year": a period may
    # end on the same calendar day a year after it starts, no later.
    for budget in activity.findall("budget"):
        start = _date(_first(budget, "period-start/@iso-date"))
        end = _date(_first(budget, "period-end/@iso-date"))
        if start and end and end > add_months(start, 12):
            yield "time_limit", f"budget period {start} to {end} is over a year"


def sum_(activity: etree._Element, now: datetime) -> Iterator[Finding]:
    # Recipient countries and regions share the activity: their percentages sum to 100.
    problem = _shares_sum_to_100(activity.xpath("recipient-country | recipient-region"))
    if problem:
        yield "sum", f"recipient-country and recipient-region: {problem}"


def strict_sum(activity: etree._Element, now: datetime) -> Iterator[Finding]:
    # Within each sector vocabulary (no @vocabulary means 1), the percentages sum to 100.
    by_vocabulary: dict[str, list[etree._Element]] = {}
    for sector in activity.findall("sector"):
        by_vocabulary.setdefault(sector.get("vocabulary", "1"), []).append(sector)
    for vocabulary, sectors in sorted(by_vocabulary.items()):
        problem = _shares_sum_to_100(sectors)
        if problem:
            yield "strict_sum", f"sector of vocabulary {vocabulary}: {problem}"


def range_(activity: etree._Element, now: datetime) -> Iterator[Finding]:
    # Percentages are at least 0.
    for path in ("recipient-country", "recipient-region", "sector"):
        for element in activity.findall(path):
            value = element.get("percentage")
            if value is None:
                continue
            number = _percentage(value)
            if number is None or number < 0:
                yield "range", f"{path}/@percentage {value!r} is not a number of at least 0"


def codelists(activity: etree._Element, now: datetime) -> Iterator[Finding]:
    def check(path: str, allowed: frozenset[str] | Callable[[str], bool], name: str,
              label: str | None = None) -> Iterator[Finding]:
        for value in activity.xpath(path):
            ok = value in allowed if isinstance(allowed, frozenset) else allowed(str(value))
            if not ok:
                yield "codelist", f"{label or path} {str(value)!r} is not in the {name} codelist"

    yield from check("activity-status/@code", codelist("ActivityStatus"), "ActivityStatus")
    yield from check("participating-org/@role", codelist("OrganisationRole"), "OrganisationRole")
    for path in ("reporting-org/@type", "participating-org/@type", "transaction/provider-org/@type",
                 "transaction/receiver-org/@type"):
        yield from check(path, codelist("OrganisationType"), "OrganisationType")
    yield from check("transaction/transaction-type/@code", codelist("TransactionType"), "TransactionType")
    yield from check("sector/@vocabulary", codelist("SectorVocabulary"), "SectorVocabulary")
    yield from check("sector[@vocabulary='1' or not(@vocabulary)]/@code", codelist("Sector"),
                     "Sector (DAC 5-digit)", "sector/@code (vocabulary 1)")
    yield from check("default-aid-type/@vocabulary", codelist("AidTypeVocabulary"), "AidTypeVocabulary")
    yield from check("default-aid-type[@vocabulary='1' or not(@vocabulary)]/@code", codelist("AidType"),
                     "AidType", "default-aid-type/@code (vocabulary 1)")
    yield from check("tag[@vocabulary='2']/@code", SDG_GOALS, "SDG goals", "tag/@code (vocabulary 2)")
    yield from check("recipient-country/@code", _country, "Country (ISO 3166-1 alpha-2)")
    yield from check("@default-currency | .//value/@currency", _currency, "Currency (ISO 4217)",
                     "@default-currency or value/@currency")
    yield from check("@xml:lang | .//narrative/@xml:lang", _language, "Language (ISO 639-1)",
                     "@xml:lang or narrative/@xml:lang")


def _country(code: str) -> bool:
    return len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None


def _currency(code: str) -> bool:
    return len(code) == 3 and code.isupper() and pycountry.currencies.get(alpha_3=code) is not None


def _language(code: str) -> bool:
    return len(code) == 2 and code.islower() and pycountry.languages.get(alpha_2=code) is not None


# The activity rules, in the order their breaches are reported.
RULES: tuple[Rule, ...] = (only_one, startswith, regex_matches, atleast_one, only_one_of, one_or_all,
                           date_now, date_order, time_limit, sum_, strict_sum, range_, codelists)
RULE_NAMES = ("only_one", "unique", "startswith", "regex_matches", "atleast_one", "only_one_of",
              "one_or_all", "date_now", "date_order", "time_limit", "sum", "strict_sum", "range",
              "codelist")


def check(root: etree._Element, *, now: datetime | None = None) -> list[Breach]:
    """Every breach of the rules above in an `iati-activities` document, activity by activity.

    `now` is the present the "not in the future" rules compare with (default: the clock)."""
    now = as_utc(now) if now else utcnow()
    breaches: list[Breach] = []
    seen: set[str] = set()
    for activity in root.iterchildren("iati-activity"):
        identifier = (activity.findtext("iati-identifier") or "").strip() or NO_IDENTIFIER
        if identifier != NO_IDENTIFIER:
            # unique: an iati-identifier names one activity only.
            if identifier in seen:
                breaches.append(Breach(identifier, "unique",
                                       "iati-identifier is used by another activity in the file"))
            seen.add(identifier)
        for rule in RULES:
            breaches.extend(Breach(identifier, name, message) for name, message in rule(activity, now))
    return breaches
