"""Two and a half years of the facility, from an empty database, as its users live them.

Cycle one (2027): the secretariat opens the platform, the committee is seated, Norad's offer
and five experts are on the roster; four States file requests from their UPR
recommendations; one is refused at screening; the optimiser proposes; the committee votes
(members recused where their own State or their State's agency is concerned); Mexico declines
its proposal and withdraws, and a re-run gives the freed capacity to Bangladesh; an expert
declines and Norad replaces them, the others accept; the engagements start and end on their
dates.
Between the cycles the committee adopts new criteria (a lower budget ceiling).
Cycle two (2028): follow-up reports at 12 months (Ghana's late), Bangladesh's further needs
re-filed as a request, Ukraine's revised request, Ghana's over the new ceiling refused, a run
that must reuse experts whose 2027 engagements are over, its engagements on their dates.
Then (2029) the 24-month reports, one on time and one overdue, and a success story.

Each step is one function, its docstring saying what the people do; after every step the
invariants of tests/year/invariants.py are checked.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest

from facility.ids import decode_id, encode_id
from tests.year import invariants
from tests.year.conftest import PASSWORD, RECOMMENDATIONS, Person, Year, deployment_forms

# The committee: one member per regional group, each bound to the State they represent.
MEMBERS = {"AFRICAN": "GHA", "APG": "IND", "EEG": "POL", "GRULAC": "BRA", "WEOG": "NOR"}
MISSIONS = {"ghana": "GHA", "bangladesh": "BGD", "ukraine": "UKR", "mexico": "MEX"}
EXPERTS = {  # nominated by Norad: name, nationality, themes, languages
    "ferreira": ("Lucia Ferreira", "BRA", ["Justice"], ["en", "es", "pt"]),
    "martin": ("Claire Martin", "FRA", ["Justice"], ["en", "fr"]),
    "ruiz": ("Tomás Ruiz", "ESP", ["Justice"], ["en", "es"]),
    "wanjiru": ("Grace Wanjiru", "KEN", ["Women's rights"], ["en", "sw"]),
    "raman": ("Priya Raman", "IND", ["Women's rights"], ["en", "hi"]),
}
TIME_LIMIT = "5"  # seconds; the instance is tiny and proven optimal well within it


# Helpers the steps share -----------------------------------------------------------------------

def _vote(w: Year, motion: str, choice: str, groups, comment: str = "") -> None:
    """The members of `groups` find the vote on their to-do page and vote on the motion's page."""
    pk = w.pk("Motion", motion)
    for group in groups:
        assert f"/committee/motions/{pk}" in w.todo(f"member-{group}"), (group, motion)
        w.post_form(f"member-{group}", f"/committee/motions/{pk}",
                    f"/committee/motions/{pk}/vote", {"choice": choice, "comment": comment})


def _decide(w: Year, motion: str, expected: str) -> dict:
    """The secretariat closes the vote on the motion's page; the outcome as the committee reads it."""
    pk = w.pk("Motion", motion)
    w.post_form("secretariat", f"/committee/motions/{pk}", f"/committee/motions/{pk}/decide",
                {"reasons": ""})
    [motion_node] = [e["node"] for e in w.gql("member-APG", "Motions", first=100)["motions"]["edges"]
                     if e["node"]["id"] == w.ids[motion]]
    assert motion_node["status"] == expected, motion_node
    return motion_node


def _recused(w: Year, motion: str) -> list[str]:
    [node] = [e["node"] for e in w.gql("member-APG", "Motions", first=100)["motions"]["edges"]
              if e["node"]["id"] == w.ids[motion]]
    return sorted(r["regionalGroup"] for r in node["recusals"])


def _open_screening(w: Year, request: str) -> str:
    """The secretariat puts a submitted request to screening from its home page."""
    response = w.post_form("secretariat", "/secretariat", "/secretariat/screenings",
                           {"request_id": str(w.pk("CapacityRequest", request))})
    pk = int(response.headers["location"].rsplit("/", 1)[1])
    w.ids[f"screening:{request}"] = encode_id("Motion", pk)
    return f"screening:{request}"


def _run(w: Year) -> dict:
    """The secretariat starts an optimiser run from its page and reads the result."""
    response = w.post_form("secretariat", "/secretariat", "/secretariat/runs",
                           {"time_limit": TIME_LIMIT})
    pk = int(response.headers["location"].rsplit("/", 1)[1])
    run_id = encode_id("OptimiserRun", pk)
    w.runs.append(run_id)
    run = w.gql("secretariat", "OptimiserRun", id=run_id)["optimiserRun"]
    assert run["status"] == "DONE", run
    return run


def _proposals_by_request(w: Year, run: dict) -> dict[str, dict]:
    names = {v: k.removeprefix("request:") for k, v in w.ids.items() if k.startswith("request:")}
    found = {}
    for proposal in run["proposals"]:
        name = names[proposal["request"]["id"]]
        found[name] = proposal
        w.ids[f"proposal:{name}"] = proposal["id"]
        w.ids[f"vote:{name}"] = proposal["motion"]["id"]
    return found


