"""IATI's Standard Ruleset on the IATI file: the facility's exports pass every rule, and a copy
broken in one way fails exactly the rule IATI would report, naming the activity."""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from sqlmodel import Session

from facility.exports import iati, iati_rules
from facility.timeutil import add_months, today_is
from tests.exports.test_iati_export import ORG, REPORTER, SCHEMA, TODAY
from tests.exports.world import build_world


@pytest.fixture(scope="module")
def valid(migrated_engine):
    """The export of the test world (on each database), and the world's identifiers."""
    connection = migrated_engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        world = build_world(session)
        with today_is(TODAY):
            xml = iati.serialise(iati.build(session, reporter=REPORTER).document)
        ids = {**{k: f"{ORG}-OFFER-{o.id}" for k, o in world.offers.items()},
               **{k: f"{ORG}-ENGAGEMENT-{e.id}" for k, e in world.engagements.items()}}
    finally:
        session.close()
        transaction.rollback()
        connection.close()
    return xml, ids


def test_the_export_of_the_test_world_passes_every_rule(valid):
    xml, ids = valid
    root = etree.fromstring(xml)
    assert iati_rules.check(root) == []
    assert iati.schema_errors(xml, SCHEMA) == []
    # the rules ran on what matters: an 18-month offer window became two budgets within a year
    ohchr = root.xpath(f"iati-activity[iati-identifier='{ids['ohchr_pub']}']")[0]
    assert ohchr.xpath("budget/period-start/@iso-date") == ["2026-01-01", "2027-01-01"]
    assert ohchr.xpath("budget/period-end/@iso-date") == ["2026-12-31", "2027-06-30"]


@pytest.mark.slow
def test_the_export_of_the_demo_data_passes_every_rule(db_session):
    from facility.demo.seed import seed_demo

    seed_demo(db_session)
    xml = iati.serialise(iati.build(db_session, reporter=REPORTER).document)
    root = etree.fromstring(xml)
    assert len(root) > 7, "the demo's published offers and its engagements"
    assert iati_rules.check(root) == []
    assert iati.schema_errors(xml, SCHEMA) == []


# Broken copies ------------------------------------------------------------------------------

def _activity(root, ids, key):
    return root.xpath(f"iati-activity[iati-identifier='{ids[key]}']")[0]


def _set(path: str, attribute: str, value: str, key: str = "ken_justice"):
    def mutate(root, ids):
        _activity(root, ids, key).xpath(path)[0].set(attribute, value)
    return mutate


def _remove(path: str, key: str = "norad_pub"):
    def mutate(root, ids):
        for element in _activity(root, ids, key).xpath(path):
            element.getparent().remove(element)
    return mutate


def _duplicate(path: str, key: str = "norad_pub"):
    def mutate(root, ids):
        element = _activity(root, ids, key).xpath(path)[0]
        element.addnext(copy.deepcopy(element))
    return mutate


def _drop(attribute: str, key: str = "ken_justice"):
    def mutate(root, ids):
        del _activity(root, ids, key).attrib[attribute]
    return mutate


def _same_identifier(root, ids):
    _activity(root, ids, "ohchr_pub").find("iati-identifier").text = ids["norad_pub"]


def _foreign_identifier(root, ids):
    _activity(root, ids, "norad_pub").find("iati-identifier").text = "XM-DAC-99999-OFFER-1"


def _sector_on_a_transaction(root, ids):
    transaction = _activity(root, ids, "norad_pub").find("transaction")
    etree.SubElement(transaction, "sector", vocabulary="1", code="15160")


def _no_sector_anywhere(root, ids):
    _remove("sector | transaction")(root, ids)


def _negative_share(root, ids):
    first, second, _third = _activity(root, ids, "ken_justice").findall("sector")
    first.set("percentage", "-10")
    second.set("percentage", "76.67")  # the sum stays 100: only the range is broken


def _budget_over_two_years(root, ids):
    budget = _activity(root, ids, "norad_pub").find("budget")
    start = date.fromisoformat(budget.find("period-start").get("iso-date"))
    budget.find("period-end").set("iso-date", (start + timedelta(days=730)).isoformat())


def _budget_ends_before_it_starts(root, ids):
    budget = _activity(root, ids, "norad_pub").find("budget")
    start = date.fromisoformat(budget.find("period-start").get("iso-date"))
    budget.find("period-end").set("iso-date", (start - timedelta(days=1)).isoformat())


def _planned_end_before_start(root, ids):
    node = _activity(root, ids, "norad_pub")
    start = date.fromisoformat(node.xpath("activity-date[@type='1']/@iso-date")[0])
    node.xpath("activity-date[@type='3']")[0].set("iso-date", (start - timedelta(days=1)).isoformat())


def _result_period_reversed(root, ids):
    period = _activity(root, ids, "arg_health").xpath("result/indicator/period")[0]
    start, end = period.find("period-start"), period.find("period-end")
    first, last = start.get("iso-date"), end.get("iso-date")
    start.set("iso-date", last)
    end.set("iso-date", first)


