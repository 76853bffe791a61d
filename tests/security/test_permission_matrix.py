"""The authorisation matrix, generated from the tables in docs/permissions.md.

Every cell of the two tables becomes one test: the operation is called by that column's
caller on that row's target, and the answer must be the cell's. A refused mutation must leave
every table as it was (a dump of all rows before and after); a successful one must change
something. A cell marked `(Bn)` is the intended answer that the application does not give
yet: it runs as a strict expected failure whose reason is the "Known gaps" entry.
"""

from __future__ import annotations

import logging
import re
from contextlib import nullcontext
from datetime import date
from pathlib import Path

import pytest

from facility.timeutil import today_is
from tests.api.helpers import YEAR, offer_input, operation, request_input
from tests.security.conftest import ROLES, World, snapshot
from tests.security.world_dialogue import dialogue_probe, dialogue_variables
from tests.security.world_funds import funds_probe, funds_variables
from tests.security.world_library import library_probe, library_variables
from tests.security.world_programmes import programme_probe, programme_variables
from tests.security.world_stories import story_probe, story_variables

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "permissions.md"
SCHEMA = ROOT / "graphql" / "schema.graphql"


MUTATION_ANSWERS = {"ok", "NotFound", "PermissionDenied", "ValidationError", "Conflict"}
QUERY_ANSWERS = {"visible", "null", "listed", "absent", "personal", "anonymised", "votes", "hidden"}


# The tables ---------------------------------------------------------------------------------

