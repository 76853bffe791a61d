"""The IATI activity file: valid against the official 2.03 schema, codes from IATI's codelists,
figures equal to the database's, and nothing that is not public."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from facility.config import Settings
from facility.exports import iati
from facility.timeutil import today_is
from tests.exports.world import SECRET_TEXTS, build_world

DATA = Path(__file__).resolve().parents[1] / "data" / "iati"
SCHEMA = DATA / "schema-2.03"
CODELISTS = Path(iati.__file__).resolve().parent / "iati_codelists"
ORG = "XM-DAC-41313"
REPORTER = iati.Reporter(identifier=ORG, name="OHCHR Implementation Facility", type="40")
TODAY = date(2026, 12, 1)


def codelist(name: str) -> set[str]:
    with (CODELISTS / f"{name}.csv").open(encoding="utf-8") as handle:
        return {row["code"] for row in csv.DictReader(handle) if row["status"] == "active"}


@pytest.fixture
def world(db_session):
    return build_world(db_session)


@pytest.fixture
def xml(world) -> bytes:
    with today_is(TODAY):
        return iati.serialise(iati.build(world.session, reporter=REPORTER).document)


def activity(root, kind: str, pk: int):
    found = root.xpath(f"iati-activity[iati-identifier='{ORG}-{kind}-{pk}']")
    assert len(found) == 1, f"{kind}-{pk}"
    return found[0]


def test_the_file_validates_against_the_official_schema(xml):
    assert iati.schema_errors(xml, SCHEMA) == []
    root = etree.fromstring(xml)
    assert root.get("version") == "2.03"
    # the published and closed offers and all four engagements; never the draft offer
    assert [a.get("hierarchy") for a in root].count("1") == 3
    assert [a.get("hierarchy") for a in root].count("2") == 4


def test_every_code_comes_from_the_iati_codelists(xml):
    root = etree.fromstring(xml)
    assert set(root.xpath("//activity-status/@code")) <= codelist("ActivityStatus")
    assert set(root.xpath("//participating-org/@role")) <= codelist("OrganisationRole")
    types = root.xpath("//participating-org/@type | //reporting-org/@type | //provider-org/@type")
    assert set(types) <= codelist("OrganisationType")
    assert set(root.xpath("//transaction-type/@code")) <= codelist("TransactionType")
    assert set(root.xpath("//sector/@vocabulary")) == {"1"}
    assert set(root.xpath("//sector/@code")) <= codelist("Sector")
    assert set(root.xpath("//default-aid-type/@code")) <= codelist("AidType")
    assert set(root.xpath("//tag[@vocabulary='2']/@code")) <= {str(n) for n in range(1, 18)}
    assert set(root.xpath("//recipient-country/@code")) == {"KE", "GH", "AR"}


def test_identifiers_are_stable_and_prefixed_with_the_organisation(world, xml):
    root = etree.fromstring(xml)
    identifiers = root.xpath("//iati-identifier/text()")
    assert len(identifiers) == len(set(identifiers))
    assert all(i.startswith(ORG + "-") for i in identifiers)
    assert root.xpath("//reporting-org/@ref") == [ORG] * len(identifiers)
    with today_is(TODAY):
        again = iati.serialise(iati.build(world.session, reporter=REPORTER).document)
    assert etree.fromstring(again).xpath("//iati-identifier/text()") == identifiers
    # a child names its parent offer, and the offer its children
    gha = activity(root, "ENGAGEMENT", world.engagements["gha_nhri"].id)
    parent = f"{ORG}-OFFER-{world.offers['ohchr_pub'].id}"
    assert gha.xpath("related-activity[@type='1']/@ref") == [parent]
    offer = activity(root, "OFFER", world.offers["ohchr_pub"].id)
    assert set(offer.xpath("related-activity[@type='2']/@ref")) == {
        f"{ORG}-ENGAGEMENT-{world.engagements[k].id}" for k in ("gha_nhri", "ken_plan")}


def test_figures_match_the_database(world, xml):
    root = etree.fromstring(xml)
    for offer in world.offers.values():
        if offer.status == "DRAFT":
            continue
        node = activity(root, "OFFER", offer.id)
        assert node.get("default-currency") == offer.currency
        # the published budget, spread over periods of at most a year covering the window
        assert sum(int(v) for v in node.xpath("budget[@status='1']/value/text()")) == offer.budget
        assert node.xpath("budget[1]/period-start/@iso-date") == [offer.window_start.isoformat()]
        assert node.xpath("budget[last()]/period-end/@iso-date") == [offer.window_end.isoformat()]
        assert node.xpath("transaction[transaction-type/@code='12']/value/text()") == [str(offer.budget)]
        assert node.xpath("activity-date[@type='1']/@iso-date") == [offer.window_start.isoformat()]
        assert node.xpath("activity-date[@type='3']/@iso-date") == [offer.window_end.isoformat()]
    for key, engagement in world.engagements.items():
        node = activity(root, "ENGAGEMENT", engagement.id)
        request = world.requests[key]
        assert node.xpath("title/narrative/text()") == [request.title]
        assert node.xpath("budget[@status='2']/value/text()") == [str(engagement.budget)]
        assert node.xpath("transaction[transaction-type/@code='2']/value/text()") == [str(engagement.budget)]
        assert node.xpath("transaction/transaction-type/@code") == ["2"], "no disbursement is invented"
        assert node.xpath("activity-date[@type='1']/@iso-date") == [engagement.start.isoformat()]
        assert node.xpath("activity-date[@type='3']/@iso-date") == [engagement.end.isoformat()]
        assert node.xpath("recipient-country/@code") == [{"KEN": "KE", "GHA": "GH", "ARG": "AR"}[
            request.state_code]]
        shares = [Decimal(p) for p in node.xpath("sector/@percentage")]
        assert sum(shares) == 100 if len(node.xpath("sector")) > 1 else shares == []
        assert node.xpath("sector[1]/@code") == ["15160"]


def test_sectors_and_sdg_tags_follow_the_themes_and_the_recommendations(world, xml):
    root = etree.fromstring(xml)
    ken = activity(root, "ENGAGEMENT", world.engagements["ken_justice"].id)
    # Justice -> 15130, Women's rights -> 15170, National plan of action -> 15160 itself
    assert ken.xpath("sector/@code") == ["15160", "15130", "15170"]
    assert ken.xpath("sector/@percentage") == ["33.34", "33.33", "33.33"]
    assert ken.xpath("tag[@vocabulary='2']/@code") == ["5", "16"]
    arg = activity(root, "ENGAGEMENT", world.engagements["arg_health"].id)
    assert arg.xpath("sector/@code") == ["15160", "15137", "12110"]
    assert arg.xpath("tag/@code") == ["3"]
    gha = activity(root, "ENGAGEMENT", world.engagements["gha_nhri"].id)
    assert gha.xpath("sector/@code") == ["15160"] and gha.xpath("sector/@percentage") == []


def test_activity_status_follows_offers_and_engagements(world, xml):
    root = etree.fromstring(xml)

    def status(kind, pk):
        return activity(root, kind, pk).xpath("activity-status/@code")[0]

    e = world.engagements
    assert status("ENGAGEMENT", e["ken_justice"].id) == "1"  # scheduled: pipeline
    assert status("ENGAGEMENT", e["gha_nhri"].id) == "2"  # in progress: implementation
    assert status("ENGAGEMENT", e["ken_plan"].id) == "3"  # completed, a report outstanding
    assert status("ENGAGEMENT", e["arg_health"].id) == "4"  # completed, both reports in: closed
    o = world.offers
    assert status("OFFER", o["norad_pub"].id) == "1"  # its window opens in 2027
    assert status("OFFER", o["ohchr_pub"].id) == "2"  # window open
    assert status("OFFER", o["undp_closed"].id) == "4"  # closed, its engagement closed too
    # Actual dates only where progress was recorded; never in the future.
    gha = activity(root, "ENGAGEMENT", e["gha_nhri"].id)
    assert gha.xpath("activity-date[@type='2']/@iso-date") and not gha.xpath("activity-date[@type='4']")
    ken = activity(root, "ENGAGEMENT", e["ken_justice"].id)
    assert not ken.xpath("activity-date[@type='2' or @type='4']")


def test_partners_take_their_roles(world, xml):
    root = etree.fromstring(xml)
    funding = activity(root, "OFFER", world.offers["norad_pub"].id)
    assert funding.xpath("participating-org[@role='1']/narrative/text()") == ["Norad"]
    assert funding.xpath("participating-org[@role='1']/@type") == ["10"]
    assert not funding.xpath("participating-org[@role='4']"), "a funding offer implements nothing itself"
    experts = activity(root, "ENGAGEMENT", world.engagements["gha_nhri"].id)
    assert experts.xpath("participating-org[@role='4']/narrative/text()") == ["OHCHR", "Government of Ghana"]
    assert experts.xpath("participating-org[@role='1']/@type") == ["40"]
    assert experts.xpath("participating-org[@role='2']/@ref") == [ORG]
    assert experts.xpath("default-aid-type/@code") == ["D02"]


def test_results_come_from_submitted_follow_up_reports_only(world, xml):
    root = etree.fromstring(xml)
    arg = activity(root, "ENGAGEMENT", world.engagements["arg_health"].id)
    assert arg.xpath("result/@type") == ["1", "1", "2"]
    trained = arg.xpath("result/indicator[title/narrative='Judges trained (persons)']")[0]
    assert trained.get("measure") == "1"
    assert trained.xpath("baseline/@value") == ["0"] and trained.xpath("baseline/@year") == ["2024"]
    assert trained.xpath("period/target/@value") == ["120", "120"]
    assert trained.xpath("period/actual/@value") == ["95", "131"]
    starts = trained.xpath("period/period-start/@iso-date")
    ends = trained.xpath("period/period-end/@iso-date")
    assert starts[0] == world.engagements["arg_health"].start.isoformat()
    assert date.fromisoformat(starts[1]) > date.fromisoformat(ends[0]), "periods do not overlap"
    share = arg.xpath("result/indicator[title/narrative='Cases decided within a year (%)']")[0]
    assert share.get("measure") == "2"
    plan = arg.xpath("result/indicator[title/narrative='National action plan adopted (yes/no)']")[0]
    assert plan.get("measure") == "5" and not plan.xpath(".//@value")
    assert plan.xpath("period/actual/comment/narrative/text()") == ["no", "yes"]
    # ken_plan: version 1 was submitted; the unsubmitted correction (version 2) is not published
    ken = activity(root, "ENGAGEMENT", world.engagements["ken_plan"].id)
    assert ken.xpath("result/indicator/title/narrative/text()") == ["National action plan adopted (yes/no)"]
    gha = activity(root, "ENGAGEMENT", world.engagements["gha_nhri"].id)
    assert not gha.xpath("result")


def test_drafts_unpublished_offers_and_personal_data_never_appear(world, xml):
    text = xml.decode("utf-8")
    for secret in SECRET_TEXTS:
        assert secret not in text
    assert "SECRET" not in text
    assert f"OFFER-{world.offers['norad_draft'].id}<" not in text
    assert str(world.offers["norad_draft"].budget) not in text


def test_a_broken_file_is_rejected_by_the_validator(xml):
    root = etree.fromstring(xml)
    first = root[0]
    first.remove(first.find("reporting-org"))
    errors = iati.schema_errors(etree.tostring(root), SCHEMA)
    assert errors and any("reporting-org" in e for e in errors)

    root = etree.fromstring(xml)
    root.find("iati-activity/activity-date").set("iso-date", "2027-02-30")
    errors = iati.schema_errors(etree.tostring(root), SCHEMA)
    assert errors and any("iso-date" in e for e in errors)

    root = etree.fromstring(xml)
    root.find("iati-activity/budget/value").set("value-date", "")
    assert iati.schema_errors(etree.tostring(root), SCHEMA)
    assert iati.schema_errors(b"<iati-activities version='2.03'><oops", SCHEMA)[0].startswith("line ")


def test_iatis_worked_example_is_not_a_valid_2_03_file():
    """The validator really is the 2.03 schema: IATI's 1.x-style worked example lacks a
    reporting organisation and is refused."""
    example = (SCHEMA / "worked-example.xml").read_bytes()
    wrapped = b"<iati-activities version='2.03'>" + example.split(b"?>", 1)[1] + b"</iati-activities>"
    errors = iati.schema_errors(wrapped, SCHEMA)
    assert any("reporting-org" in e for e in errors)


def test_an_empty_facility_has_no_activity_which_the_schema_refuses(db_session):
    """Why `facility export iati` refuses to write a file before the first offer is published."""
    document = iati.build(db_session, reporter=REPORTER).document
    assert iati.summary_of(document) == iati.Summary(offers=0, engagements=0)
    assert any("iati-activity" in e for e in iati.schema_errors(iati.serialise(document), SCHEMA))


@pytest.mark.parametrize(("value", "rule"), [(None, "required"), ("", "required"),
                                              ("XM DAC 41313", "format"), ("41313", "format"),
                                              ("XM-DAC-41313/1", "format")])
def test_the_reporting_organisation_identifier_is_required_and_checked(value, rule):
    from facility.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        iati.reporter_from(Settings(iati_organisation_id=value))
    assert caught.value.problems[0].field == "iati_organisation_id"
    assert caught.value.problems[0].rule == rule


def test_the_identifier_comes_from_the_settings_unless_given():
    settings = Settings(iati_organisation_id="GB-GOV-1", iati_organisation_name="Facility")
    assert iati.reporter_from(settings).identifier == "GB-GOV-1"
    assert iati.reporter_from(settings, "XM-DAC-41313").identifier == "XM-DAC-41313"


def test_the_theme_to_sector_map_covers_every_theme_with_active_dac_codes():
    from facility.exports.iati_data import sector_by_theme
    from facility.reference.loader import read_csv

    themes = {row["name"] for row in read_csv("themes.csv")}
    mapping = sector_by_theme()
    assert set(mapping) == themes
    with (CODELISTS / "Sector.csv").open(encoding="utf-8") as handle:
        sectors = {row["code"]: row for row in csv.DictReader(handle)}
    for theme, (code, name) in mapping.items():
        assert sectors[code]["status"] == "active", theme
        assert sectors[code]["name"] == name, theme
        assert sectors[code]["category"] in {"111", "121", "140", "151", "160", "410", "430"}, theme


def test_control_characters_typed_in_free_text_do_not_break_the_file(world):
    offer = world.offers["norad_pub"]
    offer.title = "Justice\x0b sector\x01 support\x1f"  # PostgreSQL refuses NUL itself
    offer.description = "Grants\x08 for reform"
    world.session.add(offer)
    world.session.flush()
    with today_is(TODAY):
        xml = iati.serialise(iati.build(world.session, reporter=REPORTER).document)
    assert iati.schema_errors(xml, SCHEMA) == []
    node = activity(etree.fromstring(xml), "OFFER", offer.id)
    assert node.xpath("title/narrative/text()") == ["Justice sector support"]