FUTURE = "2999-01-01"
BREAKAGES = {
    # name: (how the valid file is broken, the one rule it breaks)
    "two activity-status": (_duplicate("activity-status"), "only_one"),
    "no title": (_remove("title"), "only_one"),
    "two reporting-org": (_duplicate("reporting-org"), "only_one"),
    "an identifier used twice": (_same_identifier, "unique"),
    "identifier of another organisation": (_foreign_identifier, "startswith"),
    "slash in an organisation ref": (_set("participating-org[@ref]", "ref", f"{ORG}/1"), "regex_matches"),
    "no start date": (_remove("activity-date[@type='1']"), "atleast_one"),
    "organisation without ref or name": (_remove("participating-org[@role='1']/narrative"), "atleast_one"),
    "provider without ref or name": (_remove("transaction/provider-org/narrative"), "atleast_one"),
    "sector on activity and transaction": (_sector_on_a_transaction, "only_one_of"),
    "no language anywhere": (_drop("{http://www.w3.org/XML/1998/namespace}lang"), "one_or_all"),
    "no currency anywhere": (_drop("default-currency"), "one_or_all"),
    "updated in the future": (_set(".", "last-updated-datetime", f"{FUTURE}T00:00:00Z"), "date_now"),
    "planned end before planned start": (_planned_end_before_start, "date_order"),
    "actual start in the future": (_set("activity-date[@type='2']", "iso-date", FUTURE, "gha_nhri"),
                                   "date_order"),
    "actual end before actual start": (_set("activity-date[@type='4']", "iso-date", "2000-01-01",
                                            "arg_health"), "date_order"),
    "transaction in the future": (_set("transaction/transaction-date", "iso-date", FUTURE), "date_order"),
    "transaction value dated in the future": (_set("transaction/value", "value-date", FUTURE), "date_order"),
    "budget ending before it starts": (_budget_ends_before_it_starts, "date_order"),
    "result period reversed": (_result_period_reversed, "date_order"),
    "budget over two years": (_budget_over_two_years, "time_limit"),
    "country share of 60%": (_set("recipient-country", "percentage", "60", "gha_nhri"), "sum"),
    "sector shares summing to 106.66": (_set("sector", "percentage", "40"), "strict_sum"),
    "negative sector share": (_negative_share, "range"),
    "unknown activity status": (_set("activity-status", "code", "9"), "codelist"),
    "unknown sector": (_set("sector", "code", "99999"), "codelist"),
    "unknown organisation type": (_set("reporting-org", "type", "12345"), "codelist"),
    "unknown transaction type": (_set("transaction/transaction-type", "code", "99"), "codelist"),
    "unknown country": (_set("recipient-country", "code", "QQ"), "codelist"),
    "unknown currency": (_set(".", "default-currency", "XYZ"), "codelist"),
    "unknown SDG goal": (_set("tag", "code", "18"), "codelist"),
    "unknown aid type": (_set("default-aid-type", "code", "D99", "gha_nhri"), "codelist"),
    "unknown language": (_set("title/narrative", "{http://www.w3.org/XML/1998/namespace}lang", "zz"),
                         "codelist"),
}


@pytest.mark.parametrize("name", BREAKAGES)
def test_a_copy_broken_one_way_fails_exactly_that_rule(valid, name):
    xml, ids = valid
    mutate, rule = BREAKAGES[name]
    root = etree.fromstring(xml)
    mutate(root, ids)
    breaches = iati_rules.check(root)
    assert {b.rule for b in breaches} == {rule}, [str(b) for b in breaches]
    assert rule in iati_rules.RULE_NAMES
    # each breach names the activity it is in, by its identifier in the file
    assert {b.activity for b in breaches} <= set(root.xpath("iati-activity/iati-identifier/text()"))
    assert str(breaches[0]).startswith(f"{breaches[0].activity}: {rule}: ")


def test_every_rule_the_checker_knows_has_a_broken_copy():
    assert {rule for _, rule in BREAKAGES.values()} == set(iati_rules.RULE_NAMES)


def test_removing_every_sector_breaks_both_sector_rules(valid):
    """No sector at activity level and none on the transactions: IATI's atleast_one (a sector
    somewhere) and one_or_all (else one on every transaction) both fail."""
    xml, ids = valid
    root = etree.fromstring(xml)
    _remove("sector")(root, ids)
    assert {b.rule for b in iati_rules.check(root)} == {"atleast_one", "one_or_all"}
    _no_sector_anywhere(root, ids)
    assert {b.rule for b in iati_rules.check(root)} == {"atleast_one"}


def test_the_future_is_measured_from_the_moment_given(valid):
    xml, ids = valid
    root = etree.fromstring(xml)
    published = _activity(root, ids, "norad_pub").xpath("transaction/transaction-date/@iso-date")[0]
    day_before = datetime.combine(date.fromisoformat(published) - timedelta(days=1), datetime.min.time(),
                                  tzinfo=UTC)
    rules = {b.rule for b in iati_rules.check(root, now=day_before)}
    assert {"date_order", "date_now"} <= rules


def test_a_single_share_may_omit_its_percentage_but_several_may_not(valid):
    xml, ids = valid
    root = etree.fromstring(xml)
    gha = _activity(root, ids, "gha_nhri")
    assert gha.xpath("sector/@percentage") == []  # one sector, no percentage: valid
    del gha.find("recipient-country").attrib["percentage"]
    assert iati_rules.check(root) == []
    extra = etree.SubElement(gha, "recipient-country", code="KE")
    gha.find("recipient-country").addnext(extra)
    [breach] = iati_rules.check(root)
    assert breach.rule == "sum" and "each must carry a percentage" in breach.message


@given(start=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
       days=st.integers(min_value=0, max_value=4000), amount=st.integers(min_value=0, max_value=10**12))
def test_budget_periods_cover_the_window_within_a_year_each_and_keep_the_amount(start, days, amount):
    end = start + timedelta(days=days)
    periods = iati.budget_periods(start, end, amount)
    assert periods[0][0] == start and periods[-1][1] == end
    assert sum(share for _, _, share in periods) == amount
    assert all(share >= 0 for _, _, share in periods)
    for (_, previous_end, _), (next_start, _, _) in itertools.pairwise(periods):
        assert next_start == previous_end + timedelta(days=1)
    assert all(s <= e <= add_months(s, 12) for s, e, _ in periods)  # time_limit holds