def _section(text: str, title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, f"docs/permissions.md has no section {title!r}"
    return match.group(1)


def _table(section: str) -> list[dict[str, str]]:
    lines = [ln.strip() for ln in section.splitlines() if ln.strip().startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert header[3:] == list(ROLES), header
    rows = []
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert len(cells) == len(header), line
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


def _bugs(text: str) -> dict[str, str]:
    return {m.group(1): " ".join(m.group(2).split())
            for m in re.finditer(r"^- \*\*(B\d+)\*\* (.*?)(?=^- \*\*|\Z)",
                                 _section(text, "Known gaps"), re.S | re.M)}


def _cells(title: str, answers: set[str]) -> list:
    text = DOC.read_text(encoding="utf-8")
    bugs = _bugs(text)
    params = []
    for row in _table(_section(text, title)):
        name = row.get("operation") or row["query"]
        for role in ROLES:
            match = re.fullmatch(r"(\w+)(?: \((B\d+)\))?", row[role])
            assert match and match.group(1) in answers, (name, row["target"], role, row[role])
            expected, bug = match.groups()
            marks = []
            if bug:
                assert bug in bugs, f"{bug} is not described under 'Known gaps'"
                marks = [pytest.mark.xfail(strict=True, reason=f"{bug}: {bugs[bug]}")]
            params.append(pytest.param(name, row["target"], role, expected,
                                       id=f"{name}-{row['target']}-{role}", marks=marks))
    return params


def _schema_fields(type_name: str) -> set[str]:
    body = re.search(rf"^type {type_name} \{{\n(.*?)^\}}", SCHEMA.read_text(encoding="utf-8"),
                     re.S | re.M).group(1)
    return set(re.findall(r"^  (\w+)[(:]", body, re.M))


def test_every_schema_operation_has_rows_in_the_matrix():
    text = DOC.read_text(encoding="utf-8")
    documented = {r["operation"] for r in _table(_section(text, "Mutations"))}
    documented |= {r["query"].split(".")[0] for r in _table(_section(text, "Queries"))}
    for type_name in ("Query", "Mutation"):
        fields = _schema_fields(type_name)
        assert fields <= documented, f"{type_name} fields without a row: {sorted(fields - documented)}"
    unknown = documented - _schema_fields("Query") - _schema_fields("Mutation")
    assert not unknown, f"rows for operations the schema does not have: {sorted(unknown)}"


# Mutations ----------------------------------------------------------------------------------

def _mutation_variables(w: World, name: str, target: str) -> dict:
    ids = w.ids
    recs = ids["recs"]
    if name == "createRequest":
        state = target
        rec = recs[f"SEC-{state}-1"]
        return {"input": request_input([rec], stateCode=state, themes=None)}
    if name == "updateRequest":
        return {"id": ids[target], "input": {"title": "Changed by the matrix"}}
    if name in ("submitRequest", "publishOffer", "closeOffer", "cancelOptimiserRun",
                "confirmProposal"):
        return {"id": ids[target]}
    if name in ("withdrawRequest", "declineProposal"):
        return {"id": ids[target], "reason": "Refused in the permission matrix"}
    if name == "markRequestUrgent":
        return {"id": ids[target], "reason": "Urgent in the permission matrix",
                "latestStart": f"{YEAR}-04-01", "stateConsent": True}
    if name == "createOffer":
        return {"input": offer_input()}
    if name == "updateOffer":
        return {"id": ids[target], "input": {"title": "Changed by the matrix"}}
    if name == "nominateExpert":
        return {"input": {"name": "New Expert", "email": "new.expert@example.org",
                          "nationality": "FRA", "themes": ["Justice"], "languages": ["fr"],
                          "availability": [{"start": f"{YEAR}-01-01", "end": f"{YEAR}-06-30"}],
                          "consentGiven": True}}
    if name == "updateExpert":
        return {"id": ids[target], "input": {"phone": "+1 555 0100"}}
    if name == "setExpertConsent":
        return {"id": ids[target], "input": {"scopes": ["ROSTER"]}}
    if name == "setExpertReadiness":
        return {"id": ids[target], "input": {"noticeHours": 336}}
    if name == "recordExpertCheck":
        return {"id": ids[target], "input": {"kind": "TRAINING", "verifiedOn": f"{YEAR - 2}-12-31",
                                             "expiresOn": f"{YEAR + 1}-01-05"}}
    if name == "seatCommitteeMember":
        return {"regionalGroup": "APG", "memberEmail": ids["ex_committee_email"]}
    if name == "draftCriteria":
        return {"input": {"title": "Another draft", "body": {}}}
    if name == "updateCriteriaDraft":
        return {"version": ids[target], "expectedRowVersion": ids["criteria_draft_row"],
                "title": "Edited by the matrix"}
    if name == "proposeCriteria":
        return {"version": ids[target]}
    if name == "openScreening":
        return {"requestId": ids[target]}
    if name == "castVote":
        return {"motionId": ids[target], "choice": "APPROVE"}
    if name == "declareRecusal":
        return {"motionId": ids[target], "reason": "Refused in the permission matrix"}
    if name == "decideMotion":
        return {"motionId": ids[target]}
    if name == "startOptimiserRun":
        return {"timeLimit": 2}
    if name == "recordEngagementProgress":
        return {"id": ids[target], "status": "IN_PROGRESS"}
    if name == "recordDutyOfCare":
        return {"id": ids[target], "items": ["BRIEFING"], "done": True}
    if name == "amendEngagement":
        return {"id": ids[target], "input": {"reason": "Moved by the matrix",
                                             "end": f"{YEAR}-04-30"}}
    if name == "saveFollowUpReport":
        return {"id": ids[target], "input": {"narrative": "Saved by the matrix"}}
    if name in ("submitFollowUpReport", "reviseFollowUpReport", "markNotificationRead"):
        return {"id": ids[target]}
    if name == "requestFromFurtherNeeds":
        return {"reportId": ids[target]}
    if name == "answerDeployment":
        return {"id": ids[target], "accept": False, "reason": "Refused in the permission matrix"}
    if (variables := story_variables(ids, name, target)) is not None:
        return variables
    if (variables := dialogue_variables(ids, name, target)) is not None:
        return variables
    if (variables := funds_variables(ids, name, target)) is not None:
        return variables
    if (variables := library_variables(ids, name, target)) is not None:
        return variables
    if (variables := programme_variables(ids, name, target)) is not None:
        return variables
    raise AssertionError(f"no variables for {name}")


@pytest.mark.parametrize(("name", "target", "role", "expected"),
                         _cells("Mutations", MUTATION_ANSWERS))
def test_mutation(world: World, name: str, target: str, role: str, expected: str):
    document = operation(name[0].upper() + name[1:])
    variables = _mutation_variables(world, name, target)
    before = snapshot(world.session)
    # Progress follows the calendar: the open engagements start on 10 January (conftest).
    on = today_is(date(YEAR, 1, 10)) if name == "recordEngagementProgress" else nullcontext()
    with on:
        result = world.clients[role](document, variables)["result"]
    after = snapshot(world.session)
    answer = "ok" if result["__typename"].endswith("Payload") else result["__typename"]
    assert answer == expected, result
    if expected == "ok":
        assert after != before, "a successful mutation changed nothing"
    else:
        changed = sorted(t for t in before if before[t] != after.get(t))
        assert not changed, f"refused, yet these tables changed: {changed}"


# Queries ------------------------------------------------------------------------------------

def _one(value) -> str:
    return "null" if value is None else "visible"


def _listed(nodes, target_id) -> str:
    return "listed" if target_id in {n["id"] for n in nodes} else "absent"


def _personal(experts, target_id) -> str:
    for expert in experts or []:
        if expert["id"] == target_id:
            # What the person consented to is personal too: shown exactly with the rest.
            assert (expert["who"] is None) == (expert["agreed"] is None), expert
            return "anonymised" if expert["who"] is None else "personal"
    return "absent"


def _votes(motion) -> str:
    if motion is None:
        return "null"
    return "votes" if motion["ballots"] else "hidden"


PERSONAL = "id who: personal { name email phone cv } agreed: consent { scopes textVersion }"
TEAM = f"team: experts {{ {PERSONAL} }}"
VOTES = "m: motion { ballots: votes { choice comment } }"


def _probe(w: World, client, name: str, target: str) -> str:
    ids = w.ids
    tid = ids.get(target)

    def q(document: str, **variables):
        return client(document, variables)

    if name == "me":
        return _one(q("{ me { role } }")["me"])
    if name in ("states", "themes", "criteriaInForce"):
        sub = {"states": "{ code }", "themes": "", "criteriaInForce": "{ version }"}[name]
        return "visible" if q(f"{{ {name} {sub} }}")[name] else "null"
    if name == "sdgGoals":
        return "visible" if q("{ sdgGoals { number } }")["sdgGoals"] else "null"
    if name == "sdgTargets":
        return "visible" if q("{ sdgTargets { code } }")["sdgTargets"] else "null"
    if name == "regionalGroups":
        return "visible" if q("{ regionalGroups { code name } }")["regionalGroups"] else "null"
    if name == "enumLabels":
        return "visible" if q('{ enumLabels(enum: "RunStatus") { code label } }')["enumLabels"] else "null"
    if name == "themeLabels":
        return "visible" if q("{ themeLabels { name label } }")["themeLabels"] else "null"
    if name == "committee":
        return "visible" if len(q("{ committee { regionalGroup } }")["committee"]) == 5 else "null"
    if name == "publishedDecisions":
        return "visible" if q("{ publishedDecisions { totalCount } }")["publishedDecisions"][
            "totalCount"] > 0 else "null"
    if name == "supportMap":
        found = q("query($s: String!) { supportMap(stateCode: $s) { state { code } "
                  "recommendations { supports { partner { name } } } } }", s=target)["supportMap"]
        if found is not None:  # the approved proposal of the State's request is its support
            assert found["recommendations"] and found["recommendations"][0]["supports"], found
        return _one(found)
    if name == "unmetDemand":
        return _one(q("query($id: ID) { u: unmetDemand(runId: $id) { runId } }", id=tid)["u"])
    if name == "recommendations":
        tid = ids["recs"][target]
        data = q("query { recommendations(stateCode: \"GHA\", first: 100) { edges { node { id } } } }")
        return _listed([e["node"] for e in data["recommendations"]["edges"]], tid)
    if name == "searchRecommendations":
        data = q('query { searchRecommendations(query: "Recommendation", stateCode: "GHA", '
                 'first: 100) { hits { recommendation { id } } } }')["searchRecommendations"]
        return _listed([h["recommendation"] for h in data["hits"]], ids["recs"][target])
    if name == "suggestRecommendations":
        data = q('query { s: suggestRecommendations(need: "Recommendation", first: 100) { '
                 '... on RecommendationSuggestions { hits { recommendation { id } } } } }')["s"]
        return _listed([h["recommendation"] for h in data.get("hits", [])], ids["recs"][target])
    if name == "needsAssessment":
        data = q("query($code: String) { n: needsAssessment(stateCode: $code) { __typename "
                 "... on NeedsAssessment { stateCode } } }", code=target)["n"]
        return "visible" if data.get("stateCode") == target else "null"
    if name == "recommendation":
        return _one(q("query($id: ID!) { recommendation(id: $id) { id } }",
                      id=ids["recs"][target])["recommendation"])
    if name in ("request", "offer", "expert", "proposal", "optimiserRun", "engagement",
                "followUpReport"):
        return _one(q(f"query($id: ID!) {{ x: {name}(id: $id) {{ id }} }}", id=tid)["x"])
    if name == "followUpReport.content":
        report = q("query($id: ID!) { r: followUpReport(id: $id) { narrative indicators { name } "
                   "recommendations { status } furtherNeeds } }", id=tid)["r"]
        if report is None:
            return "null"
        shown = [report["narrative"], report["indicators"], report["recommendations"],
                 report["furtherNeeds"]]
        assert all(shown) or not any(shown), report  # all of the content, or none of it
        return "visible" if all(shown) else "hidden"
    if name == "followUpCompliance":
        return _one(q("{ c: followUpCompliance { total { total } byState { state { code } } } }")["c"])
    if name in ("requests", "offers", "experts", "proposals", "optimiserRuns", "engagements",
                "followUpReports", "notifications"):
        data = q(f"{{ x: {name}(first: 100) {{ totalCount edges {{ node {{ id }} }} }} }}")["x"]
        return _listed([e["node"] for e in data["edges"]], tid)
    if name == "myDeployments":
        data = q("{ x: myDeployments(first: 100) { edges { node { id } } } }")["x"]
        return _listed([e["node"] for e in data["edges"]], tid)
    if name == "engagement.expertAnswers.reason":
        declined = w.clients["EXPERT"](operation("AnswerDeployment"), {
            "id": tid, "accept": False, "reason": "Unavailable: the matrix"})["result"]
        assert declined["__typename"] == "DeploymentPayload", declined
        e = q("query($id: ID!) { e: engagement(id: $id) { expertAnswers { answer reason } } }",
              id=tid)["e"]
        if e is None:
            return "null"
        [answer] = e["expertAnswers"]
        assert answer["answer"] == "DECLINED", answer
        return "visible" if answer["reason"] == "Unavailable: the matrix" else "hidden"
    if name == "expert.personal":
        expert = q(f"query($id: ID!) {{ e: expert(id: $id) {{ {PERSONAL} }} }}", id=tid)["e"]
        return "null" if expert is None else _personal([expert], tid)
    if name == "expert.readiness":
        # The notice period and checks are personal data: shown exactly with the rest.
        expert = q("query($id: ID!) { e: expert(id: $id) { readiness { noticeHours } } }",
                   id=tid)["e"]
        if expert is None:
            return "null"
        return "anonymised" if expert["readiness"] is None else "personal"
    if name == "experts.personal":
        data = q(f"{{ roster: experts(first: 100) {{ edges {{ node {{ {PERSONAL} }} }} }} }}")
        return _personal([e["node"] for e in data["roster"]["edges"]], tid)
    if name in ("criteriaSets", "applicationProcedures"):
        version = 1 if target == "criteria_v1" else tid
        versions = {c["version"] for c in q(f"{{ x: {name} {{ version }} }}")["x"]}
        return "listed" if version in versions else "absent"
    if name == "motions":
        data = q("{ m: motions(first: 100) { edges { node { id } } } }")["m"]
        return _listed([e["node"] for e in data["edges"]], tid)
    if name == "screening":
        return _one(q("query($id: ID!) { s: screening(requestId: $id) { criteriaVersion } }",
                      id=tid)["s"])
    if name == "screening.motion.votes":
        s = q(f"query($id: ID!) {{ s: screening(requestId: $id) {{ {VOTES} }} }}", id=tid)["s"]
        return "null" if s is None else _votes(s["m"])
    if name.endswith(".motion.recusals.reason"):
        field = "screening(requestId: $id)" if name.startswith("screening") else "proposal(id: $id)"
        x = q(f"query($id: ID!) {{ x: {field} {{ m: motion {{ recusals {{ automatic reason }} }} }} }}",
              id=tid)["x"]
        if x is None:
            return "null"
        recusals = x["m"]["recusals"]
        assert recusals, x  # the seat's recusal is listed to all who see the motion
        reasons = [r["reason"] for r in recusals]
        assert all(reasons) or not any(reasons), recusals  # every reason, or none
        return "visible" if all(reasons) else "hidden"
    if name == "proposal.motion.votes":
        p = q(f"query($id: ID!) {{ p: proposal(id: $id) {{ {VOTES} }} }}", id=tid)["p"]
        return "null" if p is None else _votes(p["m"])
    if (answer := story_probe(ids, q, name, target)) is not None:
        return answer
    if (answer := dialogue_probe(ids, q, name, target)) is not None:
        return answer
    if (answer := funds_probe(ids, q, name, target)) is not None:
        return answer
    if (answer := library_probe(ids, q, name, target)) is not None:
        return answer
    if (answer := programme_probe(ids, q, name, target)) is not None:
        return answer
    expert_id = ids[f"{target}_experts"][0]
    if name == "proposal.experts.personal":
        p = q(f"query($id: ID!) {{ p: proposal(id: $id) {{ {TEAM} }} }}", id=tid)["p"]
        return "null" if p is None else _personal(p["team"], expert_id)
    if name == "proposals.experts.personal":
        data = q(f"{{ ps: proposals(first: 100) {{ edges {{ node {{ id {TEAM} }} }} }} }}")
        nodes = [e["node"] for e in data["ps"]["edges"] if e["node"]["id"] == tid]
        return _personal(nodes[0]["team"], expert_id) if nodes else "absent"
    if name == "optimiserRun.proposals.experts.personal":
        run = q(f"query($id: ID!) {{ r: optimiserRun(id: $id) {{ proposals {{ id {TEAM} }} }} }}",
                id=ids["run_done"])["r"]
        if run is None:
            return "null"
        [proposal] = [p for p in run["proposals"] if p["id"] == tid]
        return _personal(proposal["team"], expert_id)
    if name == "motions.proposal.experts.personal":
        data = q("{ m: motions(kind: PROPOSAL, first: 100) { edges { node { proposal { id "
                 f"{TEAM} }} }} }} }} }}")
        nodes = [e["node"]["proposal"] for e in data["m"]["edges"]
                 if e["node"]["proposal"] and e["node"]["proposal"]["id"] == tid]
        return _personal(nodes[0]["team"], expert_id) if nodes else "absent"
    if name == "proposal.engagement.experts.personal":
        for side in ("STATE", "PARTNER"):
            confirmed = w.clients[side](operation("ConfirmProposal"), {"id": tid})["result"]
            assert confirmed["__typename"] == "ProposalPayload", confirmed
        p = q(f"query($id: ID!) {{ p: proposal(id: $id) {{ e: engagement {{ {TEAM} }} }} }}",
              id=tid)["p"]
        if p is None:
            return "null"
        assert p["e"] is not None, p
        return _personal(p["e"]["team"], expert_id)
    raise AssertionError(f"no probe for {name}")


# Reads of one object whose refusal answers null (or, for needsAssessment, NotFound): each such
# answer logs one refusal line (facility.api.context.found_or_null). Lists filtered by
# visibility log nothing; suggestRecommendations refuses every caller but a State mission.
READS_OF_ONE = {"recommendation", "request", "offer", "expert", "screening", "optimiserRun",
                "proposal", "engagement", "followUpReport", "followUpCompliance", "supportMap",
                "unmetDemand", "successStory", "needsAssessment", "referral", "progressUpdate",
                "resource", "fund", "programme", "programmesForRequest"}
REFUSAL = re.compile(r"refused (?P<op>\w+(?:\.\w+)?)(?:\(id (?:\d+|invalid)\))? for "
                     r"(?P<who>anonymous|[A-Z]+#\d+): (?P<kind>NotFound|PermissionDenied)")


def _refusal_expected(name: str, role: str, expected: str) -> bool:
    top = name.split(".")[0]
    if top == "suggestRecommendations":
        return role != "STATE"
    return expected == "null" and top in READS_OF_ONE


def _logged_as(role: str) -> str:
    """How the log names the caller: its role (a former member is still a COMMITTEE account)."""
    return {"anonymous": "anonymous", "EX_COMMITTEE": "COMMITTEE"}.get(role, role)


@pytest.mark.parametrize(("name", "target", "role", "expected"),
                         _cells("Queries", QUERY_ANSWERS))
def test_query(world: World, name: str, target: str, role: str, expected: str, caplog):
    caplog.set_level(logging.INFO, logger="facility.refusals")
    assert _probe(world, world.clients[role], name, target) == expected
    lines = [r.getMessage() for r in caplog.records if r.name == "facility.refusals"]
    if not _refusal_expected(name, role, expected):
        assert lines == [], f"nothing was refused, yet the log says {lines}"
        return
    assert lines, "a refused read left no line in the log"
    for line in lines:
        match = REFUSAL.fullmatch(line)
        assert match, line
        assert match["who"].split("#")[0] == _logged_as(role), line
