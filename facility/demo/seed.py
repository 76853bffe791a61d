"""Seeds the labelled demo data set on top of real recommendations.

Requests are filed through the same services a State mission uses (so every rule applies),
each tied to real recommendations its State received. Offers, experts and accounts are
fictitious and say so: partner names end in "(demo)", request and offer titles start with
"[Demo]", e-mail addresses use the reserved domain example.org.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from facility.auth.actor import Actor
from facility.auth.models import Account, Partner, PartnerKind, Role
from facility.auth.service import create_account
from facility.demo.dialogue import seed_dialogue
from facility.demo.follow_up import seed_follow_up
from facility.demo.funds import seed_funds
from facility.demo.governance import seed_governance
from facility.demo.library import seed_library, seed_programmes
from facility.demo.readiness import seed_readiness
from facility.demo.stories import seed_stories
from facility.engagements.models import Engagement, EngagementStatus
from facility.experts.models import Expert
from facility.experts.service import ExpertFields, nominate_expert
from facility.offers.service import OfferFields, create_offer, publish_offer
from facility.reference.importers import import_recommendations
from facility.reference.models import Recommendation, RecommendationTheme, Theme
from facility.requests.service import (
    RequestFields,
    create_request,
    submit_request,
    withdraw_request,
)
from facility.timeutil import today

DEMO_DIR = Path(__file__).resolve().parent / "data"
REPO_SAMPLE = Path(__file__).resolve().parents[2] / "tests" / "data" / "recommendations"
DEMO_DOMAIN = "demo.example.org"
DEMO_PASSWORD = "demo-password-2027"


@dataclass(frozen=True)
class DemoRequest:
    state: str
    theme: str
    title: str
    need: str
    barrier: str
    kinds: tuple[str, ...]
    languages: tuple[str, ...]
    window: tuple[date, date]
    weeks: int
    experts: int
    budget: int
    priority: int
    status: str = "SUBMITTED"


# The demo plans next year's missions, whatever year it is run in.
DEMO_YEAR = today().year + 1


def _d(text: str) -> date:
    """A date written for 2027, moved to DEMO_YEAR."""
    return date.fromisoformat(text).replace(year=DEMO_YEAR)


REQUESTS = [
    DemoRequest("BDI", "Justice", "Case-management training for magistrates",
                "Reduce pre-trial detention backlogs by training 80 magistrates in case management.",
                "No in-house trainers; the judicial training centre lacks a curriculum.",
                ("TRAINING", "EXPERT_MISSION"), ("fr", "rn"), (_d("2027-03-01"), _d("2027-09-30")),
                8, 2, 85_000, 5),
    DemoRequest("NGA", "Women's rights", "Domesticating the Violence Against Persons (Prohibition) Act",
                "Support states' legislatures to adopt and implement the VAPP Act.",
                "Few legislative drafters with gender-based violence expertise.",
                ("LEGISLATIVE_DRAFTING", "EXPERT_MISSION"), ("en",), (_d("2027-02-01"), _d("2027-10-31")),
                12, 2, 120_000, 4),
    DemoRequest("SEN", "Rights of the Child", "Child-protection case workers' certification",
                "Design a national certification for child-protection social workers.",
                "Training is fragmented across ministries.",
                ("TRAINING", "INSTITUTION_BUILDING"), ("fr", "wo"), (_d("2027-04-01"), _d("2027-12-15")),
                10, 2, 95_000, 3),
    DemoRequest("DJI", "Right to education", "Inclusive education plan for refugee children",
                "Draft an inclusive education plan covering refugee and migrant children.",
                "Data on out-of-school children is incomplete.",
                ("EXPERT_MISSION",), ("fr", "ar"), (_d("2027-05-01"), _d("2027-11-30")),
                6, 1, 40_000, 3, status="WITHDRAWN"),
    DemoRequest("LKA", "NHRI", "Strengthening the Human Rights Commission's complaints unit",
                "Help the national human rights institution handle complaints within Paris Principles.",
                "Complaint backlog and no case-tracking system.",
                ("INSTITUTION_BUILDING", "EXPERT_MISSION"), ("en", "si", "ta"),
                (_d("2027-02-15"), _d("2027-08-31")), 8, 2, 70_000, 4),
    DemoRequest("BGD", "Women's rights", "Gender-responsive budgeting in line ministries",
                "Train finance officers of five ministries in gender-responsive budgeting.",
                "No methodology adapted to the national budget cycle.",
                ("TRAINING",), ("bn", "en"), (_d("2027-03-01"), _d("2027-12-31")),
                6, 1, 55_000, 3),
    DemoRequest("TUV", "International instruments", "Treaty reporting support for a small island State",
                "Set up a national mechanism for implementation, reporting and follow-up.",
                "A ministry of three officers covers every treaty body.",
                ("REPORTING_AND_FOLLOW_UP", "INSTITUTION_BUILDING"), ("en",),
                (_d("2027-01-15"), _d("2027-07-31")), 10, 2, 60_000, 5),
    DemoRequest("JOR", "Torture and other CID treatment", "Independent monitoring of places of detention",
                "Establish a detention-monitoring methodology for the national preventive mechanism.",
                "Monitors lack a methodology and interview training.",
                ("TRAINING", "EXPERT_MISSION"), ("ar", "en"), (_d("2027-03-01"), _d("2027-09-30")),
                8, 2, 75_000, 4),
    DemoRequest("SVN", "Racial discrimination", "Roma inclusion: equality-data collection",
                "Design a rights-based collection of equality data on Roma communities.",
                "Statistical office has no mandate or method for ethnic data.",
                ("EXPERT_MISSION", "PEER_EXCHANGE"), ("sl", "en"), (_d("2027-04-01"), _d("2027-10-31")),
                6, 2, 45_000, 3),
    DemoRequest("MNE", "Freedom of the press", "Safety of journalists: prosecutorial guidelines",
                "Draft guidelines for prosecutors on attacks against journalists.",
                "Cases stall for lack of specialised prosecutors.",
                ("LEGISLATIVE_DRAFTING", "TRAINING"), ("sr", "en"), (_d("2027-02-01"), _d("2027-06-30")),
                6, 1, 35_000, 4),
    DemoRequest("SRB", "Justice", "Free legal aid: implementing the 2019 law",
                "Train municipal legal-aid providers and set quality standards.",
                "Municipalities interpret the law differently.",
                ("TRAINING",), ("sr", "en"), (_d("2027-03-15"), _d("2027-11-30")),
                8, 2, 65_000, 3, status="DRAFT"),
    DemoRequest("AZE", "Rights of the Child", "Juvenile-justice diversion programme",
                "Pilot diversion for children in conflict with the law in two regions.",
                "No alternatives to detention exist in law or practice.",
                ("EXPERT_MISSION", "LEGISLATIVE_DRAFTING"), ("az", "ru", "en"),
                (_d("2027-05-01"), _d("2027-12-31")), 10, 2, 80_000, 3, status="DRAFT"),
    DemoRequest("GTM", "Indigenous peoples", "Free, prior and informed consultation protocol",
                "Draft a national consultation protocol with indigenous authorities.",
                "No agreed procedure; consultations are contested in court.",
                ("EXPERT_MISSION", "PEER_EXCHANGE"), ("es",), (_d("2027-02-01"), _d("2027-09-30")),
                12, 2, 110_000, 5),
    DemoRequest("COL", "Human rights defenders", "Early-warning protection for defenders",
                "Strengthen the early-warning system for threats against human rights defenders.",
                "Alerts arrive late to the protection unit.",
                ("INSTITUTION_BUILDING", "EXPERT_MISSION"), ("es", "en"),
                (_d("2027-03-01"), _d("2027-10-31")), 10, 2, 100_000, 5),
    DemoRequest("MEX", "Torture and other CID treatment", "Forensic documentation of torture (Istanbul Protocol)",
                "Train forensic doctors and prosecutors in the Istanbul Protocol.",
                "Few certified examiners outside the capital.",
                ("TRAINING",), ("es",), (_d("2027-04-01"), _d("2027-12-15")),
                8, 2, 90_000, 4),
    DemoRequest("BRB", "NHRI", "Establishing a national human rights institution",
                "Draft the founding law of an NHRI compliant with the Paris Principles.",
                "No institution exists; drafting capacity is limited.",
                ("LEGISLATIVE_DRAFTING", "INSTITUTION_BUILDING"), ("en",),
                (_d("2027-01-15"), _d("2027-08-31")), 8, 1, 50_000, 4),
    DemoRequest("LIE", "Racial discrimination", "National action plan against racism",
                "Peer exchange with States that adopted action plans against racism.",
                "Small administration; no dedicated unit.",
                ("PEER_EXCHANGE",), ("de", "en"), (_d("2027-05-01"), _d("2027-09-30")),
                4, 1, 20_000, 2),
]

PARTNERS = [
    ("Norad (demo)", PartnerKind.DONOR_AGENCY, "NOR"),
    # OHCHR's two funds (facility/demo/funds.py registers them as funds).
    ("UN Voluntary Fund for Technical Cooperation in the Field of Human Rights (demo)",
     PartnerKind.OHCHR, None),
    ("UNDP Rule of Law Programme (demo)", PartnerKind.UN_AGENCY, None),
    ("Council of Europe (demo)", PartnerKind.REGIONAL_ORGANISATION, None),
    ("Brazilian Cooperation Agency (demo)", PartnerKind.STATE, "BRA"),
    ("African Union Commission (demo)", PartnerKind.REGIONAL_ORGANISATION, None),
    ("UPR Voluntary Fund for Financial and Technical Assistance (demo)", PartnerKind.OHCHR, None),
]
# The demo accounts' e-mail names, where the partner's own name is too long for one.
SLUGS = {PARTNERS[1][0]: "vftc", PARTNERS[6][0]: "upr-fund"}

# (partner index, title, kind, themes, groups, languages, budget, max requests, window, publish)
OFFERS = [
    (0, "Justice and NHRI support fund", "FUNDING", ["Justice", "NHRI"], ["AFRICAN", "APG"],
     ["en", "fr"], 500_000, 4, ("2027-01-01", "2027-12-31"), True),
    (0, "Women's rights legislative drafting", "EXPERT_DEPLOYMENT", ["Women's rights"], None,
     ["en", "fr", "es"], 300_000, 3, ("2027-01-01", "2027-12-31"), True),
    (1, "Treaty reporting and follow-up (NMIRF) programme", "TRAINING_PROGRAMME",
     ["International instruments", "Treaty bodies", "UPR process"], None, ["en", "fr", "es"],
     250_000, 5, ("2027-01-01", "2027-12-31"), True),
    (1, "Torture prevention and detention monitoring", "EXPERT_DEPLOYMENT",
     ["Torture and other CID treatment", "Detention"], None, ["en", "ar", "es", "fr"], 220_000, 3,
     ("2027-02-01", "2027-12-31"), True),
    (2, "Access to justice facility", "FUNDING", ["Justice", "Human rights defenders"],
     ["GRULAC", "EEG", "AFRICAN"], ["en", "es", "fr"], 400_000, 4, ("2027-01-01", "2027-12-31"), True),
    (3, "Equality and minority rights peer exchange", "PEER_EXCHANGE",
     ["Racial discrimination", "Minorities", "Freedom of the press"], ["EEG", "WEOG"], ["en"],
     120_000, 4, ("2027-02-01", "2027-11-30"), True),
    (4, "South-South cooperation on indigenous peoples' rights", "PEER_EXCHANGE",
     ["Indigenous peoples", "Right to land"], ["GRULAC"], ["es", "pt"], 150_000, 2,
     ("2027-01-01", "2027-12-31"), True),
    (5, "Child protection systems in Africa", "FUNDING", ["Rights of the Child", "Right to education"],
     ["AFRICAN"], ["en", "fr", "ar"], 200_000, 3, ("2027-03-01", "2027-12-31"), False),
]

# (given name, family name, nationality, languages, themes, seniority, partner index)
EXPERTS = [
    ("Amina", "Diallo", "SEN", ["fr", "wo", "en"], ["Rights of the Child", "Justice"], "SENIOR", 5),
    ("Kwame", "Mensah", "GHA", ["en", "fr"], ["Justice", "NHRI"], "PRINCIPAL", 0),
    ("Fatima", "El Amrani", "MAR", ["ar", "fr", "en"], ["Torture and other CID treatment", "Detention"], "SENIOR", 1),
    ("Grace", "Wanjiru", "KEN", ["en", "sw"], ["Women's rights", "Justice"], "SENIOR", 0),
    ("Chidi", "Okafor", "NGA", ["en"], ["International instruments", "Treaty bodies"], "MID", 1),
    ("Thabo", "Nkosi", "ZAF", ["en", "zu"], ["NHRI", "Human rights defenders"], "PRINCIPAL", 2),
    ("Aroha", "Ngata", "NZL", ["en", "mi"], ["Indigenous peoples", "Racial discrimination"], "SENIOR", 3),
    ("Priya", "Raman", "IND", ["en", "ta", "hi"], ["NHRI", "Women's rights"], "SENIOR", 1),
    ("Nguyen", "Thi Lan", "VNM", ["vi", "en"], ["Rights of the Child", "Right to education"], "MID", 2),
    ("Siosaia", "Fifita", "TON", ["to", "en"], ["International instruments", "UPR process"], "MID", 1),
    ("Layla", "Haddad", "LBN", ["ar", "en", "fr"], ["Torture and other CID treatment", "Women's rights"], "SENIOR", 1),
    ("Rahim", "Chowdhury", "BGD", ["bn", "en"], ["Women's rights", "Poverty"], "SENIOR", 2),
    ("Kenji", "Sato", "JPN", ["ja", "en"], ["Detention", "Justice"], "MID", 2),
    ("Ana", "Kovač", "HRV", ["hr", "sr", "en"], ["Freedom of the press", "Justice"], "SENIOR", 3),
    ("Marek", "Nowak", "POL", ["pl", "en", "ru"], ["Rights of the Child", "Justice"], "SENIOR", 3),
    ("Irina", "Popescu", "ROU", ["ro", "en", "fr"], ["Minorities", "Racial discrimination"], "PRINCIPAL", 3),
    ("Olena", "Shevchenko", "UKR", ["uk", "ru", "en"], ["Treaty bodies", "International instruments"], "MID", 1),
    ("Giorgi", "Beridze", "GEO", ["ka", "ru", "en"], ["Torture and other CID treatment", "Detention"], "SENIOR", 1),
    ("Lucía", "Fernández", "ARG", ["es", "en"], ["Torture and other CID treatment", "Justice"], "PRINCIPAL", 2),
    ("João", "Silva", "BRA", ["pt", "es", "en"], ["Indigenous peoples", "Right to land"], "SENIOR", 4),
    ("María", "Quispe", "PER", ["es", "qu"], ["Indigenous peoples", "Human rights defenders"], "SENIOR", 4),
    ("Diego", "Ramírez", "CHL", ["es", "en"], ["Human rights defenders", "Justice"], "MID", 2),
    ("Camila", "Torres", "CRI", ["es", "en"], ["Women's rights", "NHRI"], "SENIOR", 0),
    ("Andrés", "Morales", "URY", ["es", "pt"], ["Torture and other CID treatment", "Detention"], "SENIOR", 1),
    ("Ingrid", "Halvorsen", "NOR", ["no", "en"], ["Women's rights", "Justice"], "SENIOR", 0),
    ("Claire", "Dubois", "FRA", ["fr", "en"], ["Rights of the Child", "Justice"], "PRINCIPAL", 1),
    ("Sarah", "O'Connor", "IRL", ["en", "ga"], ["Racial discrimination", "Minorities"], "MID", 3),
    ("Lukas", "Becker", "DEU", ["de", "en"], ["Racial discrimination", "Migrants"], "SENIOR", 3),
    ("Elena", "Rossi", "ITA", ["it", "en", "es"], ["Freedom of the press", "Human rights defenders"], "SENIOR", 3),
    ("James", "Whitfield", "CAN", ["en", "fr"], ["Indigenous peoples", "NHRI"], "PRINCIPAL", 2),
]


def _recommendations_for(session: Session, state: str, theme: str, limit: int = 3) -> list[int]:
    """The first supported recommendations of a State on a theme (stable order)."""
    rows = session.exec(
        select(Recommendation.id)
        .join(RecommendationTheme, col(RecommendationTheme.recommendation_id) == Recommendation.id)
        .join(Theme, col(Theme.id) == RecommendationTheme.theme_id)
        .where(Recommendation.state_code == state, Theme.name == theme,
               Recommendation.response == "SUPPORTED")
        .order_by(Recommendation.source_id).limit(limit)
    ).all()
    return list(rows)


def _account(session: Session, role: Role, email: str, name: str, **kw) -> Actor:
    account = create_account(session, role=role, email=email, name=name,
                             password=DEMO_PASSWORD, **kw)
    return Actor.from_account(account)


def _expert_account(session: Session) -> list[str]:
    """An account for the first expert of this round's first engagement, so that the demo
    shows an expert's deployments page with an answer to give (linked by e-mail and partner,
    facility/experts/accounts.py)."""
    engagement = session.exec(select(Engagement).where(
        col(Engagement.status) == EngagementStatus.SCHEDULED).order_by(col(Engagement.id))).first()
    if engagement is None or not engagement.expert_ids:
        return ["no engagement deploys an expert: no expert account"]
    expert = session.get(Expert, engagement.expert_ids[0])
    assert expert is not None
    partner = session.get(Partner, expert.partner_id)
    _account(session, Role.EXPERT, expert.email, f"{expert.name} (demo)",
             partner_name=partner.name)  # type: ignore[union-attr]
    return [f"expert account {expert.email}: deployed on engagement {engagement.id}, "
            f"not answered yet"]


def seed_demo(session: Session) -> list[str]:
    """Seed once; returns what was done, line by line. Does nothing on a database in use."""
    if session.exec(select(func.count()).select_from(Account)).one():
        return ["accounts already exist: demo data not seeded again"]
    report: list[str] = []
    sources = [(DEMO_DIR / "upr_slovenia_cycles2-4_uhri_thematic.csv", "uhri-themes"),
               # treaty bodies and special procedures: a genuine UHRI sample, then demo rows
               (DEMO_DIR / "uhri_export_CESCR_AUS_2026.json", "uhri"),
               (DEMO_DIR / "uhri_export_demo_rows.json", "uhri")]
    sample = REPO_SAMPLE / "upr_info_sessions01-04.csv"
    if sample.exists():
        sources.append((sample, "upr-info"))
    for path, fmt in sources:
        result = import_recommendations(session, path, fmt=fmt)  # type: ignore[arg-type]
        report.append(f"recommendations from {path.name}: {result.inserted} new, "
                      f"{result.unchanged} already there")

    secretariat = _account(session, Role.SECRETARIAT, f"secretariat@{DEMO_DOMAIN}",
                           "Secretariat officer (demo)")
    partners = []
    for name, kind, state in PARTNERS:
        slug = SLUGS.get(name) or name.split(" (")[0].lower().replace(" ", "-")
        actor = _account(session, Role.PARTNER, f"{slug}@{DEMO_DOMAIN}", f"{name} officer",
                         partner_name=name, partner_kind=kind, partner_state=state)
        partners.append(actor)

    offers = 0
    for index, title, kind, themes, groups, languages, budget, max_requests, window, publish \
            in OFFERS:
        offer = create_offer(session, actor=partners[index], fields=OfferFields(
            title=f"[Demo] {title}", kind=kind, themes=themes, languages=languages,
            budget=budget, currency="USD", max_requests=max_requests,
            window_start=_d(window[0]), window_end=_d(window[1]), eligible_groups=groups,
            description="Fictitious offer of the demo data set."))
        if publish:
            publish_offer(session, actor=partners[index], offer_id=offer.id)  # type: ignore[arg-type]
        offers += 1
    report.append(f"{offers} offers ({sum(o[-1] for o in OFFERS)} published)")

    for n, (given, family, nationality, languages, themes, seniority, index) in enumerate(EXPERTS):
        start = date(DEMO_YEAR, 1 + n % 4, 1)
        nominate_expert(session, actor=partners[index], consent_given=True, fields=ExpertFields(
            name=f"{given} {family}", email=f"expert{n + 1:02d}@{DEMO_DOMAIN}",
            nationality=nationality, themes=themes, languages=languages,
            availability=[(start, date(DEMO_YEAR, 12, 31))], seniority=seniority,
            max_assignments=1 + n % 2, cv="Fictitious profile of the demo data set.",
            conflict_states=[nationality]))
    report.append(f"{len(EXPERTS)} experts on the roster")

    missions: dict[str, Actor] = {}
    filed = 0
    for item in REQUESTS:
        recommendation_ids = _recommendations_for(session, item.state, item.theme)
        if not recommendation_ids:
            report.append(f"skipped the {item.state} request: no supported recommendation on "
                          f"{item.theme} in the loaded data")
            continue
        if item.state not in missions:
            missions[item.state] = _account(
                session, Role.STATE, f"mission.{item.state.lower()}@{DEMO_DOMAIN}",
                f"Permanent Mission of {item.state} (demo)", state_code=item.state)
        actor = missions[item.state]
        request = create_request(session, actor=actor, fields=RequestFields(
            title=f"[Demo] {item.title}", need=item.need, barrier=item.barrier,
            recommendation_ids=recommendation_ids, languages=list(item.languages),
            support_kinds=list(item.kinds), window_start=item.window[0],
            window_end=item.window[1], weeks=item.weeks, experts_needed=item.experts,
            budget=item.budget, currency="USD", priority=item.priority,
            focal_point="Ministry of Justice, human rights unit (demo)",
            documents=[{"kind": "OFFICIAL_REQUEST",
                        "reference": f"Note verbale No. {filed + 1}/2026 of the Permanent "
                                     f"Mission (demo)"}]))
        if item.status in ("SUBMITTED", "WITHDRAWN"):
            submit_request(session, actor=actor, request_id=request.id)  # type: ignore[arg-type]
        if item.status == "WITHDRAWN":
            withdraw_request(session, actor=actor, request_id=request.id,  # type: ignore[arg-type]
                             reason="Covered by a bilateral programme signed since (demo)")
        filed += 1
    report.append(f"{filed} requests from {len(missions)} States")
    # Before the committee screens and the optimiser runs: the urgent request is decided and
    # matched (or not) under the urgent track's rules, from the ready roster.
    report += seed_readiness(session, domain=DEMO_DOMAIN, missions=missions)
    report += seed_governance(session, secretariat=secretariat, password=DEMO_PASSWORD,
                              domain=DEMO_DOMAIN, missions=missions,
                              partners={a.name: a for a in partners})
    report += _expert_account(session)
    report += seed_follow_up(session, secretariat=secretariat, missions=missions)
    report += seed_stories(session, secretariat=secretariat, missions=missions)
    report += seed_dialogue(session, secretariat=secretariat, missions=missions)
    report += seed_funds(session, secretariat=secretariat)
    report += seed_library(session, secretariat=secretariat, missions=missions, partners=partners)
    report += seed_programmes(session, secretariat=secretariat, missions=missions,
                              partners=partners)
    report.append(f"demo accounts (password {DEMO_PASSWORD!r}) include secretariat@{DEMO_DOMAIN}, "
                  f"norad@{DEMO_DOMAIN} and mission.bdi@{DEMO_DOMAIN}; get an API token with "
                  f"`facility tokens create --email mission.bdi@{DEMO_DOMAIN}`")
    return report