def _carried(w: Year, run: dict) -> dict[str, tuple[str, int, list[str]]]:
    """What a run held of the matches agreed before it: by request, how, under which version."""
    names = {v: k.removeprefix("request:") for k, v in w.ids.items() if k.startswith("request:")}
    return {names[c["proposal"]["request"]["id"]]: (c["holds"], c["criteriaVersion"], c["problems"])
            for c in run["carried"]}


def _recommendation(w: Year, mission: str, response: str, theme: str, skip: int = 0) -> str:
    """The mission looks up the recommendations its State received on a theme."""
    page = w.gql(mission, "Recommendations", stateCode=MISSIONS[mission], response=response,
                 theme=theme, first=10)["recommendations"]
    assert page["totalCount"] > skip, (mission, theme, page)
    return page["edges"][skip]["node"]["id"]


def _publish_offer(w: Year, partner: str, title: str, *, budget: int, max_requests: int,
                   window: tuple[str, str]) -> None:
    """The partner posts a funding offer open to every regional group over GraphQL, publishes it."""
    offer = w.ok(partner, "CreateOffer", input={
        "title": title, "kind": "FUNDING", "themes": ["Justice", "Women's rights"],
        "languages": ["en", "fr", "es"], "budget": budget, "currency": "USD",
        "maxRequests": max_requests, "windowStart": window[0], "windowEnd": window[1],
        "eligibleGroups": None})["offer"]
    w.ok(partner, "PublishOffer", id=offer["id"])
    w.ids[f"offer:{partner}"] = offer["id"]


def _file(w: Year, mission: str, name: str, recommendation_ids: list[str], **fields) -> None:
    """The mission drafts a request over GraphQL, then submits it."""
    base = {"title": fields.pop("title"), "need": fields.pop("need"),
            "barrier": "Too few trained staff and no budget line for it.",
            "recommendationIds": recommendation_ids, "languages": ["en"],
            "supportKinds": ["EXPERT_MISSION", "TRAINING"], "currency": "USD",
            "focalPoint": "Ministry of Justice, human rights unit"}
    request = w.ok(mission, "CreateRequest", input={**base, **fields})["request"]
    assert request["status"] == "DRAFT"
    w.ids[f"request:{name}"] = request["id"]
    submitted = w.ok(mission, "SubmitRequest", id=request["id"])["request"]
    assert submitted["status"] == "SUBMITTED"


def _status(w: Year, mission: str, name: str) -> str:
    return w.gql(mission, "Request", id=w.ids[f"request:{name}"])["request"]["status"]


def _engagement(w: Year, mission: str, name: str) -> dict:
    [node] = [e["node"] for e in w.gql(mission, "Proposals", first=50)["proposals"]["edges"]
              if e["node"]["id"] == w.ids[f"proposal:{name}"]]
    assert node["engagement"] is not None, node
    w.ids[f"engagement:{name}"] = node["engagement"]["id"]
    return node["engagement"]


def _answer_deployments(w: Year, expert: str, accept: bool = True, reason: str = "") -> int:
    """The expert opens their deployments page and answers each deployment waiting for them."""
    forms = deployment_forms(w.page(expert, "/expert/deployments"))
    waiting = {link.rsplit("-", 1)[1] for link in w.todo(expert) if "#deployment-" in link}
    answered = 0
    for engagement_pk, version in forms.items():
        deployment = [e["node"] for e in w.gql(expert, "MyDeployments")["myDeployments"]["edges"]
                      if e["node"]["id"] == encode_id("Engagement", engagement_pk)]
        if deployment and deployment[0]["answer"]:
            continue
        assert str(engagement_pk) in waiting, (expert, "the to-do page omits the deployment")
        w.post_form(expert, "/expert/deployments", f"/expert/deployments/{engagement_pk}",
                    {"answer": "accept" if accept else "decline", "version": version,
                     "reason": reason})
        answered += 1
    return answered


def _report(w: Year, mission: str, name: str, kind: str) -> dict:
    page = w.gql(mission, "FollowUpReports", engagementId=w.ids[f"engagement:{name}"],
                 first=10)["followUpReports"]
    [report] = [e["node"] for e in page["edges"] if e["node"]["kind"] == kind]
    return report


def _file_report(w: Year, mission: str, name: str, kind: str, *, further_needs: str = "") -> dict:
    """The mission fills in the report (every linked recommendation, three indicators), submits it."""
    report = _report(w, mission, name, kind)
    assert f"/state/reports/{decode_id('FollowUpReport', report['id'])}" in w.todo(mission)
    linked = w.gql(mission, "Request", id=w.ids[f"request:{name}"])["request"]["recommendations"]
    twelve = kind == "TWELVE_MONTHS"
    saved = w.ok(mission, "SaveFollowUpReport", id=report["id"], input={
        "expectedRowVersion": 1,
        "recommendations": [{
            "recommendationId": r["id"],
            "status": "PARTIALLY_IMPLEMENTED" if twelve else "FULLY_IMPLEMENTED",
            "evidence": "Training curriculum adopted; first cohort certified."} for r in linked],
        "indicators": [
            {"type": "STRUCTURAL", "name": "Curriculum adopted", "unit": "yes/no",
             "baseline": "no", "target": "yes", "current": "yes"},
            {"type": "PROCESS", "name": "Officials trained", "unit": "persons",
             "baseline": "0", "target": "120", "current": "80" if twelve else "130"},
            {"type": "OUTCOME", "name": "Cases handled within the legal time limit", "unit": "%",
             "baseline": "41", "target": "60", "current": "48" if twelve else "63"}],
        "narrative": "The programme ran as planned; the ministry now trains its own trainers.",
        "furtherNeeds": further_needs})
    assert saved["report"]["status"] in ("DUE", "OVERDUE"), saved
    return w.ok(mission, "SubmitFollowUpReport", id=report["id"])["report"]


# Cycle one (2027) ----------------------------------------------------------------------------

def step_the_secretariat_opens_the_platform(w: Year) -> None:
    """The secretariat creates its own account on the command line, signs in, opens the
    committee members' and the missions' accounts on its accounts page, the partners' with
    the command (their kind and State), imports the UPR Info export of the States concerned
    on its imports page, and seats the committee on its seats page."""
    w.on(date(2027, 1, 4))
    w.people["secretariat"] = Person("secretariat@ohchr.example.org")
    w.cli("accounts", "create", "--role", "secretariat", "--email", "secretariat@ohchr.example.org",
          "--name", "Amina Diallo", "--password-stdin", input=f"{PASSWORD}\n")
    for group, state in MEMBERS.items():
        email = f"member.{state.lower()}@committee.example.org"
        w.post_form("secretariat", "/secretariat/accounts", "/secretariat/accounts", {
            "role": "COMMITTEE", "email": email, "name": f"Ambassador of {state}",
            "state_code": state, "group_code": group, "password": PASSWORD})
        w.people[f"member-{group}"] = Person(email)
    for mission, state in MISSIONS.items():
        email = f"mission.{state.lower()}@missions.example.org"
        w.post_form("secretariat", "/secretariat/accounts", "/secretariat/accounts", {
            "role": "STATE", "email": email, "name": f"Permanent Mission of {state}",
            "state_code": state, "password": PASSWORD})
        w.people[mission] = Person(email)
    w.cli("accounts", "create", "--role", "partner", "--email", "officer@norad.example.org",
          "--name", "Norad officer", "--partner", "Norad", "--partner-kind", "donor_agency",
          "--partner-state", "NOR", "--password-stdin", input=f"{PASSWORD}\n")
    w.people["norad"] = Person("officer@norad.example.org")

    with (RECOMMENDATIONS / "upr_info_sessions01-04.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    states = {"Ghana", "Bangladesh", "Ukraine", "Mexico"}
    export = io.StringIO()
    writer = csv.DictWriter(export, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(r for r in rows if r["To"] in states)
    imported = w.post_form("secretariat", "/secretariat/imports", "/secretariat/imports",
                           {"format": "upr-info"}, expect=200,
                           files={"file": ("upr-info.csv", export.getvalue().encode(), "text/csv")})
    assert "nothing was imported" not in imported.text

    for group in MEMBERS:
        w.post_form("secretariat", "/secretariat/seats", "/secretariat/seats", {
            "group_code": group, "member_email": w.people[f"member-{group}"].email})
    seats = w.gql(None, "Committee")["committee"]
    assert {s["regionalGroup"]: s["state"]["code"] for s in seats} == MEMBERS


def step_partners_post_offers_and_nominate_experts(w: Year) -> None:
    """Norad publishes its offer for 2027-2028 and nominates five experts over GraphQL; the
    secretariat opens the experts' accounts, which the platform links to their roster entries."""
    w.on(date(2027, 1, 11))
    _publish_offer(w, "norad", "Justice and gender equality 2027-2028", budget=200000,
                   max_requests=2, window=("2027-01-01", "2028-12-31"))
    for key, (name, nationality, themes, languages) in EXPERTS.items():
        email = f"{key}@experts.example.org"
        expert = w.ok("norad", "NominateExpert", input={
            "name": name, "email": email, "nationality": nationality, "themes": themes,
            "languages": languages, "consentGiven": True, "maxAssignments": 1,
            "availability": [{"start": "2027-01-01", "end": "2029-12-31"}]})["expert"]
        w.ids[f"expert:{key}"] = expert["id"]
        w.post_form("secretariat", "/secretariat/accounts", "/secretariat/accounts", {
            "role": "EXPERT", "email": email, "name": name, "partner_name": "Norad",
            "password": PASSWORD})
        w.people[key] = Person(email)
        assert "/expert/deployments" in w.page(key, "/expert")
    offers = w.gql(None, "Offers", first=10)["offers"]
    assert offers["totalCount"] == 1


def step_states_file_requests_from_their_recommendations(w: Year) -> None:
    """Four missions look up the recommendations their State received and file a request
    tied to them: Ghana (justice, two experts), Mexico (justice), Bangladesh (women's rights),
    and Ukraine, whose request rests on a recommendation it only noted."""
    w.on(date(2027, 1, 18))
    _file(w, "ghana", "ghana", [_recommendation(w, "ghana", "SUPPORTED", "Justice")],
          title="Training judges on fair-trial standards", themes=["Justice"],
          need="Train 120 judges and magistrates on fair-trial guarantees.",
          windowStart="2027-03-01", windowEnd="2027-08-31", weeks=8, expertsNeeded=2,
          budget=80000, priority=5)
    _file(w, "mexico", "mexico", [_recommendation(w, "mexico", "SUPPORTED", "Justice")],
          title="Criminal procedure reform support", themes=["Justice"], languages=["es", "en"],
          need="Advise the reform of the criminal procedure code.",
          windowStart="2027-03-01", windowEnd="2027-09-30", weeks=6, expertsNeeded=1,
          budget=60000, priority=4)
    _file(w, "bangladesh", "bangladesh",
          [_recommendation(w, "bangladesh", "SUPPORTED", "Women's rights")],
          title="National action plan on violence against women", themes=["Women's rights"],
          need="Draft the national action plan with the ministry and civil society.",
          windowStart="2027-04-01", windowEnd="2027-10-31", weeks=6, expertsNeeded=1,
          budget=60000, priority=2)
    _file(w, "ukraine", "ukraine", [_recommendation(w, "ukraine", "NOTED", "Minorities")],
          title="Minority language education review", themes=["Minorities"],
          need="Review the law on minority language education.",
          windowStart="2027-04-01", windowEnd="2027-10-31", weeks=4, expertsNeeded=1,
          budget=50000, priority=3)
    assert w.gql("norad", "Requests", status="SUBMITTED", first=10)["requests"]["totalCount"] == 4


def step_the_committee_screens_the_requests(w: Year) -> None:
    """The secretariat puts each request to screening; the members vote on the motion pages
    (Ghana's member is recused from Ghana's request), the secretariat closes each vote.
    Ukraine's request fails the clause that every linked recommendation be supported."""
    w.on(date(2027, 1, 25))
    for name in ("ghana", "mexico", "bangladesh", "ukraine"):
        motion = _open_screening(w, f"request:{name}")
        if name == "ukraine":
            screening = w.gql("ukraine", "Screening", requestId=w.ids["request:ukraine"])["screening"]
            assert [c["clause"] for c in screening["failedClauses"]] == ["eligibility.require_supported"]
            _vote(w, motion, "REJECT", ("APG", "EEG", "GRULAC", "WEOG", "AFRICAN"),
                  "A noted recommendation is not eligible.")
            _decide(w, motion, "FAILED")
        else:
            voters = [g for g in MEMBERS if g not in _recused(w, motion)]
            if name == "ghana":
                assert _recused(w, motion) == ["AFRICAN"]
            _vote(w, motion, "APPROVE", voters)
            _decide(w, motion, "PASSED")
    assert {n: _status(w, n, n) for n in MISSIONS} == {
        "ghana": "ELIGIBLE", "mexico": "ELIGIBLE", "bangladesh": "ELIGIBLE", "ukraine": "INELIGIBLE"}


def step_the_optimiser_proposes_matches(w: Year) -> None:
    """The secretariat starts a run; with Norad's offer able to fund two requests, it proposes
    Ghana's (a team from two regional groups) and Mexico's, and explains Bangladesh's wait."""
    w.on(date(2027, 2, 1))
    run = _run(w)
    proposals = _proposals_by_request(w, run)
    assert set(proposals) == {"ghana", "mexico"}, run
    assert len({e["regionalGroup"] for e in proposals["ghana"]["experts"]}) == 2
    assert [u["request"]["id"] for u in run["unmatched"]] == [w.ids["request:bangladesh"]]


def step_the_committee_approves_the_proposals(w: Year) -> None:
    """The members vote on each proposal; Norway's member is recused from both (the offer is
    Norad's), Ghana's member from Ghana's; the three others make the quorum."""
    w.on(date(2027, 2, 3))
    assert _recused(w, "vote:ghana") == ["AFRICAN", "WEOG"]
    assert _recused(w, "vote:mexico") == ["WEOG"]
    _vote(w, "vote:ghana", "APPROVE", ("APG", "EEG", "GRULAC"))
    _vote(w, "vote:mexico", "APPROVE", ("APG", "EEG", "GRULAC", "AFRICAN"))
    _decide(w, "vote:ghana", "PASSED")
    _decide(w, "vote:mexico", "PASSED")
    assert _status(w, "ghana", "ghana") == "APPROVED"


def step_ghana_confirms_and_mexico_declines(w: Year) -> None:
    """Ghana confirms over GraphQL and Norad confirms both proposals on its proposals page:
    Ghana's engagement is scheduled for its window. Mexico declines (the elections move the
    reform) and withdraws its request."""
    w.on(date(2027, 2, 8))
    w.ok("ghana", "ConfirmProposal", id=w.ids["proposal:ghana"])
    for name in ("ghana", "mexico"):
        pk = w.pk("MatchProposal", f"proposal:{name}")
        assert f"/partner/proposals#proposal-{pk}" in w.todo("norad")
        w.post_form("norad", "/partner/proposals", f"/partner/proposals/{pk}/confirm", {})
    engagement = _engagement(w, "ghana", "ghana")
    assert (engagement["status"], engagement["start"], engagement["end"]) == (
        "SCHEDULED", "2027-03-01", "2027-04-25")
    declined = w.ok("mexico", "DeclineProposal", id=w.ids["proposal:mexico"],
                    reason="The general elections move the reform to 2029.")["proposal"]
    assert (declined["status"], declined["declinedBy"]) == ("DECLINED", "STATE")
    w.ok("mexico", "WithdrawRequest", id=w.ids["request:mexico"],
         reason="The reform is postponed after the elections.")
    assert _status(w, "mexico", "mexico") == "WITHDRAWN"


def step_a_rerun_gives_the_freed_capacity_to_bangladesh(w: Year) -> None:
    """The secretariat runs the optimiser again: Ghana's match is kept, and the slot Mexico
    freed funds Bangladesh's request; the committee approves it (Norway's member recused)."""
    w.on(date(2027, 2, 10))
    run = _run(w)
    proposals = _proposals_by_request(w, run)
    assert set(proposals) == {"bangladesh"}, run
    assert _carried(w, run) == {"ghana": ("MATCH", 1, [])}
    assert _recused(w, "vote:bangladesh") == ["WEOG"]
    _vote(w, "vote:bangladesh", "APPROVE", ("AFRICAN", "APG", "EEG"))
    _decide(w, "vote:bangladesh", "PASSED")


def step_bangladesh_and_norad_confirm(w: Year) -> None:
    """Bangladesh confirms on its request's page, Norad over GraphQL: the engagement starts
    with the request's window."""
    w.on(date(2027, 2, 15))
    request_pk = w.pk("CapacityRequest", "request:bangladesh")
    proposal_pk = w.pk("MatchProposal", "proposal:bangladesh")
    assert f"/state/requests/{request_pk}#proposal-{proposal_pk}" in w.todo("bangladesh")
    w.post_form("bangladesh", f"/state/requests/{request_pk}",
                f"/state/proposals/{proposal_pk}/confirm", {})
    w.ok("norad", "ConfirmProposal", id=w.ids["proposal:bangladesh"])
    engagement = _engagement(w, "bangladesh", "bangladesh")
    assert (engagement["start"], engagement["end"]) == ("2027-04-01", "2027-05-12")


def _team(w: Year, name: str) -> list[str]:
    """The story's names of the experts on an engagement's team."""
    names = {v: k.removeprefix("expert:") for k, v in w.ids.items() if k.startswith("expert:")}
    engagement = w.gql("secretariat", "Engagement", id=w.ids[f"engagement:{name}"])["engagement"]
    return [names[e["id"]] for e in engagement["experts"]]


def step_an_expert_declines_and_norad_replaces_them(w: Year) -> None:
    """One of Ghana's two experts declines the deployment on their page, with a reason; Norad
    opens its engagements page and puts the Justice expert the decline of Mexico freed in
    their place, which the engagement's history records."""
    w.on(date(2027, 2, 18))
    leaving = _team(w, "ghana")[0]
    assert _answer_deployments(w, leaving, accept=False, reason="A court case of mine is listed "
                               "for March; I cannot travel.") == 1
    pk = w.pk("Engagement", "engagement:ghana")
    assert f"/partner/engagements#engagement-{pk}" in w.todo("norad")
    html = w.page("norad", "/partner/engagements")
    form = re.search(rf'action="/partner/engagements/{pk}/replace".*?</form>', html, re.S)
    assert form, "Norad's engagements page offers no replacement"
    free = re.findall(r'<option value="(\d+)"', re.search(
        rf'<select id="joining-{pk}".*?</select>', form.group(0), re.S).group(0))
    [joining] = [k for k in EXPERTS if str(w.pk("Expert", f"expert:{k}")) in free
                 and EXPERTS[k][2] == ["Justice"]]
    version = re.search(r'name="version" value="(\d+)"', form.group(0)).group(1)
    w.post_form("norad", "/partner/engagements", f"/partner/engagements/{pk}/replace", {
        f"leaving-{pk}": str(w.pk("Expert", f"expert:{leaving}")),
        f"joining-{pk}": str(w.pk("Expert", f"expert:{joining}")),
        "reason": "The expert declined; a colleague from our roster takes the place.",
        "version": version})
    assert leaving not in _team(w, "ghana") and joining in _team(w, "ghana")


def step_experts_accept_their_deployments(w: Year) -> None:
    """Every other deployed expert opens their deployments page and accepts."""
    w.on(date(2027, 2, 20))
    assert sum(_answer_deployments(w, key) for key in EXPERTS) == 3


def _progress_on_dates(w: Year, names: list[tuple[str, str]], until: date) -> None:
    """Day by day to `until`: the partner records each engagement as started on its start date
    and as completed the day after its end date."""
    events = []
    for mission, name in names:
        engagement = _engagement(w, mission, name)
        events.append((date.fromisoformat(engagement["start"]), "IN_PROGRESS", name))
        events.append((date.fromisoformat(engagement["end"]) + timedelta(days=1), "COMPLETED", name))
    for day, status, name in sorted(events):
        assert day <= until, (name, day)
        w.on(max(day, w.day))
        partner = w.gql("secretariat", "Engagement", id=w.ids[f"engagement:{name}"])
        offer_partner = "norad" if partner["engagement"]["offer"]["id"] == w.ids["offer:norad"] else "sida"
        if status == "IN_PROGRESS":  # the duty-of-care checklist first
            w.ok(offer_partner, "RecordDutyOfCare", id=w.ids[f"engagement:{name}"],
                 items=["BRIEFING", "SECURITY_CLEARANCE", "INSURANCE", "VISAS", "MEDICAL"])
        done = w.ok(offer_partner, "RecordEngagementProgress", id=w.ids[f"engagement:{name}"],
                    status=status)
        assert done["engagement"]["status"] == status


def step_engagements_run_on_their_dates(w: Year) -> None:
    """Norad records each 2027 engagement as started on its first day and completed after its
    last; the follow-up reports fall due 12 and 24 months after each end."""
    _progress_on_dates(w, [("ghana", "ghana"), ("bangladesh", "bangladesh")], date(2027, 5, 31))
    assert _report(w, "ghana", "ghana", "TWELVE_MONTHS")["dueDate"] == "2028-04-25"
    assert _report(w, "bangladesh", "bangladesh", "TWENTY_FOUR_MONTHS")["dueDate"] == "2029-05-12"


def step_the_committee_adopts_new_criteria(w: Year) -> None:
    """Asia-Pacific's member drafts the 2028 criteria over GraphQL (a ceiling of 100,000 and
    more weight on the State's priority), proposes them; all five vote on the page; adopted."""
    w.on(date(2027, 11, 15))
    draft = w.ok("member-APG", "DraftCriteria", input={
        "title": "Criteria 2028", "notes": "Smaller requests, more of them.",
        "body": {"eligibility": {"budget_ceiling": 100000},
                 "matching": {"weights": {"priority": 15}}}})["criteriaSet"]
    motion = w.ok("member-APG", "ProposeCriteria", version=draft["version"])["motion"]
    w.ids["criteria:2028"] = motion["id"]
    _vote(w, "criteria:2028", "APPROVE", ("AFRICAN", "APG", "EEG", "GRULAC"))
    _vote(w, "criteria:2028", "ABSTAIN", ("WEOG",))
    _decide(w, "criteria:2028", "PASSED")
    sets = {c["version"]: c["status"] for c in w.gql(None, "CriteriaSets")["criteriaSets"]}
    assert sets == {1: "SUPERSEDED", draft["version"]: "IN_FORCE"}
    w.ids["criteria:version"] = str(draft["version"])


# Cycle two (2028) ----------------------------------------------------------------------------

def step_sida_joins_with_an_offer_for_2028(w: Year) -> None:
    """The secretariat opens Sida's account on the command line; Sida publishes an offer."""
    w.on(date(2028, 1, 10))
    w.cli("accounts", "create", "--role", "partner", "--email", "officer@sida.example.org",
          "--name", "Sida officer", "--partner", "Sida", "--partner-kind", "donor_agency",
          "--partner-state", "SWE", "--password-stdin", input=f"{PASSWORD}\n")
    w.people["sida"] = Person("officer@sida.example.org")
    _publish_offer(w, "sida", "Rule of law and equality 2028-2029", budget=300000,
                   max_requests=3, window=("2028-01-01", "2029-06-30"))


def step_bangladesh_reports_on_time_and_refiles_its_further_needs(w: Year) -> None:
    """Bangladesh files its 12-month report before the due date, naming further needs, and
    turns them into a new request: it edits the draft the platform prepared and submits it."""
    w.on(date(2028, 5, 2))
    report = _file_report(w, "bangladesh", "bangladesh", "TWELVE_MONTHS",
                          further_needs="Train the police units that will apply the plan.")
    assert (report["status"], report["onTime"]) == ("SUBMITTED", True)
    made = w.ok("bangladesh", "RequestFromFurtherNeeds", reportId=report["id"])["request"]
    assert made["status"] == "DRAFT"
    w.ids["request:bangladesh-2"] = made["id"]
    w.ok("bangladesh", "UpdateRequest", id=made["id"], input={
        "title": "Police training on the national action plan", "themes": ["Women's rights"],
        "languages": ["en"], "windowStart": "2028-08-01", "windowEnd": "2028-12-31", "weeks": 6,
        "expertsNeeded": 1, "budget": 60000, "currency": "USD", "priority": 4})
    w.ok("bangladesh", "SubmitRequest", id=made["id"])


def step_ghana_reports_late(w: Year) -> None:
    """Ghana files its 12-month report two weeks after it fell due: submitted, late."""
    w.on(date(2028, 5, 10))
    assert _report(w, "ghana", "ghana", "TWELVE_MONTHS")["status"] == "OVERDUE"
    report = _file_report(w, "ghana", "ghana", "TWELVE_MONTHS")
    assert (report["status"], report["onTime"]) == ("SUBMITTED", False)


def step_ukraine_and_ghana_file_new_requests(w: Year) -> None:
    """Ukraine files a revised request, now on recommendations it supported; Ghana asks for
    150,000, above the ceiling the committee adopted."""
    w.on(date(2028, 5, 15))
    _file(w, "ukraine", "ukraine-2",
          [_recommendation(w, "ukraine", "SUPPORTED", "Justice"),
           _recommendation(w, "ukraine", "SUPPORTED", "Justice", skip=1)],
          title="Judicial reform: training of trainers", themes=["Justice"],
          need="Build a pool of judge trainers at the national school of judges.",
          windowStart="2028-07-01", windowEnd="2028-12-15", weeks=8, expertsNeeded=2,
          budget=90000, priority=5)
    _file(w, "ghana", "ghana-2", [_recommendation(w, "ghana", "SUPPORTED", "Justice", skip=1)],
          title="Case management system for the courts", themes=["Justice"],
          need="Design and roll out electronic case management.",
          windowStart="2028-07-01", windowEnd="2028-12-31", weeks=12, expertsNeeded=1,
          budget=150000, priority=3)


def step_the_committee_screens_under_the_new_criteria(w: Year) -> None:
    """Screened under the 2028 criteria: Bangladesh's and Ukraine's requests are eligible,
    Ghana's fails the budget ceiling and the committee refuses it."""
    w.on(date(2028, 5, 22))
    version = int(w.ids["criteria:version"])
    for name in ("bangladesh-2", "ukraine-2", "ghana-2"):
        motion = _open_screening(w, f"request:{name}")
        mission = name.split("-")[0]
        screening = w.gql(mission, "Screening", requestId=w.ids[f"request:{name}"])["screening"]
        assert screening["criteriaVersion"] == version
        voters = [g for g in MEMBERS if g not in _recused(w, motion)]
        if name == "ghana-2":
            assert [c["clause"] for c in screening["failedClauses"]] == ["eligibility.budget_ceiling"]
            _vote(w, motion, "REJECT", voters)
            _decide(w, motion, "FAILED")
        else:
            assert screening["failedClauses"] == []
            _vote(w, motion, "APPROVE", voters)
            _decide(w, motion, "PASSED")
    assert _status(w, "ghana", "ghana-2") == "INELIGIBLE"


def step_norad_reads_bangladesh_new_request(w: Year) -> None:
    """Norad opens Bangladesh's new request on its pages: its 2027-2028 offer, whose two
    engagements are completed, may fund it by the optimiser's rules and has requests left."""
    w.on(date(2028, 5, 25))
    html = w.page("norad", f"/partner/requests/{w.pk('CapacityRequest', 'request:bangladesh-2')}")
    row = next(chunk for chunk in html.split("<tr>")
               if "<td>Justice and gender equality 2027-2028<br>" in chunk)
    assert "Yes, by the rules" in row and "2 more requests" in row, row


def step_the_second_run_proposes_for_every_eligible_request(w: Year) -> None:
    """The secretariat runs the optimiser for 2028. The experts of the 2027 engagements are free
    again (those are completed), so both eligible requests are proposed."""
    w.on(date(2028, 6, 1))
    run = _run(w)
    assert run["criteriaVersion"] == int(w.ids["criteria:version"])
    proposals = _proposals_by_request(w, run)
    assert set(proposals) == {"bangladesh-2", "ukraine-2"}, run["unmatched"]
    assert run["unmatched"] == []
    # The 2027 engagements are over: they hold only the budget they spent, and are not judged
    # again by the 2028 criteria (they were decided under version 1).
    assert _carried(w, run) == {"ghana": ("BUDGET", 1, []), "bangladesh": ("BUDGET", 1, [])}


def step_the_committee_approves_the_2028_proposals(w: Year) -> None:
    """The members vote on both proposals (recused where the data says) and approve them."""
    w.on(date(2028, 6, 5))
    for name in ("bangladesh-2", "ukraine-2"):
        voters = [g for g in MEMBERS if g not in _recused(w, f"vote:{name}")]
        _vote(w, f"vote:{name}", "APPROVE", voters)
        _decide(w, f"vote:{name}", "PASSED")


def step_states_and_partners_confirm_the_2028_proposals(w: Year) -> None:
    """Each State and each funding partner confirms over GraphQL."""
    w.on(date(2028, 6, 12))
    for name in ("bangladesh-2", "ukraine-2"):
        mission = name.split("-")[0]
        proposal = next(e["node"] for e in w.gql(mission, "Proposals", first=50)["proposals"]["edges"]
                        if e["node"]["id"] == w.ids[f"proposal:{name}"])
        partner = "norad" if proposal["offer"]["id"] == w.ids["offer:norad"] else "sida"
        w.ok(mission, "ConfirmProposal", id=w.ids[f"proposal:{name}"])
        w.ok(partner, "ConfirmProposal", id=w.ids[f"proposal:{name}"])
        assert _engagement(w, mission, name)["status"] == "SCHEDULED"


def step_experts_accept_the_2028_deployments(w: Year) -> None:
    """The experts deployed in 2028 accept on their pages."""
    w.on(date(2028, 6, 20))
    assert sum(_answer_deployments(w, key) for key in EXPERTS) == 3


def step_the_2028_engagements_run_on_their_dates(w: Year) -> None:
    """The funding partner records each 2028 engagement started and completed on its dates."""
    _progress_on_dates(w, [("bangladesh", "bangladesh-2"), ("ukraine", "ukraine-2")],
                       date(2028, 12, 31))


# 2029: the 24-month reports and a success story ----------------------------------------------

def step_ghana_reports_at_24_months_on_time(w: Year) -> None:
    """Ghana files its 24-month report before the due date."""
    w.on(date(2029, 4, 1))
    report = _file_report(w, "ghana", "ghana", "TWENTY_FOUR_MONTHS")
    assert (report["status"], report["onTime"]) == ("SUBMITTED", True)
    w.ids["report:ghana-24"] = report["id"]


def step_bangladesh_24_month_report_is_overdue(w: Year) -> None:
    """Bangladesh's 24-month report was due on 12 May 2029 and is not filed: the daily
    reminders job runs, the report reads overdue to the State and on the secretariat's page."""
    w.on(date(2029, 6, 1))
    w.cli("reminders", "run")
    assert _report(w, "bangladesh", "bangladesh", "TWENTY_FOUR_MONTHS")["status"] == "OVERDUE"
    overdue = w.gql("secretariat", "FollowUpReports", status="OVERDUE", first=10)["followUpReports"]
    assert overdue["totalCount"] == 1
    row = re.search(r'<th scope="row">BGD</th>((?:<td class="num">\d+</td>\s*)+)',
                    w.page("secretariat", "/secretariat/compliance"))
    # overdue, submitted on time, submitted late (after due, and before all)
    assert row and re.findall(r"\d+", row.group(1))[1:4] == ["1", "1", "0"], row


def step_a_success_story_is_published(w: Year) -> None:
    """The secretariat proposes Ghana's 24-month report as a success story, Ghana consents,
    the secretariat publishes it, and the public reads it."""
    w.on(date(2029, 6, 5))
    story = w.ok("secretariat", "ProposeSuccessStory", reportId=w.ids["report:ghana-24"], input={
        "title": "Ghana's judges trained on fair-trial standards",
        "summary": "Two years on, cases handled within the legal time limit rose from 41% to 63%.",
        "parts": ["INDICATORS", "NARRATIVE"]})["story"]
    assert f"/state/stories/{decode_id('SuccessStory', story['id'])}" in w.todo("ghana")
    consented = w.ok("ghana", "ConsentToSuccessStory", id=story["id"],
                     expectedRowVersion=story["rowVersion"])["story"]
    published = w.ok("secretariat", "PublishSuccessStory", id=story["id"],
                     expectedRowVersion=consented["rowVersion"])["story"]
    assert published["status"] == "PUBLISHED"
    public = w.gql(None, "SuccessStories")["successStories"]
    assert [s["node"]["title"] for s in public["edges"]] == [story["title"]]


def step_the_secretariat_writes_the_item_10_reports(w: Year) -> None:
    """The secretariat writes the item 10 documents of 2027 and 2028 with the command line:
    three requests each year (Mexico's, withdrawn, is not demand), the 2028 story not yet."""
    w.on(date(2029, 6, 10))
    for year, requests in ((2027, 3), (2028, 3)):
        output = w.folder / f"item10-{year}.html"
        said = w.cli("report", "item10", "--year", str(year), "--output", str(output))
        assert f"{requests} requests, 0 success stories" in said, said
        assert output.read_text(encoding="utf-8").count("<svg") >= 3


FIRST_CYCLE = [
    step_the_secretariat_opens_the_platform,
    step_partners_post_offers_and_nominate_experts,
    step_states_file_requests_from_their_recommendations,
    step_the_committee_screens_the_requests,
    step_the_optimiser_proposes_matches,
    step_the_committee_approves_the_proposals,
    step_ghana_confirms_and_mexico_declines,
    step_a_rerun_gives_the_freed_capacity_to_bangladesh,
    step_bangladesh_and_norad_confirm,
    step_an_expert_declines_and_norad_replaces_them,
    step_experts_accept_their_deployments,
    step_engagements_run_on_their_dates,
    step_the_committee_adopts_new_criteria,
]
SECOND_CYCLE_FILING = [
    step_sida_joins_with_an_offer_for_2028,
    step_bangladesh_reports_on_time_and_refiles_its_further_needs,
    step_ghana_reports_late,
    step_ukraine_and_ghana_file_new_requests,
    step_the_committee_screens_under_the_new_criteria,
    step_norad_reads_bangladesh_new_request,
]
SECOND_CYCLE_MATCHING = [
    step_the_second_run_proposes_for_every_eligible_request,
    step_the_committee_approves_the_2028_proposals,
    step_states_and_partners_confirm_the_2028_proposals,
    step_experts_accept_the_2028_deployments,
    step_the_2028_engagements_run_on_their_dates,
]
FOLLOW_UP = [
    step_ghana_reports_at_24_months_on_time,
    step_bangladesh_24_month_report_is_overdue,
    step_a_success_story_is_published,
    step_the_secretariat_writes_the_item_10_reports,
]


def play(w: Year, steps) -> None:
    for step in steps:
        step(w)
        invariants.check(w, after=step.__name__)


@pytest.mark.slow
def test_a_year_of_the_facility(year: Year):
    """Both cycles and the follow-up, step by step, with the invariants after each step."""
    play(year, FIRST_CYCLE + SECOND_CYCLE_FILING + SECOND_CYCLE_MATCHING + FOLLOW_UP)
