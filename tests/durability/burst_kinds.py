"""The kinds of write the burst sends, one per page form and GraphQL mutation, and what each deserves.

Each kind is a function of the `World` (a served demo database, its signed-in browsers and API
tokens) returning a `Wave`: fifty calls released together, the answers they deserve (a Counter
of outcomes: an HTTP status for a page, the payload's `__typename` for GraphQL) and the rows
that must exist afterwards (`rows`: the audit entries the wave adds, since every write is
audited in its own transaction, and any further check on the tables). Kinds run in the order
they are declared here, on one server per database: a kind may use what an earlier one made.

`COVERS` maps every POST route and mutation to the kind that sends it (or to the test that
does, or to a reason for leaving it out); tests/durability/test_burst_coverage.py fails when
one exists that is in none of them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from types import SimpleNamespace

import httpx
from sqlalchemy import func
from sqlmodel import Session, select

from facility.audit import AuditEntry
from facility.auth.models import Account
from facility.auth.service import create_token
from facility.db import reading_only, unit_of_work
from facility.ids import encode_id
from tests.api.helpers import operation

AT_ONCE = 50
HALF = AT_ONCE // 2
PASSWORD = "demo-password-2027"  # facility.demo.seed.DEMO_PASSWORD
DOMAIN = "demo.example.org"
# What every page says of a write refused because the object changed since its form was read
# (some pages answer 409, forms shown again with the message 422).
STALE_RE = re.compile(r"in the meantime|changed since you (opened|read)")
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')

Call = Callable[[], httpx.Response]


@dataclass
class Wave:
    calls: list[Call]
    expect: Counter  # outcome -> how many
    audit: int | None  # audit entries the wave adds (None: not checked, the check says why)
    check: Callable[[], object] | None = None  # further rows; raises AssertionError
    # Outcomes that are equally deserved, whichever comes (counted together under the first):
    # with several writers at once (PostgreSQL) a second write may read before the first commits.
    alike: tuple = ()

    def counted(self, outcomes: Counter) -> Counter:
        merged = Counter()
        for o, n in outcomes.items():
            merged[self.alike[0] if o in self.alike else o] += n
        return merged


@dataclass
class Browser:
    cookies: dict[str, str]
    csrf: str


class _Forms(HTMLParser):
    """The named fields of the form posting to `action`, as a browser would send them."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.fields = action, False, []
        self._select: str | None = None
        self._first_option: tuple[str, str] | None = None
        self._chosen = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("action") == self.action
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((name, a.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields.append((name, ""))
        elif tag == "select" and name:
            self._select, self._first_option, self._chosen = name, None, False
        elif tag == "option" and self._select:
            value = a.get("value") or ""
            if self._first_option is None:
                self._first_option = (self._select, value)
            if "selected" in a:
                self.fields.append((self._select, value))
                self._chosen = True

    def handle_data(self, data):
        if self._textarea and self.fields and self.fields[-1][0] == self._textarea:
            self.fields[-1] = (self._textarea, self.fields[-1][1] + data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            if not self._chosen and self._first_option is not None:
                self.fields.append(self._first_option)
            self._select = None


@dataclass
class World:
    url: str
    engine: object
    browsers: dict[str, Browser] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    memo: dict[str, int] = field(default_factory=dict)  # what one kind made, for a later one

    # who -------------------------------------------------------------------------------
    def browser(self, who: str) -> Browser:
        if who not in self.browsers:
            with httpx.Client(base_url=self.url, follow_redirects=False, timeout=60) as client:
                page = client.get("/account/sign-in")
                done = client.post("/account/sign-in", data={
                    "csrf_token": CSRF_RE.search(page.text).group(1),
                    "email": f"{who}@{DOMAIN}", "password": PASSWORD})
                assert done.status_code == 303, (who, done.status_code, done.text[:300])
                home = client.get("/account")
                self.browsers[who] = Browser(dict(client.cookies), CSRF_RE.search(home.text).group(1))
        return self.browsers[who]

    def token(self, who: str) -> str:
        if who not in self.tokens:
            with unit_of_work(self.engine) as session:
                account = session.exec(select(Account).where(Account.email == f"{who}@{DOMAIN}")).one()
                self.tokens[who] = create_token(session, account=account)
        return self.tokens[who]

    # calls -----------------------------------------------------------------------------
    def post(self, who: str, path: str, data: dict | None = None, files=None) -> Call:
        b = self.browser(who)
        return lambda: httpx.post(f"{self.url}{path}", data={"csrf_token": b.csrf, **(data or {})},
                                  files=files, cookies=b.cookies, follow_redirects=False, timeout=120)

    def get(self, who: str, path: str) -> httpx.Response:
        answer = httpx.get(f"{self.url}{path}", cookies=self.browser(who).cookies, timeout=60)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
        return answer

    def form(self, who: str, page: str, posting_to: str | None = None, **overrides) -> dict:
        """The fields of the form on `page` that posts to `posting_to` (default: the page), as
        shown, with `overrides`."""
        parser = _Forms(posting_to or page)
        parser.feed(self.get(who, page).text)
        assert parser.fields, f"no form posting to {posting_to or page} on {page}"
        fields: dict = {}
        for name, value in parser.fields:
            if name == "csrf_token":
                continue
            if name in fields:
                fields[name] = [*([fields[name]] if isinstance(fields[name], str) else fields[name]), value]
            else:
                fields[name] = value
        return {**fields, **overrides}

    def options(self, who: str, page: str, select_name: str) -> list[str]:
        """The values a <select> on `page` offers (its empty placeholder left out)."""
        text = self.get(who, page).text
        found = re.search(rf'<select[^>]*name="{re.escape(select_name)}".*?</select>', text, re.S)
        assert found, f"no select {select_name} on {page}"
        return [v for v in re.findall(r'<option[^>]*value="([^"]*)"', found.group(0)) if v]

    def gql(self, who: str, name: str, **variables) -> Call:
        token = self.token(who)
        return lambda: httpx.post(f"{self.url}/graphql", json={"query": operation(name),
                                                               "variables": variables},
                                  headers={"Authorization": f"Bearer {token}"}, timeout=120)

    def once(self, call: Call) -> dict | httpx.Response:
        """A single call made to prepare a wave; it must succeed."""
        answer = call()
        assert answer.status_code < 400, (answer.status_code, answer.text[:500])
        if answer.request.url.path == "/graphql":
            result = answer.json()["data"]["result"]
            assert result["__typename"].endswith("Payload"), result
            return result
        return answer

    # rows ------------------------------------------------------------------------------
    def scalar(self, statement):
        with Session(self.engine) as session:
            reading_only(session)  # never waits for the server's writers
            return session.exec(statement).one()

    def count(self, model, *where) -> int:
        return self.scalar(select(func.count()).select_from(model).where(*where))

    def audits(self) -> int:
        return self.count(AuditEntry)

    def account_id(self, who: str) -> int:
        return self.scalar(select(Account.id).where(Account.email == f"{who}@{DOMAIN}"))


def outcome(answer: httpx.Response):
    """What an answer is: its HTTP status for a page, the payload's type for GraphQL."""
    if answer.request.url.path != "/graphql" or answer.status_code != 200:
        if answer.status_code in (409, 422) and STALE_RE.search(answer.text):
            return "stale"  # refused: saved by someone else since the form was read
        return answer.status_code
    body = answer.json()
    if body.get("errors"):
        return "errors:" + ",".join(sorted({str(e.get("extensions", {}).get("code", e["message"][:60]))
                                            for e in body["errors"]}))
    return body["data"]["result"]["__typename"]


def gid(kind: str, pk: int) -> str:
    return encode_id(kind, pk)


def later(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


KINDS: list[tuple[str, tuple[str, ...], Callable[[World], Wave]]] = []


def kind(*covers: str):
    """Declare a kind: `covers` are the routes ("POST /path/{param}") and mutations it sends."""

    def register(build: Callable[[World], Wave]) -> Callable[[World], Wave]:
        KINDS.append((build.__name__, covers, build))
        return build

    return register


# Who is who in the demo ------------------------------------------------------------------

def mission(state_code: str) -> str:
    return f"mission.{state_code.lower()}"


def partner_of_offer(w: World, offer_id: int) -> str:
    from facility.offers.models import Offer

    partner_id = w.scalar(select(Offer.partner_id).where(Offer.id == offer_id))
    email = w.scalar(select(Account.email).where(Account.partner_id == partner_id)
                     .order_by(Account.id).limit(1))
    return email.split("@")[0]


def proposal(w: World, pk: int):
    from facility.requests.models import CapacityRequest
    from governance.models import MatchProposal

    with Session(w.engine) as session:
        reading_only(session)
        found = session.get(MatchProposal, pk)
        state = session.get(CapacityRequest, found.request_id).state_code
        return found, mission(state), partner_of_offer(w, found.offer_id)


MISSING = 999_999  # an id nothing has: the invalid half of a transition's wave


def _proposal_status(w: World, pk: int):
    from governance.models import MatchProposal

    return w.scalar(select(MatchProposal.status).where(MatchProposal.id == pk))


# Proposals: the State and the partner confirm (both make an engagement) or decline ---------

@kind("POST /state/proposals/{proposal_id}/confirm", "POST /partner/proposals/{proposal_id}/confirm")
def proposal_confirmed_on_pages(w: World) -> Wave:
    _p, state, partner = proposal(w, 4)
    calls = ([w.post(state, "/state/proposals/4/confirm") for _ in range(HALF)]
             + [w.post(partner, "/partner/proposals/4/confirm") for _ in range(HALF - 5)]
             + [w.post(state, f"/state/proposals/{MISSING}/confirm") for _ in range(5)])

    def check():
        assert _proposal_status(w, 4) == "CONFIRMED"

    return Wave(calls, Counter({303: 2, 409: AT_ONCE - 7, 404: 5}), audit=None, check=check)


@kind("confirmProposal")
def proposal_confirmed_by_api(w: World) -> Wave:
    _p, state, partner = proposal(w, 5)
    calls = ([w.gql(state, "ConfirmProposal", id=gid("MatchProposal", 5)) for _ in range(HALF)]
             + [w.gql(partner, "ConfirmProposal", id=gid("MatchProposal", 5)) for _ in range(HALF - 5)]
             + [w.gql(state, "ConfirmProposal", id=gid("MatchProposal", MISSING)) for _ in range(5)])

    def check():
        assert _proposal_status(w, 5) == "CONFIRMED"

    return Wave(calls, Counter({"ProposalPayload": 2, "Conflict": AT_ONCE - 7, "NotFound": 5}),
                audit=None, check=check)


@kind("POST /state/proposals/{proposal_id}/decline")
def proposal_declined_by_the_state_page(w: World) -> Wave:
    # The invalid half (no reason) goes to another approved proposal, which stays approved:
    # its answer (422) does not depend on which of the fifty is served first.
    _p, state, _partner = proposal(w, 6)
    _p, other, _partner = proposal(w, 7)
    calls = ([w.post(state, "/state/proposals/6/decline", {"reason": "Covered by another programme"})
              for _ in range(HALF)]
             + [w.post(other, "/state/proposals/7/decline", {"reason": " "}) for _ in range(HALF)])
    return Wave(calls, Counter({303: 1, 409: HALF - 1, 422: HALF}), audit=1,
                check=lambda: _assert_eq((_proposal_status(w, 6), _proposal_status(w, 7)),
                                         ("DECLINED", "APPROVED")))


@kind("POST /partner/proposals/{proposal_id}/decline")
def proposal_declined_by_the_partner_page(w: World) -> Wave:
    _p, _state, partner = proposal(w, 8)
    _p, _state, other = proposal(w, 9)
    calls = ([w.post(partner, "/partner/proposals/8/decline", {"reason": "No trainer free"})
              for _ in range(HALF)]
             + [w.post(other, "/partner/proposals/9/decline", {"reason": ""}) for _ in range(HALF)])
    return Wave(calls, Counter({303: 1, 409: HALF - 1, 422: HALF}), audit=1,
                check=lambda: _assert_eq((_proposal_status(w, 8), _proposal_status(w, 9)),
                                         ("DECLINED", "APPROVED")))


@kind("declineProposal")
def proposal_declined_by_api(w: World) -> Wave:
    _p, state, _partner = proposal(w, 7)
    _p, _state, partner = proposal(w, 9)
    calls = ([w.gql(state, "DeclineProposal", id=gid("MatchProposal", 7), reason="Not now")
              for _ in range(HALF - 5)]
             + [w.gql(partner, "DeclineProposal", id=gid("MatchProposal", 9), reason="Not now")
                for _ in range(HALF - 5)]
             + [w.gql(state, "DeclineProposal", id=gid("MatchProposal", MISSING), reason="Not now")
                for _ in range(10)])
    return Wave(calls, Counter({"ProposalPayload": 2, "Conflict": 2 * (HALF - 6),
                                "NotFound": 10}), audit=2,
                check=lambda: _assert_eq({_proposal_status(w, 7), _proposal_status(w, 9)}, {"DECLINED"}))


def _assert_eq(got, want):
    assert got == want, (got, want)


# Requests in their steps: edits, withdrawals, screenings opened ----------------------------

MEMBERS = ("committee.african", "committee.apg", "committee.eeg", "committee.grulac",
           "committee.weog")


def _request_status(w: World, pk: int):
    from facility.requests.models import CapacityRequest

    return w.scalar(select(CapacityRequest.status).where(CapacityRequest.id == pk))


@kind("POST /state/requests/{request_id}/edit")
def draft_edited_on_the_page(w: World) -> Wave:
    # Serbia's draft (11) saved fifty times with the same new title, and Azerbaijan's (12)
    # sent without themes: refused whole, the draft as it was.
    form = w.form(mission("SRB"), "/state/requests/11/edit", title="Edited in the burst")
    bad = w.form(mission("AZE"), "/state/requests/12/edit", themes=[])
    calls = ([w.post(mission("SRB"), "/state/requests/11/edit", form) for _ in range(HALF)]
             + [w.post(mission("AZE"), "/state/requests/12/edit", bad) for _ in range(HALF)])

    def check():
        from facility.requests.models import CapacityRequest

        _assert_eq(w.scalar(select(CapacityRequest.title).where(CapacityRequest.id == 11)),
                   "Edited in the burst")
        untouched = w.scalar(select(CapacityRequest.title).where(CapacityRequest.id == 12))
        assert untouched != "Edited in the burst"

    return Wave(calls, Counter({303: 1, "stale": HALF - 1, 422: HALF}), audit=None, check=check)


@kind("updateRequest")
def draft_edited_by_api(w: World) -> Wave:
    calls = ([w.gql(mission("AZE"), "UpdateRequest", id=gid("CapacityRequest", 12),
                    input={"title": "Edited by the API in the burst"}) for _ in range(HALF)]
             + [w.gql(mission("AZE"), "UpdateRequest", id=gid("CapacityRequest", 12),
                      input={"weeks": 0}) for _ in range(HALF)])
    return Wave(calls, Counter({"RequestPayload": HALF, "ValidationError": HALF}), audit=None)


@kind("POST /state/requests/{request_id}/withdraw")
def request_withdrawn_on_the_page(w: World) -> Wave:
    calls = ([w.post(mission("GTM"), "/state/requests/13/withdraw", {"reason": "Funded bilaterally"})
              for _ in range(HALF)]
             + [w.post(mission("GTM"), f"/state/requests/{MISSING}/withdraw", {"reason": "x"})
                for _ in range(HALF)])
    return Wave(calls, Counter({303: 1, 409: HALF - 1, 404: HALF}), audit=None,  # requests: no audit
                check=lambda: _assert_eq(_request_status(w, 13), "WITHDRAWN"))


@kind("withdrawRequest")
def request_withdrawn_by_api(w: World) -> Wave:
    calls = ([w.gql(mission("MEX"), "WithdrawRequest", id=gid("CapacityRequest", 15),
                    reason="Funded bilaterally") for _ in range(HALF)]
             + [w.gql(mission("MEX"), "WithdrawRequest", id=gid("CapacityRequest", 16),
                      reason="Not ours") for _ in range(HALF)])  # Barbados's request
    return Wave(calls, Counter({"RequestPayload": 1, "Conflict": HALF - 1, "NotFound": HALF}),
                audit=None, check=lambda: _assert_eq((_request_status(w, 15), _request_status(w, 16)),
                                                  ("WITHDRAWN", "ELIGIBLE")))


def _open_criteria_motions(w: World) -> int:
    from governance.models import Motion

    return w.count(Motion, Motion.kind == "CRITERIA", Motion.status == "OPEN")


def _requests_of(w: World, state_code: str) -> int:
    from facility.requests.models import CapacityRequest

    return w.count(CapacityRequest, CapacityRequest.state_code == state_code)


def _open_motion(w: World, kind_name: str, subject: int) -> int:
    from governance.models import Motion

    return w.scalar(select(Motion.id).where(Motion.kind == kind_name, Motion.subject_id == subject,
                                            Motion.status == "OPEN"))


@kind("POST /secretariat/screenings")
def screening_opened_on_the_page(w: World) -> Wave:
    w.once(w.gql(mission("SRB"), "SubmitRequest", id=gid("CapacityRequest", 11)))
    calls = ([w.post("secretariat", "/secretariat/screenings", {"request_id": "11"}) for _ in range(HALF)]
             + [w.post("secretariat", "/secretariat/screenings", {"request_id": str(MISSING)})
                for _ in range(HALF)])
    from governance.models import Motion

    return Wave(calls, Counter({303: 1, 409: HALF - 1, 404: HALF}), audit=None,
                check=lambda: _assert_eq(w.count(Motion, Motion.kind == "SCREENING",
                                                 Motion.subject_id == 11), 1))


@kind("openScreening")
def screening_opened_by_api(w: World) -> Wave:
    w.once(w.gql(mission("AZE"), "SubmitRequest", id=gid("CapacityRequest", 12)))
    calls = ([w.gql("secretariat", "OpenScreening", requestId=gid("CapacityRequest", 12))
              for _ in range(HALF)]
             + [w.gql("secretariat", "OpenScreening", requestId=gid("CapacityRequest", MISSING))
                for _ in range(HALF)])
    from governance.models import Motion

    return Wave(calls, Counter({"ScreeningPayload": 1, "Conflict": HALF - 1, "NotFound": HALF}),
                audit=None, check=lambda: _assert_eq(w.count(Motion, Motion.kind == "SCREENING",
                                                             Motion.subject_id == 12), 1))


# The committee: votes, recusals, decisions -----------------------------------------------

def _one_vote_each(w: World, motion_id: int) -> None:
    """Every ballot is kept (a changed vote is a new row, the latest per seat counts): forty
    rows, from five seats, and the tally counts five."""
    from governance.models import Motion, Vote
    from governance.motions import tally

    _assert_eq(w.count(Vote, Vote.motion_id == motion_id), 40)
    seats = select(func.count(func.distinct(Vote.seat_id))).where(Vote.motion_id == motion_id)
    _assert_eq(w.scalar(seats), 5)
    with Session(w.engine) as session:
        reading_only(session)
        counted = tally(session, session.get(Motion, motion_id))
    _assert_eq(counted.approve, 5)


@kind("POST /committee/motions/{motion_id}/vote")
def votes_on_the_page(w: World) -> Wave:
    # Each of the five members votes eight times at once (a later vote replaces an earlier
    # one: one vote each), and ten ballots carry no valid choice.
    motion = _open_motion(w, "SCREENING", 11)
    calls = ([w.post(m, f"/committee/motions/{motion}/vote", {"choice": "APPROVE", "comment": ""})
              for m in MEMBERS for _ in range(8)]
             + [w.post(MEMBERS[0], f"/committee/motions/{motion}/vote", {"choice": "MAYBE"})
                for _ in range(10)])
    return Wave(calls, Counter({303: 40, 422: 10}), audit=40, check=lambda: _one_vote_each(w, motion))


@kind("POST /committee/motions/{motion_id}/decide")
def motion_decided_on_the_page(w: World) -> Wave:
    motion = _open_motion(w, "SCREENING", 11)
    calls = ([w.post("secretariat", f"/committee/motions/{motion}/decide", {"reasons": ""})
              for _ in range(HALF)]
             + [w.post("secretariat", f"/committee/motions/{MISSING}/decide", {"reasons": ""})
                for _ in range(HALF)])
    return Wave(calls, Counter({303: 1, 409: HALF - 1, 404: HALF}), audit=None,
                check=lambda: _assert_eq(_request_status(w, 11), "ELIGIBLE"))


@kind("POST /committee/motions/{motion_id}/recuse")
def recusal_on_the_page(w: World) -> Wave:
    motion = _open_motion(w, "PROPOSAL", 10)
    calls = ([w.post("committee.weog", f"/committee/motions/{motion}/recuse",
                     {"reason": "My ministry funds this programme"}) for _ in range(HALF)]
             + [w.post("committee.weog", f"/committee/motions/{motion}/recuse", {"reason": ""})
                for _ in range(HALF)])
    from governance.models import Recusal

    return Wave(calls, Counter({303: 1, 409: HALF - 1, 422: HALF}), audit=None,
                check=lambda: _assert_eq(w.count(Recusal, Recusal.motion_id == motion), 1))


@kind("declareRecusal")
def recusal_by_api(w: World) -> Wave:
    motion = _open_motion(w, "PROPOSAL", 10)
    calls = ([w.gql("committee.eeg", "DeclareRecusal", motionId=gid("Motion", motion),
                    reason="A relative works for the partner") for _ in range(HALF)]
             + [w.gql("committee.eeg", "DeclareRecusal", motionId=gid("Motion", MISSING),
                      reason="x") for _ in range(HALF)])
    from governance.models import Recusal

    return Wave(calls, Counter({"MotionPayload": 1, "Conflict": HALF - 1, "NotFound": HALF}),
                audit=None, check=lambda: _assert_eq(w.count(Recusal, Recusal.motion_id == motion), 2))


@kind("castVote")
def votes_by_api(w: World) -> Wave:
    motion = _open_motion(w, "SCREENING", 12)
    calls = ([w.gql(m, "CastVote", motionId=gid("Motion", motion), choice="APPROVE")
              for m in MEMBERS for _ in range(8)]
             + [w.gql(MEMBERS[1], "CastVote", motionId=gid("Motion", MISSING), choice="APPROVE")
                for _ in range(10)])
    return Wave(calls, Counter({"MotionPayload": 40, "NotFound": 10}), audit=40,
                check=lambda: _one_vote_each(w, motion))


@kind("decideMotion")
def motion_decided_by_api(w: World) -> Wave:
    motion = _open_motion(w, "SCREENING", 12)
    calls = ([w.gql("secretariat", "DecideMotion", motionId=gid("Motion", motion)) for _ in range(HALF)]
             + [w.gql("secretariat", "DecideMotion", motionId=gid("Motion", MISSING))
                for _ in range(HALF)])
    return Wave(calls, Counter({"MotionPayload": 1, "Conflict": HALF - 1, "NotFound": HALF}),
                audit=None, check=lambda: _assert_eq(_request_status(w, 12), "ELIGIBLE"))


# Criteria: drafted, edited and proposed (pages and API) ----------------------------------

def _criteria(w: World, *where):
    from governance.models import CriteriaSet

    with Session(w.engine) as session:
        reading_only(session)
        return list(session.exec(select(CriteriaSet).where(*where).order_by(CriteriaSet.version)))


@kind("POST /committee/criteria")
def criteria_drafted_on_the_page(w: World) -> Wave:
    form = w.form(MEMBERS[0], "/committee/criteria/new", "/committee/criteria",
                  title="Criteria drafted in the burst")
    before = len(_criteria(w))
    calls = ([w.post(MEMBERS[0], "/committee/criteria", {**form, "form_token": f"criteria-{i}"})
              for i in range(HALF)]
             + [w.post(MEMBERS[0], "/committee/criteria", {**form, "form_token": f"bad-criteria-{i}",
                                                          "body.voting.quorum": "three"})
                for i in range(HALF)])
    return Wave(calls, Counter({303: HALF, 422: HALF}), audit=None,  # drafts are not audited
                check=lambda: _assert_eq(len(_criteria(w)) - before, HALF))


def _page_draft(w: World) -> int:
    from governance.models import CriteriaSet

    if "page criteria" not in w.memo:
        drafted = _criteria(w, CriteriaSet.title == "Criteria drafted in the burst")
        w.memo["page criteria"] = drafted[0].version
    return w.memo["page criteria"]


@kind("POST /committee/criteria/{version}")
def criteria_edited_on_the_page(w: World) -> Wave:
    version = _page_draft(w)
    path = f"/committee/criteria/{version}"
    form = w.form(MEMBERS[0], path, title="Criteria edited in the burst")
    calls = ([w.post(MEMBERS[0], path, form) for _ in range(HALF)]
             + [w.post(MEMBERS[0], path, {**form, "body.voting.quorum": "three"}) for _ in range(HALF)])
    from governance.models import CriteriaSet

    return Wave(calls, Counter({303: 1, 409: HALF - 1, 422: HALF}), audit=None,
                check=lambda: _assert_eq([(c.title, c.row_version) for c in _criteria(
                    w, CriteriaSet.version == version)], [("Criteria edited in the burst", 2)]))


@kind("POST /committee/criteria/{version}/propose")
def criteria_proposed_on_the_page(w: World) -> Wave:
    version = _page_draft(w)
    calls = ([w.post(MEMBERS[0], f"/committee/criteria/{version}/propose") for _ in range(HALF)]
             + [w.post(MEMBERS[0], f"/committee/criteria/{MISSING}/propose") for _ in range(HALF)])

    return Wave(calls, Counter({303: 1, 409: HALF - 1, 404: HALF}), audit=None,
                check=lambda: _assert_eq(_open_criteria_motions(w), 1))


def _in_force_body(w: World) -> dict:
    from governance.models import CriteriaSet

    return _criteria(w, CriteriaSet.status == "IN_FORCE")[0].body


@kind("draftCriteria")
def criteria_drafted_by_api(w: World) -> Wave:
    body = _in_force_body(w)
    bad = {**body, "voting": {**body["voting"], "quorum": -1}}
    before = len(_criteria(w))
    calls = ([w.gql(MEMBERS[1], "DraftCriteria", input={"title": "Criteria drafted by the API",
                                                       "body": body, "idempotencyKey": f"c-{i}"})
              for i in range(HALF - 5)]
             + [w.gql(MEMBERS[1], "DraftCriteria", input={"title": "Criteria drafted once",
                                                         "body": body, "idempotencyKey": "c-same"})
                for _ in range(5)]
             + [w.gql(MEMBERS[1], "DraftCriteria", input={"title": "Bad", "body": bad,
                                                         "idempotencyKey": f"c-bad-{i}"})
                for i in range(HALF)])
    return Wave(calls, Counter({"CriteriaPayload": HALF, "ValidationError": HALF}), audit=None,
                check=lambda: _assert_eq(len(_criteria(w)) - before, HALF - 4))


def _api_draft(w: World) -> int:
    from governance.models import CriteriaSet

    if "api criteria" not in w.memo:
        w.memo["api criteria"] = _criteria(w, CriteriaSet.title == "Criteria drafted once")[0].version
    return w.memo["api criteria"]


@kind("updateCriteriaDraft")
def criteria_edited_by_api(w: World) -> Wave:
    version = _api_draft(w)
    calls = ([w.gql(MEMBERS[1], "UpdateCriteriaDraft", version=version, expectedRowVersion=1,
                    title="Criteria edited by the API") for _ in range(HALF)]
             + [w.gql(MEMBERS[1], "UpdateCriteriaDraft", version=MISSING, expectedRowVersion=1,
                      title="x") for _ in range(HALF)])
    from governance.models import CriteriaSet

    return Wave(calls, Counter({"CriteriaPayload": 1, "Conflict": HALF - 1, "NotFound": HALF}), audit=None,
                check=lambda: _assert_eq([(c.title, c.row_version) for c in _criteria(
                    w, CriteriaSet.version == version)], [("Criteria edited by the API", 2)]))


@kind("proposeCriteria")
def criteria_proposed_by_api(w: World) -> Wave:
    version = _api_draft(w)
    calls = ([w.gql(MEMBERS[1], "ProposeCriteria", version=version) for _ in range(HALF)]
             + [w.gql(MEMBERS[1], "ProposeCriteria", version=MISSING) for _ in range(HALF)])

    return Wave(calls, Counter({"MotionPayload": 1, "Conflict": HALF - 1, "NotFound": HALF}), audit=None,
                check=lambda: _assert_eq(_open_criteria_motions(w), 2))


# Follow-up reports: saved and submitted (pages and API), revised, further needs filed --------

def _report(w: World, pk: int):
    from facility.engagements.models import FollowUpReport

    with Session(w.engine) as session:
        reading_only(session)
        return session.get(FollowUpReport, pk)


def _latest_version(w: World, report_id: int) -> int:
    """The newest version of a report (a revision is a new row)."""
    from facility.engagements.models import FollowUpReport

    first = _report(w, report_id)
    return w.scalar(select(func.max(FollowUpReport.id)).where(
        FollowUpReport.engagement_id == first.engagement_id, FollowUpReport.kind == first.kind))


@kind("POST /state/reports/{report_id}")
def report_saved_on_the_page(w: World) -> Wave:
    # Nigeria's 12-month report saved 25 times with the same version (one is saved, the others
    # told it changed meanwhile), and 25 submissions of its 24-month report without the
    # confirmation box (refused before anything is written).
    save = w.form(mission("NGA"), "/state/reports/3", narrative="Saved in the burst", action="save")
    unconfirmed = w.form(mission("NGA"), "/state/reports/4", action="submit")
    unconfirmed.pop("confirm", None)
    calls = ([w.post(mission("NGA"), "/state/reports/3", save) for _ in range(HALF)]
             + [w.post(mission("NGA"), "/state/reports/4", unconfirmed) for _ in range(HALF)])

    def check():
        _assert_eq((_report(w, 3).narrative, _report(w, 3).row_version, _report(w, 3).submitted_at),
                   ("Saved in the burst", 2, None))
        _assert_eq((_report(w, 4).submitted_at, _report(w, 4).row_version), (None, 1))

    return Wave(calls, Counter({303: 1, "stale": HALF - 1, 422: HALF}), audit=None, check=check)


@kind("saveFollowUpReport")
def report_saved_by_api(w: World) -> Wave:
    report = gid("FollowUpReport", 6)
    calls = ([w.gql(mission("SEN"), "SaveFollowUpReport", id=report,
                    input={"narrative": "Saved by the API", "expectedRowVersion": 1}) for _ in range(HALF)]
             + [w.gql(mission("SEN"), "SaveFollowUpReport", id=gid("FollowUpReport", 3),
                      input={"narrative": "Not Senegal's"}) for _ in range(HALF)])  # Nigeria's
    return Wave(calls, Counter({"FollowUpReportPayload": 1, "Conflict": HALF - 1, "NotFound": HALF}),
                audit=None, check=lambda: _assert_eq((_report(w, 6).narrative, _report(w, 3).narrative),
                                                     ("Saved by the API", "Saved in the burst")))


@kind("POST /state/reports/{report_id}/request")
def further_needs_filed_on_the_page(w: World) -> Wave:
    # The same form (one form token) sent fifty times: one draft request, every answer sent to it.
    from facility.requests.models import CapacityRequest

    before = w.count(CapacityRequest, CapacityRequest.state_code == "BDI")
    form = w.form(mission("BDI"), "/state/reports/1", "/state/reports/1/request")
    assert form.get("form_token"), form
    calls = ([w.post(mission("BDI"), "/state/reports/1/request", form) for _ in range(HALF)]
             + [w.post(mission("BDI"), f"/state/reports/{MISSING}/request", form) for _ in range(HALF)])
    return Wave(calls, Counter({303: HALF, 404: HALF}), audit=1,
                check=lambda: _assert_eq(_requests_of(w, "BDI") - before, 1))


@kind("requestFromFurtherNeeds")
def further_needs_filed_by_api(w: World) -> Wave:
    from facility.requests.models import CapacityRequest

    before = w.count(CapacityRequest, CapacityRequest.state_code == "LKA")
    calls = ([w.gql(mission("LKA"), "RequestFromFurtherNeeds", reportId=gid("FollowUpReport", 9),
                    idempotencyKey="further-needs") for _ in range(HALF)]
             + [w.gql(mission("LKA"), "RequestFromFurtherNeeds", reportId=gid("FollowUpReport", 3),
                      idempotencyKey="not-ours") for _ in range(HALF)])  # Nigeria's
    return Wave(calls, Counter({"FurtherNeedsRequestPayload": HALF, "NotFound": HALF}), audit=1,
                check=lambda: _assert_eq(_requests_of(w, "LKA") - before, 1))


@kind("reviseFollowUpReport")
def report_revised_by_api(w: World) -> Wave:
    calls = ([w.gql(mission("LKA"), "ReviseFollowUpReport", id=gid("FollowUpReport", 9)) for _ in range(HALF)]
             + [w.gql(mission("LKA"), "ReviseFollowUpReport", id=gid("FollowUpReport", MISSING))
                for _ in range(HALF)])

    def check():
        latest = _latest_version(w, 9)
        _assert_eq((latest != 9, _report(w, latest).version, _report(w, 9).superseded), (True, 2, True))

    return Wave(calls, Counter({"FollowUpReportPayload": 1, "Conflict": HALF - 1, "NotFound": HALF}),
                audit=None, check=check)


@kind("submitFollowUpReport")
def report_submitted_by_api(w: World) -> Wave:
    revision = _latest_version(w, 9)  # the correction opened by the kind before: complete
    calls = ([w.gql(mission("LKA"), "SubmitFollowUpReport", id=gid("FollowUpReport", revision))
              for _ in range(HALF)]
             + [w.gql(mission("LKA"), "SubmitFollowUpReport", id=gid("FollowUpReport", 3))
                for _ in range(HALF)])  # Nigeria's
    return Wave(calls, Counter({"FollowUpReportPayload": 1, "Conflict": HALF - 1, "NotFound": HALF}),
                audit=None, check=lambda: _assert_eq(_report(w, revision).submitted_at is not None, True))


# Success stories: proposed, declined, consented, published, consent withdrawn -------------

def _story_status(w: World, pk: int):
    from facility.stories.models import SuccessStory

    return w.scalar(select(SuccessStory.status).where(SuccessStory.id == pk))


def _story_of(w: World, report_id: int):
    from facility.stories.models import SuccessStory

    return w.scalar(select(func.max(SuccessStory.id)).where(SuccessStory.report_id == report_id))


@kind("POST /secretariat/stories")
def story_proposed_on_the_page(w: World) -> Wave:
    data = {"report_id": "7", "title": "Magistrates trained", "summary": "Two hundred trained.",
            "parts": ["NARRATIVE"]}
    from facility.stories.models import SuccessStory

    calls = ([w.post("secretariat", "/secretariat/stories", data) for _ in range(HALF)]
             + [w.post("secretariat", "/secretariat/stories", {**data, "report_id": str(MISSING)})
                for _ in range(HALF)])
    return Wave(calls, Counter({303: 1, 409: HALF - 1, 404: HALF}), audit=1,
                check=lambda: _assert_eq(w.count(SuccessStory, SuccessStory.report_id == 7), 1))


@kind("proposeSuccessStory")
def story_proposed_by_api(w: World) -> Wave:
    story = {"title": "Case files cleared", "summary": "A backlog cleared.", "parts": ["NARRATIVE"]}
    from facility.stories.models import SuccessStory

    calls = ([w.gql("secretariat", "ProposeSuccessStory", reportId=gid("FollowUpReport", 8), input=story)
              for _ in range(HALF)]
             + [w.gql("secretariat", "ProposeSuccessStory", reportId=gid("FollowUpReport", MISSING),
                      input=story) for _ in range(HALF)])
    return Wave(calls, Counter({"SuccessStoryPayload": 1, "Conflict": HALF - 1, "NotFound": HALF}), audit=1,
                check=lambda: _assert_eq(w.count(SuccessStory, SuccessStory.report_id == 8), 1))


def _story_wave(w: World, who: str, page: str | None, op: str | None, story: int, want: str,
                data: dict | None = None, **variables) -> Wave:
    """One story moved fifty times at once: one move, 24 refusals, 25 for a story not there."""
    if page is not None:
        calls = ([w.post(who, page.format(story), data) for _ in range(HALF)]
                 + [w.post(who, page.format(MISSING), data) for _ in range(HALF)])
        expect = Counter({303: 1, "stale": HALF - 1, 404: HALF})
    else:
        calls = ([w.gql(who, op, id=gid("SuccessStory", story), **variables) for _ in range(HALF)]
                 + [w.gql(who, op, id=gid("SuccessStory", MISSING), **variables) for _ in range(HALF)])
        expect = Counter({"SuccessStoryPayload": 1, "Conflict": HALF - 1, "NotFound": HALF})
    return Wave(calls, expect, audit=1, check=lambda: _assert_eq(_story_status(w, story), want))


@kind("POST /state/stories/{story_id}/decline")
def story_declined_on_the_page(w: World) -> Wave:
    return _story_wave(w, mission("DJI"), "/state/stories/{}/decline", None, _story_of(w, 7),
                       "DECLINED", {"reason": "Not yet"})


@kind("declineSuccessStory")
def story_declined_by_api(w: World) -> Wave:
    return _story_wave(w, mission("DJI"), None, "DeclineSuccessStory", _story_of(w, 8), "DECLINED",
                       reason="Not yet")


def _propose_again(w: World, report_id: int) -> int:
    w.once(w.gql("secretariat", "ProposeSuccessStory", reportId=gid("FollowUpReport", report_id),
                 input={"title": "Second try", "summary": "Proposed again.", "parts": ["NARRATIVE"]}))
    return _story_of(w, report_id)


@kind("POST /state/stories/{story_id}/consent")
def story_consented_on_the_page(w: World) -> Wave:
    return _story_wave(w, mission("DJI"), "/state/stories/{}/consent", None, _propose_again(w, 7),
                       "CONSENTED", {})


@kind("consentToSuccessStory")
def story_consented_by_api(w: World) -> Wave:
    return _story_wave(w, mission("DJI"), None, "ConsentToSuccessStory", _propose_again(w, 8), "CONSENTED")


@kind("POST /secretariat/stories/{story_id}/publish")
def story_published_on_the_page(w: World) -> Wave:
    return _story_wave(w, "secretariat", "/secretariat/stories/{}/publish", None, _story_of(w, 7),
                       "PUBLISHED", {})


@kind("publishSuccessStory")
def story_published_by_api(w: World) -> Wave:
    return _story_wave(w, "secretariat", None, "PublishSuccessStory", _story_of(w, 8), "PUBLISHED")


@kind("POST /state/stories/{story_id}/withdraw")
def story_withdrawn_on_the_page(w: World) -> Wave:
    return _story_wave(w, mission("DJI"), "/state/stories/{}/withdraw", None, _story_of(w, 7),
                       "WITHDRAWN", {"reason": "Changed our mind"})


@kind("withdrawSuccessStoryConsent")
def story_withdrawn_by_api(w: World) -> Wave:
    return _story_wave(w, mission("DJI"), None, "WithdrawSuccessStoryConsent", _story_of(w, 8),
                       "WITHDRAWN", reason="Changed our mind")


@kind("POST /state/reports/{report_id}")
def report_submitted_on_the_page(w: World) -> Wave:
    # After the stories (a correction would stop them): Burundi corrects its 12-month report
    # and submits the correction fifty times at once; one submission.
    w.once(w.gql(mission("BDI"), "ReviseFollowUpReport", id=gid("FollowUpReport", 1)))
    revision = _latest_version(w, 1)
    path = f"/state/reports/{revision}"
    submit = w.form(mission("BDI"), path, action="submit", confirm="yes")
    calls = ([w.post(mission("BDI"), path, submit) for _ in range(HALF)]
             + [w.post(mission("BDI"), f"/state/reports/{MISSING}", submit) for _ in range(HALF)])
    return Wave(calls, Counter({303: 1, 409: HALF - 1, 404: HALF}), audit=None,
                check=lambda: _assert_eq(_report(w, revision).submitted_at is not None, True))


# Referrals: recorded by the secretariat (page and API), accepted or declined by the State --

def _rec_of(w: World, state_code: str) -> int:
    from facility.reference.models import Recommendation

    return w.scalar(select(func.min(Recommendation.id)).where(Recommendation.state_code == state_code))


def _referrals(w: World, *where) -> list:
    from facility.referrals.models import Referral

    with Session(w.engine) as session:
        reading_only(session)
        return list(session.exec(select(Referral).where(*where).order_by(Referral.id)))


@kind("POST /secretariat/referrals")
def referral_recorded_on_the_page(w: World) -> Wave:

    form = w.form("secretariat", "/secretariat/referrals/new", "/secretariat/referrals",
                  documentSymbol="A/HRC/BURST/1", stateCode="NGA", title="Situation referred (page)",
                  summary="Referred in the burst.")
    before = len(_referrals(w))
    calls = ([w.post("secretariat", "/secretariat/referrals", {**form, "form_token": f"ref-{i % 5}"})
              for i in range(HALF)]
             + [w.post("secretariat", "/secretariat/referrals", {**form, "form_token": f"bad-ref-{i}",
                                                                 "stateCode": "XXX"}) for i in range(HALF)])
    return Wave(calls, Counter({303: HALF, 422: HALF}), audit=5,
                check=lambda: _assert_eq(len(_referrals(w)) - before, 5))


@kind("referSituation")
def referral_recorded_by_api(w: World) -> Wave:
    base = {"source": "OHCHR", "documentSymbol": "A/HRC/BURST/2", "stateCode": "NGA",
            "title": "Situation referred (API)", "summary": "Referred in the burst."}
    before = len(_referrals(w))
    calls = ([w.gql("secretariat", "ReferSituation", input={**base, "idempotencyKey": f"api-ref-{i % 5}"})
              for i in range(HALF)]
             + [w.gql("secretariat", "ReferSituation", input={**base, "stateCode": "XXX",
                                                              "idempotencyKey": f"api-bad-{i}"})
                for i in range(HALF)])
    return Wave(calls, Counter({"ReferralPayload": HALF, "ValidationError": HALF}), audit=5,
                check=lambda: _assert_eq(len(_referrals(w)) - before, 5))


def _open_referrals(w: World) -> list[int]:
    from facility.referrals.models import Referral

    return [r.id for r in _referrals(w, Referral.state_code == "NGA", Referral.status == "PENDING")]


@kind("POST /state/referrals/{referral_id}/accept")
def referral_accepted_on_the_page(w: World) -> Wave:
    referral = _open_referrals(w)[0]
    path = f"/state/referrals/{referral}/accept"
    form = w.form(mission("NGA"), f"/state/referrals/{referral}", path,
                  recommendationIds=[str(_rec_of(w, "NGA"))])
    calls = ([w.post(mission("NGA"), path, form) for _ in range(HALF)]
             + [w.post(mission("NGA"), f"/state/referrals/{MISSING}/accept", form) for _ in range(HALF)])
    from facility.referrals.models import Referral

    return Wave(calls, Counter({303: 1, "stale": HALF - 1, 404: HALF}), audit=None,
                check=lambda: _assert_eq([r.status for r in _referrals(w, Referral.id == referral)],
                                         ["ACCEPTED"]))


@kind("POST /state/referrals/{referral_id}/decline")
def referral_declined_on_the_page(w: World) -> Wave:
    referral = _open_referrals(w)[0]
    path = f"/state/referrals/{referral}/decline"
    form = w.form(mission("NGA"), f"/state/referrals/{referral}", path, reason="Handled nationally")
    calls = ([w.post(mission("NGA"), path, form) for _ in range(HALF)]
             + [w.post(mission("NGA"), f"/state/referrals/{MISSING}/decline", form) for _ in range(HALF)])
    from facility.referrals.models import Referral

    return Wave(calls, Counter({303: 1, "stale": HALF - 1, 404: HALF}), audit=None,
                check=lambda: _assert_eq([r.status for r in _referrals(w, Referral.id == referral)],
                                         ["DECLINED"]))


@kind("respondToReferral")
def referral_answered_by_api(w: World) -> Wave:
    accept, decline = _open_referrals(w)[:2]
    recs = [gid("Recommendation", _rec_of(w, "NGA"))]
    calls = ([w.gql(mission("NGA"), "RespondToReferral", id=gid("Referral", accept), accept=True,
                    recommendationIds=recs) for _ in range(20)]
             + [w.gql(mission("NGA"), "RespondToReferral", id=gid("Referral", decline), accept=False,
                      reason="Handled nationally") for _ in range(20)]
             + [w.gql(mission("NGA"), "RespondToReferral", id=gid("Referral", MISSING), accept=True,
                      recommendationIds=recs) for _ in range(10)])
    from facility.referrals.models import Referral

    return Wave(calls, Counter({"ReferralPayload": 2, "Conflict": 38, "NotFound": 10}), audit=None,
                check=lambda: _assert_eq([r.status for r in _referrals(
                    w, Referral.id.in_([accept, decline]))],
                                         ["ACCEPTED", "DECLINED"]))


# Progress updates and the State's public page ---------------------------------------------

def _updates(w: World, state_code: str) -> list:
    from facility.dialogue.models import ProgressUpdate

    with Session(w.engine) as session:
        reading_only(session)
        return list(session.exec(select(ProgressUpdate).where(ProgressUpdate.state_code == state_code)
                                 .order_by(ProgressUpdate.id)))


@kind("POST /state/updates")
def update_posted_on_the_page(w: World) -> Wave:
    form = w.form(mission("NGA"), f"/state/updates/new?rec={_rec_of(w, 'NGA')}", "/state/updates",
                  evidence="Law adopted in the burst.", implementationStatus="PARTIALLY_IMPLEMENTED")
    before = len(_updates(w, "NGA"))
    calls = ([w.post(mission("NGA"), "/state/updates", {**form, "form_token": f"upd-{i % 5}"})
              for i in range(HALF)]
             + [w.post(mission("NGA"), "/state/updates",
                       {**form, "form_token": f"bad-upd-{i}", "evidence": ""})
                for i in range(HALF)])
    return Wave(calls, Counter({303: HALF, 422: HALF}), audit=None,
                check=lambda: _assert_eq(len(_updates(w, "NGA")) - before, 5))


@kind("postProgressUpdate")
def update_posted_by_api(w: World) -> Wave:
    base = {"recommendationId": gid("Recommendation", _rec_of(w, "NGA")),
            "implementationStatus": "PARTIALLY_IMPLEMENTED", "evidence": "A bill tabled."}
    before = len(_updates(w, "NGA"))
    calls = ([w.gql(mission("NGA"), "PostProgressUpdate", input={**base, "idempotencyKey": f"u-{i % 5}"})
              for i in range(HALF)]
             + [w.gql(mission("NGA"), "PostProgressUpdate", input={**base, "evidence": " ",
                                                                   "idempotencyKey": f"u-bad-{i}"})
                for i in range(HALF)])
    return Wave(calls, Counter({"ProgressUpdatePayload": HALF, "ValidationError": HALF}), audit=None,
                check=lambda: _assert_eq(len(_updates(w, "NGA")) - before, 5))


@kind("POST /state/updates/{update_id}")
def update_changed_on_the_page(w: World) -> Wave:
    # Fifty saves of the same change, one after the other in the write slot: the first changes
    # the update, the others find nothing left to change. The empty ones go to another update.
    first, second = _updates(w, "NGA")[:2]
    path = f"/state/updates/{first.id}"
    form = w.form(mission("NGA"), path, evidence="Changed in the burst.")
    other = w.form(mission("NGA"), f"/state/updates/{second.id}", evidence="")
    calls = ([w.post(mission("NGA"), path, form) for _ in range(HALF)]
             + [w.post(mission("NGA"), f"/state/updates/{second.id}", other) for _ in range(HALF)])

    def check():
        now = _updates(w, "NGA")
        _assert_eq((now[0].evidence, now[0].version, now[1].version),
                   ("Changed in the burst.", first.version + 1, second.version))

    return Wave(calls, Counter({303: HALF, 422: HALF}), audit=None, check=check, alike=(303, "stale"))


@kind("updateProgressUpdate")
def update_changed_by_api(w: World) -> Wave:
    second = _updates(w, "NGA")[1]
    calls = ([w.gql(mission("NGA"), "UpdateProgressUpdate", id=gid("ProgressUpdate", second.id),
                    input={"evidence": "Changed by the API.", "expectedVersion": second.version})
              for _ in range(HALF)]
             + [w.gql(mission("NGA"), "UpdateProgressUpdate", id=gid("ProgressUpdate", MISSING),
                      input={"evidence": "x"}) for _ in range(HALF)])
    return Wave(calls, Counter({"ProgressUpdatePayload": 1, "Conflict": HALF - 1, "NotFound": HALF}),
                audit=None, check=lambda: _assert_eq(_updates(w, "NGA")[1].evidence, "Changed by the API."))


@kind("publishProgressUpdate")
def update_published_by_api(w: World) -> Wave:
    third = _updates(w, "NGA")[2]
    calls = ([w.gql(mission("NGA"), "PublishProgressUpdate", id=gid("ProgressUpdate", third.id),
                    expectedVersion=third.version) for _ in range(HALF)]
             + [w.gql(mission("NGA"), "PublishProgressUpdate", id=gid("ProgressUpdate", MISSING))
                for _ in range(HALF)])
    return Wave(calls, Counter({"ProgressUpdatePayload": 1, "Conflict": HALF - 1, "NotFound": HALF}),
                audit=None, check=lambda: _assert_eq(_updates(w, "NGA")[2].published_at is not None, True))


def _page_consent(w: World, state_code: str):
    from facility.dialogue.models import StatePageConsent

    with Session(w.engine) as session:
        reading_only(session)
        return session.get(StatePageConsent, state_code)


@kind("POST /state/page-consent")
def page_opened_on_the_page(w: World) -> Wave:
    # Nigeria opens its page from one form fifty times: once; Senegal's form is stale.
    form = w.form(mission("NGA"), "/state/updates", "/state/page-consent")
    calls = ([w.post(mission("NGA"), "/state/page-consent", {**form, "open": "yes"}) for _ in range(HALF)]
             + [w.post(mission("SEN"), "/state/page-consent", {**form, "open": "yes", "version": "99"})
                for _ in range(HALF)])
    return Wave(calls, Counter({303: 1, "stale": AT_ONCE - 1}), audit=None,
                check=lambda: _assert_eq((_page_consent(w, "NGA").open, _page_consent(w, "SEN")),
                                         (True, None)))


@kind("setStatePageConsent")
def page_closed_by_api(w: World) -> Wave:
    version = _page_consent(w, "BDI").version
    calls = ([w.gql(mission("BDI"), "SetStatePageConsent", open=False, expectedVersion=version)
              for _ in range(HALF)]
             + [w.gql(mission("DJI"), "SetStatePageConsent", open=False, expectedVersion=-1)
                for _ in range(HALF)])
    return Wave(calls, Counter({"StatePageConsentPayload": 1, "Conflict": 2 * HALF - 1}), audit=None,
                check=lambda: _assert_eq((_page_consent(w, "BDI").open, _page_consent(w, "DJI").open),
                                         (False, True)))


# Offers: edited, closed (pages); created, edited, published, closed (API) ------------------

def _offer(w: World, pk: int):
    from facility.offers.models import Offer

    with Session(w.engine) as session:
        reading_only(session)
        return session.get(Offer, pk)


@kind("POST /partner/offers/{offer_id}/edit")
def offer_edited_on_the_page(w: World) -> Wave:
    # The Brazilian agency's draft (8) saved fifty times from one form, and from the same form
    # with a negative budget (refused whole).
    who = partner_of_offer(w, 8)
    path = "/partner/offers/8/edit"
    form = w.form(who, path, title="Offer edited in the burst")
    other = partner_of_offer(w, 7)
    bad = w.form(other, "/partner/offers/7/edit", budget="-5")
    calls = ([w.post(who, path, form) for _ in range(HALF)]
             + [w.post(other, "/partner/offers/7/edit", bad) for _ in range(HALF)])
    before = _offer(w, 8).version
    return Wave(calls, Counter({303: 1, "stale": HALF - 1, 422: HALF}), audit=None,
                check=lambda: _assert_eq((_offer(w, 8).title, _offer(w, 8).version),
                                         ("Offer edited in the burst", before + 1)))


@kind("updateOffer")
def offer_edited_by_api(w: World) -> Wave:
    who = partner_of_offer(w, 8)
    version = _offer(w, 8).version
    calls = ([w.gql(who, "UpdateOffer", id=gid("Offer", 8), input={"title": "Offer edited by the API",
                                                                  "expectedVersion": version})
              for _ in range(HALF)]
             + [w.gql(who, "UpdateOffer", id=gid("Offer", 1), input={"title": "Not ours"})
                for _ in range(HALF)])  # Norad's offer
    return Wave(calls, Counter({"OfferPayload": 1, "Conflict": HALF - 1, "PermissionDenied": HALF}),
                audit=None,
                check=lambda: _assert_eq((_offer(w, 8).title, _offer(w, 1).title != "Not ours"),
                                         ("Offer edited by the API", True)))


@kind("createOffer")
def offers_created_by_api(w: World) -> Wave:
    from facility.offers.models import Offer

    year = date.today().year + 1
    base = {"title": "Offer created by the API", "kind": "TRAINING_PROGRAMME", "themes": ["Justice"],
            "languages": ["en"], "budget": 10000, "currency": "USD", "maxRequests": 2,
            "windowStart": f"{year}-01-01", "windowEnd": f"{year}-12-31"}
    who = partner_of_offer(w, 8)
    before = w.count(Offer)
    calls = ([w.gql(who, "CreateOffer", input={**base, "idempotencyKey": f"offer-{i % 5}"})
              for i in range(HALF)]
             + [w.gql(who, "CreateOffer", input={**base, "budget": -5, "idempotencyKey": f"bad-{i}"})
                for i in range(HALF)])
    return Wave(calls, Counter({"OfferPayload": HALF, "ValidationError": HALF}), audit=None,
                check=lambda: _assert_eq(w.count(Offer) - before, 5))


@kind("publishOffer")
def offer_published_by_api(w: World) -> Wave:
    who = partner_of_offer(w, 8)
    calls = ([w.gql(who, "PublishOffer", id=gid("Offer", 8)) for _ in range(HALF)]
             + [w.gql(who, "PublishOffer", id=gid("Offer", MISSING)) for _ in range(HALF)])
    return Wave(calls, Counter({"OfferPayload": 1, "Conflict": HALF - 1, "NotFound": HALF}), audit=None,
                check=lambda: _assert_eq(_offer(w, 8).status, "PUBLISHED"))


@kind("closeOffer")
def offer_closed_by_api(w: World) -> Wave:
    who = partner_of_offer(w, 8)
    calls = ([w.gql(who, "CloseOffer", id=gid("Offer", 8)) for _ in range(HALF)]
             + [w.gql(who, "CloseOffer", id=gid("Offer", MISSING)) for _ in range(HALF)])
    return Wave(calls, Counter({"OfferPayload": 1, "Conflict": HALF - 1, "NotFound": HALF}), audit=None,
                check=lambda: _assert_eq(_offer(w, 8).status, "CLOSED"))


@kind("POST /partner/offers/{offer_id}/close")
def offer_closed_on_the_page(w: World) -> Wave:
    who = partner_of_offer(w, 7)
    calls = ([w.post(who, "/partner/offers/7/close") for _ in range(HALF)]
             + [w.post(who, f"/partner/offers/{MISSING}/close") for _ in range(HALF)])
    return Wave(calls, Counter({303: 1, 409: HALF - 1, 404: HALF}), audit=None,
                check=lambda: _assert_eq(_offer(w, 7).status, "CLOSED"))


# Experts: nominated and edited by their partner, their consent, their own pages -----------

def _expert(w: World, **where):
    from facility.experts.models import Expert

    with Session(w.engine) as session:
        reading_only(session)
        return session.exec(select(Expert).where(*[getattr(Expert, k) == v for k, v in where.items()])).one()


@kind("POST /partner/experts")
def expert_nominated_on_the_page(w: World) -> Wave:
    from facility.experts.models import Expert

    who = partner_of_offer(w, 1)
    year = date.today().year + 1
    form = w.form(who, "/partner/experts/new", "/partner/experts", name="Burst Expert",
                  email="burst.expert@experts.example", nationality="SEN", themes=["Justice"],
                  languages=["fr"], window_start=f"{year}-01-01", window_end=f"{year}-06-30",
                  consentGiven="yes")
    before = w.count(Expert)
    calls = ([w.post(who, "/partner/experts", {**form, "form_token": "one-expert"}) for _ in range(HALF)]
             + [w.post(who, "/partner/experts", {**form, "form_token": f"bad-{i}", "email": "not an e-mail"})
                for i in range(HALF)])
    return Wave(calls, Counter({303: HALF, 422: HALF}), audit=1,
                check=lambda: _assert_eq(w.count(Expert) - before, 1))


@kind("POST /partner/experts/{expert_id}/edit")
def expert_edited_on_the_page(w: World) -> Wave:
    who = partner_of_offer(w, 1)
    expert = _expert(w, email="burst.expert@experts.example")
    path = f"/partner/experts/{expert.id}/edit"
    form = w.form(who, path, cv="Edited in the burst.")
    other = f"/partner/experts/{_expert(w, email=f'expert02@{DOMAIN}').id}/edit"  # also theirs
    bad = w.form(who, other, email="not an e-mail")
    calls = ([w.post(who, path, form) for _ in range(HALF)]
             + [w.post(who, other, bad) for _ in range(HALF)])
    return Wave(calls, Counter({303: 1, "stale": HALF - 1, 422: HALF}), audit=None,
                check=lambda: _assert_eq(_expert(w, id=expert.id).cv, "Edited in the burst."))


@kind("updateExpert")
def expert_edited_by_api(w: World) -> Wave:
    who = partner_of_offer(w, 1)
    expert = _expert(w, email="burst.expert@experts.example")
    calls = ([w.gql(who, "UpdateExpert", id=gid("Expert", expert.id),
                    input={"cv": "Edited by the API.", "expectedVersion": expert.version})
              for _ in range(HALF)]
             + [w.gql(who, "UpdateExpert", id=gid("Expert", MISSING), input={"cv": "x"})
                for _ in range(HALF)])
    return Wave(calls, Counter({"ExpertPayload": 1, "Conflict": HALF - 1, "NotFound": HALF}), audit=None,
                check=lambda: _assert_eq(_expert(w, id=expert.id).cv, "Edited by the API."))


@kind("setExpertConsent")
def expert_consent_by_api(w: World) -> Wave:
    who = partner_of_offer(w, 1)
    expert = _expert(w, email="burst.expert@experts.example")
    calls = ([w.gql(who, "SetExpertConsent", id=gid("Expert", expert.id),
                    input={"scopes": ["ROSTER"], "expectedVersion": expert.version}) for _ in range(HALF)]
             + [w.gql(who, "SetExpertConsent", id=gid("Expert", MISSING), input={"scopes": ["ROSTER"]})
                for _ in range(HALF)])
    return Wave(calls, Counter({"ExpertPayload": 1, "Conflict": HALF - 1, "NotFound": HALF}), audit=None)


@kind("POST /expert/availability")
def availability_added_on_the_page(w: World) -> Wave:
    year = date.today().year + 2
    form = w.form("expert01", "/expert", "/expert/availability",
                  start=f"{year}-01-01", end=f"{year}-03-31")
    calls = ([w.post("expert01", "/expert/availability", form) for _ in range(HALF)]
             + [w.post("expert01", "/expert/availability", {**form, "end": "31/03"}) for _ in range(HALF)])
    from facility.experts.models import ExpertAvailability

    return Wave(calls, Counter({303: 1, "stale": HALF - 1, 422: HALF}), audit=None,
                check=lambda: _assert_eq(w.count(ExpertAvailability, ExpertAvailability.expert_id == 1,
                                                 ExpertAvailability.start == date(year, 1, 1)), 1))


@kind("POST /expert/availability/remove")
def availability_removed_on_the_page(w: World) -> Wave:
    year = date.today().year + 2
    form = w.form("expert01", "/expert", "/expert/availability/remove")
    form.update(start=f"{year}-01-01", end=f"{year}-03-31")
    calls = ([w.post("expert01", "/expert/availability/remove", form) for _ in range(HALF)]
             + [w.post("expert01", "/expert/availability/remove", {**form, "start": "1999-01-01"})
                for _ in range(HALF)])
    from facility.experts.models import ExpertAvailability

    # Removing what is gone is nothing to do (303); on PostgreSQL one that read the profile
    # before the first removal committed is told it changed meanwhile.
    return Wave(calls, Counter({303: AT_ONCE}), audit=None, alike=(303, "stale"),
                check=lambda: _assert_eq(w.count(ExpertAvailability, ExpertAvailability.expert_id == 1,
                                                 ExpertAvailability.start == date(year, 1, 1)), 0))


@kind("POST /expert/consent")
def consent_given_on_the_page(w: World) -> Wave:
    form = w.form("expert01", "/expert", "/expert/consent", scopes=["ROSTER"])
    other = _expert_account(w, 26)
    bad = w.form(other, "/expert", "/expert/consent", scopes=["EVERYTHING"])
    calls = ([w.post("expert01", "/expert/consent", form) for _ in range(HALF)]
             + [w.post(other, "/expert/consent", bad) for _ in range(HALF)])
    return Wave(calls, Counter({303: 1, "stale": HALF - 1, 422: HALF}), audit=None)


# Engagements: the team's answers, dates amended, steps recorded, an expert replaced ------

def _engagement(w: World, pk: int):
    from facility.engagements.models import Engagement

    with Session(w.engine) as session:
        reading_only(session)
        found = session.get(Engagement, pk)
        return SimpleNamespace(status=found.status, start=found.start, offer_id=found.offer_id,
                               version=found.version, expert_ids=list(found.expert_ids))


def _expert_account(w: World, expert_id: int) -> str:
    """An account for a deployed expert (linked by e-mail and partner), made once."""
    from facility.auth.models import Partner, Role
    from facility.auth.service import create_account
    from facility.experts.models import Expert

    with unit_of_work(w.engine) as session:
        expert = session.get(Expert, expert_id)
        if session.exec(select(Account).where(Account.email == expert.email)).first() is None:
            create_account(session, role=Role.EXPERT, email=expert.email, name=expert.name,
                           partner_name=session.get(Partner, expert.partner_id).name, password=PASSWORD)
        return expert.email.split("@")[0]


def _answers(w: World, engagement_id: int) -> int:
    from facility.engagements.models import DeploymentAnswer

    return w.count(DeploymentAnswer, DeploymentAnswer.engagement_id == engagement_id)


@kind("POST /expert/deployments/{engagement_id}")
def deployment_answered_on_the_page(w: World) -> Wave:
    form = w.form("expert01", "/expert/deployments", "/expert/deployments/1", answer="accept")
    calls = ([w.post("expert01", "/expert/deployments/1", form) for _ in range(HALF)]
             + [w.post("expert01", f"/expert/deployments/{MISSING}", form) for _ in range(HALF)])
    return Wave(calls, Counter({303: 1, "stale": HALF - 1, 404: HALF}), audit=None,
                check=lambda: _assert_eq(_answers(w, 1), 1))


@kind("answerDeployment")
def deployment_answered_by_api(w: World) -> Wave:
    who = _expert_account(w, 26)  # on engagements 1 and 2
    calls = ([w.gql(who, "AnswerDeployment", id=gid("Engagement", 2), accept=True, expectedVersion=0)
              for _ in range(HALF)]
             + [w.gql(who, "AnswerDeployment", id=gid("Engagement", 3), accept=True, expectedVersion=0)
                for _ in range(HALF)])  # not on its team
    return Wave(calls, Counter({"DeploymentPayload": 1, "Conflict": HALF - 1, "NotFound": HALF}),
                audit=None, check=lambda: _assert_eq(_answers(w, 2), 1))


@kind("amendEngagement")
def engagement_amended_by_api(w: World) -> Wave:
    # Senegal's engagement (2) brought forward to today, so that its steps can be recorded now.
    who = partner_of_offer(w, _engagement(w, 2).offer_id)
    today = date.today().isoformat()
    version = _engagement(w, 2).version
    calls = ([w.gql(who, "AmendEngagement", id=gid("Engagement", 2),
                    input={"reason": "Brought forward", "start": today, "end": today,
                           "expectedVersion": version}) for _ in range(HALF)]
             + [w.gql(who, "AmendEngagement", id=gid("Engagement", MISSING),
                      input={"reason": "x", "start": today, "end": today}) for _ in range(HALF)])
    return Wave(calls, Counter({"EngagementPayload": 1, "Conflict": HALF - 1, "NotFound": HALF}),
                audit=None, check=lambda: _assert_eq(_engagement(w, 2).start, date.today()))


def _duty_of_care_done(w: World, pk: int, who: str) -> None:
    """The partner has completed the engagement's duty-of-care checklist (the start needs it)."""
    from facility.engagements.models import CareItem, EngagementCareItem

    with unit_of_work(w.engine) as session:
        done = set(session.exec(select(EngagementCareItem.item).where(
            EngagementCareItem.engagement_id == pk)).all())
        session.add_all([EngagementCareItem(engagement_id=pk, item=item,
                                            done_by_id=w.account_id(who))
                         for item in CareItem if item not in done])


@kind("POST /partner/engagements/{engagement_id}/progress")
def engagement_started_on_the_page(w: World) -> Wave:
    who = partner_of_offer(w, _engagement(w, 2).offer_id)
    _duty_of_care_done(w, 2, who)
    path = "/partner/engagements/2/progress"
    calls = ([w.post(who, path, {"status": "IN_PROGRESS"}) for _ in range(HALF)]
             + [w.post(who, f"/partner/engagements/{MISSING}/progress", {"status": "IN_PROGRESS"})
                for _ in range(HALF)])
    return Wave(calls, Counter({303: 1, 409: HALF - 1, 404: HALF}), audit=None,
                check=lambda: _assert_eq(_engagement(w, 2).status, "IN_PROGRESS"))


@kind("POST /secretariat/engagements/{engagement_id}/progress")
def engagement_completed_by_the_secretariat(w: World) -> Wave:
    # One of its two experts never answered: the secretariat completes it with a reason.
    path = "/secretariat/engagements/2/progress"
    data = {"status": "COMPLETED", "reason": "The second expert's answer came by letter"}
    calls = ([w.post("secretariat", path, data) for _ in range(HALF)]
             + [w.post("secretariat", path, {**data, "status": "FINISHED"}) for _ in range(HALF)])
    return Wave(calls, Counter({303: 1, 409: HALF - 1, 400: HALF}), audit=None,
                check=lambda: _assert_eq((_engagement(w, 2).status, _engagement(w, 1).status),
                                         ("COMPLETED", "SCHEDULED")))


@kind("POST /partner/engagements/{engagement_id}/replace")
def expert_replaced_on_the_page(w: World) -> Wave:
    # Expert 26 declines Burundi's engagement; its partner puts another of its experts in.
    w.once(w.gql(_expert_account(w, 26), "AnswerDeployment", id=gid("Engagement", 1), accept=False,
                 reason="Not free then", expectedVersion=0))
    engagement = _engagement(w, 1)
    who = partner_of_offer(w, engagement.offer_id)
    form = w.form(who, "/partner/engagements", "/partner/engagements/1/replace",
                  reason="Fell ill", **{"leaving-1": "26",
                                        "joining-1": w.options(who, "/partner/engagements", "joining-1")[0]})
    calls = ([w.post(who, "/partner/engagements/1/replace", form) for _ in range(HALF)]
             + [w.post(who, f"/partner/engagements/{MISSING}/replace", form) for _ in range(HALF)])
    return Wave(calls, Counter({303: 1, "stale": HALF - 1, 404: HALF}), audit=None,
                check=lambda: _assert_eq((len(_engagement(w, 1).expert_ids),
                                          26 in _engagement(w, 1).expert_ids),
                                         (len(engagement.expert_ids), False)))


@kind("recordEngagementProgress")
def engagement_started_by_api(w: World) -> Wave:
    engagement = _engagement(w, 1)
    who = partner_of_offer(w, engagement.offer_id)
    _duty_of_care_done(w, 1, who)
    today = date.today().isoformat()
    w.once(w.gql(who, "AmendEngagement", id=gid("Engagement", 1),
                 input={"reason": "Brought forward", "start": today, "end": today,
                        "expectedVersion": engagement.version}))
    calls = ([w.gql(who, "RecordEngagementProgress", id=gid("Engagement", 1), status="IN_PROGRESS")
              for _ in range(HALF)]
             + [w.gql(who, "RecordEngagementProgress", id=gid("Engagement", MISSING), status="IN_PROGRESS")
                for _ in range(HALF)])
    return Wave(calls, Counter({"EngagementPayload": 1, "Conflict": HALF - 1, "NotFound": HALF}),
                audit=None, check=lambda: _assert_eq(_engagement(w, 1).status, "IN_PROGRESS"))


# The secretariat: accounts, seats, optimiser runs, an import ------------------------------

def _account(w: World, email: str):
    with Session(w.engine) as session:
        reading_only(session)
        return session.exec(select(Account).where(Account.email == email)).first()


@kind("POST /secretariat/accounts")
def account_created_on_the_page(w: World) -> Wave:
    # The same new account sent fifty times: one account, the others told the e-mail is taken;
    # half without a role (refused).
    data = {"role": "COMMITTEE", "email": f"new.member@{DOMAIN}", "name": "New member",
            "state_code": "GHA", "group_code": "AFRICAN", "partner_name": "",
            "password": "a long and unusual pass phrase"}
    calls = ([w.post("secretariat", "/secretariat/accounts", data) for _ in range(HALF)]
             + [w.post("secretariat", "/secretariat/accounts", {**data, "role": "KING",
                                                                 "email": f"bad.{i}@{DOMAIN}"})
                for i in range(HALF)])
    return Wave(calls, Counter({303: 1, 422: AT_ONCE - 1}), audit=1,
                check=lambda: _assert_eq((_account(w, f"new.member@{DOMAIN}") is not None,
                                          w.count(Account, Account.email.like(f"bad.%@{DOMAIN}"))),
                                         (True, 0)))


@kind("POST /secretariat/seats")
def seat_filled_on_the_page(w: World) -> Wave:
    from governance.models import CommitteeSeat

    data = {"group_code": "AFRICAN", "member_email": f"new.member@{DOMAIN}"}
    calls = ([w.post("secretariat", "/secretariat/seats", data) for _ in range(HALF)]
             + [w.post("secretariat", "/secretariat/seats", {**data, "member_email": f"nobody@{DOMAIN}"})
                for _ in range(HALF)])
    member = _account(w, f"new.member@{DOMAIN}").id
    # Seating the member who holds the seat changes nothing: every answer is the seat's page.
    return Wave(calls, Counter({303: HALF, 422: HALF}), audit=None,
                check=lambda: _assert_eq(w.count(CommitteeSeat, CommitteeSeat.account_id == member), 1))


@kind("seatCommitteeMember")
def seat_filled_by_api(w: World) -> Wave:
    from governance.models import CommitteeSeat

    calls = ([w.gql("secretariat", "SeatCommitteeMember", regionalGroup="AFRICAN",
                    memberEmail=f"committee.african@{DOMAIN}") for _ in range(HALF)]
             + [w.gql("secretariat", "SeatCommitteeMember", regionalGroup="AFRICAN",
                      memberEmail=f"nobody@{DOMAIN}") for _ in range(HALF)])
    member = w.account_id("committee.african")
    # The earlier member back in the seat: one new seat row; the others find them seated.
    return Wave(calls, Counter({"SeatPayload": HALF, "NotFound": HALF}), audit=None,
                check=lambda: _assert_eq(w.count(CommitteeSeat, CommitteeSeat.account_id == member), 2))


@kind("POST /secretariat/accounts/{account_id}/deactivate")
def account_deactivated_on_the_page(w: World) -> Wave:
    target = w.account_id(mission("LIE"))
    calls = ([w.post("secretariat", f"/secretariat/accounts/{target}/deactivate") for _ in range(HALF)]
             + [w.post("secretariat", f"/secretariat/accounts/{MISSING}/deactivate") for _ in range(HALF)])
    return Wave(calls, Counter({303: 1, 409: HALF - 1, 404: HALF}), audit=1,
                check=lambda: _assert_eq(_account(w, f"{mission('LIE')}@{DOMAIN}").active, False))


def _runs(w: World, *where) -> list:
    from governance.models import OptimiserRun

    with Session(w.engine) as session:
        reading_only(session)
        return list(session.exec(select(OptimiserRun).where(*where).order_by(OptimiserRun.id)))


@kind("POST /secretariat/runs")
def run_started_on_the_page(w: World) -> Wave:
    # No worker runs beside this server: the run stays queued, and another start is refused
    # while it is.
    before = len(_runs(w))
    calls = ([w.post("secretariat", "/secretariat/runs", {"time_limit": "5"}) for _ in range(HALF)]
             + [w.post("secretariat", "/secretariat/runs", {"time_limit": "soon"}) for _ in range(HALF)])
    return Wave(calls, Counter({303: 1, 409: HALF - 1, 422: HALF}), audit=None,
                check=lambda: _assert_eq(len(_runs(w)) - before, 1))


@kind("POST /secretariat/runs/{run_id}/cancel")
def run_cancelled_on_the_page(w: World) -> Wave:
    run = _runs(w)[-1].id
    calls = ([w.post("secretariat", f"/secretariat/runs/{run}/cancel") for _ in range(HALF)]
             + [w.post("secretariat", f"/secretariat/runs/{MISSING}/cancel") for _ in range(HALF)])
    # The page's cancel of a run already cancelled is a no-op that shows the run again.
    return Wave(calls, Counter({303: HALF, 404: HALF}), audit=None,
                check=lambda: _assert_eq(_runs(w)[-1].status, "CANCELLED"))


@kind("startOptimiserRun")
def run_started_by_api(w: World) -> Wave:
    before = len(_runs(w))
    calls = ([w.gql("secretariat", "StartOptimiserRun", timeLimit=5, idempotencyKey="one-run")
              for _ in range(HALF)]
             + [w.gql("secretariat", "StartOptimiserRun", timeLimit=-1, idempotencyKey=f"bad-{i}")
                for i in range(HALF)])
    return Wave(calls, Counter({"RunPayload": HALF, "ValidationError": HALF}), audit=None,
                check=lambda: _assert_eq(len(_runs(w)) - before, 1))


@kind("cancelOptimiserRun")
def run_cancelled_by_api(w: World) -> Wave:
    run = _runs(w)[-1].id
    calls = ([w.gql("secretariat", "CancelOptimiserRun", id=gid("OptimiserRun", run)) for _ in range(HALF)]
             + [w.gql("secretariat", "CancelOptimiserRun", id=gid("OptimiserRun", MISSING))
                for _ in range(HALF)])
    return Wave(calls, Counter({"RunPayload": 1, "Conflict": HALF - 1, "NotFound": HALF}),
                audit=None, check=lambda: _assert_eq(_runs(w)[-1].status, "CANCELLED"))


@kind("POST /secretariat/imports")
def import_on_the_page(w: World) -> Wave:
    # The same small file imported fifty times at once (its rows stored once, found unchanged
    # afterwards), and a UHRI import of a file that is not one.
    from pathlib import Path

    from facility.reference.models import Recommendation

    sample = (Path(__file__).resolve().parents[2] / "facility" / "demo" / "data"
              / "upr_slovenia_cycles2-4_uhri_thematic.csv")
    lines = sample.read_text(encoding="utf-8").splitlines(keepends=True)
    csv = ("".join(lines[:4])).encode()
    before = w.count(Recommendation)
    calls = ([w.post("secretariat", "/secretariat/imports", {"format": "uhri-themes"},
                     files={"file": ("rows.csv", csv, "text/csv")}) for _ in range(HALF)]
             + [w.post("secretariat", "/secretariat/imports", {"format": "uhri"},
                       files={"file": ("rows.txt", csv, "text/plain")}) for _ in range(HALF)])
    return Wave(calls, Counter({200: HALF, 422: HALF}), audit=None,
                check=lambda: _assert_eq(w.count(Recommendation), before))  # the demo has them all


# Every account: notices read, API tokens, the password, signing in and out ----------------

def _notification_of(w: World, who: str) -> int:
    from facility.notifications.models import Notification

    return w.scalar(select(func.min(Notification.id)).where(Notification.account_id == w.account_id(who),
                                                            Notification.read_at.is_(None)))


@kind("POST /account/notifications/{notification_id}/read")
def notice_read_on_the_page(w: World) -> Wave:
    from facility.notifications.models import Notification

    mine, theirs = _notification_of(w, mission("BDI")), _notification_of(w, mission("DJI"))
    calls = ([w.post(mission("BDI"), f"/account/notifications/{mine}/read") for _ in range(HALF)]
             + [w.post(mission("BDI"), f"/account/notifications/{theirs}/read") for _ in range(HALF)])
    read = lambda pk: w.scalar(select(Notification.read_at).where(Notification.id == pk))  # noqa: E731
    return Wave(calls, Counter({303: HALF, 404: HALF}), audit=None,
                check=lambda: _assert_eq((read(mine) is not None, read(theirs)), (True, None)))


@kind("markNotificationRead")
def notice_read_by_api(w: World) -> Wave:
    from facility.notifications.models import Notification

    mine, theirs = _notification_of(w, mission("BDI")), _notification_of(w, mission("DJI"))
    calls = ([w.gql(mission("BDI"), "MarkNotificationRead", id=gid("Notification", mine))
              for _ in range(HALF)]
             + [w.gql(mission("BDI"), "MarkNotificationRead", id=gid("Notification", theirs))
                for _ in range(HALF)])
    read = lambda pk: w.scalar(select(Notification.read_at).where(Notification.id == pk))  # noqa: E731
    return Wave(calls, Counter({"NotificationPayload": HALF, "NotFound": HALF}), audit=None,
                check=lambda: _assert_eq((read(mine) is not None, read(theirs)), (True, None)))


def _tokens(w: World, who: str, live: bool = True) -> int:
    from facility.auth.models import ApiToken

    where = [ApiToken.account_id == w.account_id(who)]
    if live:
        where.append(ApiToken.revoked_at.is_(None))
    return w.count(ApiToken, *where)


@kind("POST /account/tokens")
def tokens_issued_on_the_page(w: World) -> Wave:
    # Each press issues a token shown once (no form token: a second press is a second token).
    before = _tokens(w, mission("SVN"))
    calls = ([w.post(mission("SVN"), "/account/tokens", {"label": "Reporting script"}) for _ in range(HALF)]
             + [w.post(mission("SVN"), "/account/tokens", {"label": " "}) for _ in range(HALF)])
    return Wave(calls, Counter({200: HALF, 422: HALF}), audit=HALF,
                check=lambda: _assert_eq(_tokens(w, mission("SVN")) - before, HALF))


@kind("POST /account/tokens/{token_id}/revoke")
def token_revoked_on_the_page(w: World) -> Wave:
    from facility.auth.models import ApiToken

    token = w.scalar(select(func.min(ApiToken.id)).where(ApiToken.account_id == w.account_id(mission("SVN")),
                                                         ApiToken.revoked_at.is_(None)))
    theirs = w.scalar(select(func.min(ApiToken.id)).where(
        ApiToken.account_id == w.account_id(mission("BDI"))))
    before = _tokens(w, mission("SVN"))
    calls = ([w.post(mission("SVN"), f"/account/tokens/{token}/revoke") for _ in range(HALF)]
             + [w.post(mission("SVN"), f"/account/tokens/{theirs}/revoke") for _ in range(HALF)])
    # Once revoked, the token is no longer one of the account's: 404, as another's is.
    return Wave(calls, Counter({303: 1, 404: AT_ONCE - 1}), audit=1,
                check=lambda: _assert_eq(_tokens(w, mission("SVN")), before - 1))


@kind("POST /account/password")
def password_changed_on_the_page(w: World) -> Wave:
    # Colombia changes its password from one form fifty times at once: changed once (the
    # others no longer know the current password, or their session ended with the change);
    # Mexico's 25 give a wrong current password.
    new = "another long and unusual phrase"
    data = {"current_password": PASSWORD, "new_password": new, "confirmation": new}
    calls = ([w.post(mission("COL"), "/account/password", data) for _ in range(HALF)]
             + [w.post(mission("MEX"), "/account/password", {**data, "current_password": "wrong one"})
                for _ in range(HALF)])
    return Wave(calls, Counter({303: 1, 422: AT_ONCE - 1}), audit=None)


@kind("POST /account/sign-in")
def signed_in(w: World) -> Wave:
    from facility.auth.models import WebSession

    def attempt(email: str, password: str) -> Call:
        def call() -> httpx.Response:
            with httpx.Client(base_url=w.url, follow_redirects=False, timeout=120) as client:
                page = client.get("/account/sign-in")
                return client.post("/account/sign-in", data={
                    "csrf_token": CSRF_RE.search(page.text).group(1), "email": email, "password": password})
        return call

    who = w.account_id(mission("BRB"))
    before = w.count(WebSession, WebSession.account_id == who)
    calls = ([attempt(f"{mission('BRB')}@{DOMAIN}", PASSWORD) for _ in range(HALF)]
             + [attempt(f"{mission('SEN')}@{DOMAIN}", "not the password") for _ in range(HALF)])
    # Five wrong passwords are told so; from then on the account is held off (429, back-off).
    # (With several writers at once, one more may be told before the back-off counts it.)
    return Wave(calls, Counter({303: HALF, 401: 5, 429: HALF - 5}), audit=None, alike=(401, 429),
                check=lambda: _assert_eq(w.count(WebSession, WebSession.account_id == who) - before, HALF))


@kind("POST /account/sign-out")
def signed_out(w: World) -> Wave:
    b = w.browser(mission("BGD"))
    calls = [w.post(mission("BGD"), "/account/sign-out") for _ in range(AT_ONCE)]
    # One signs out; the other 49 forms belong to the session that ended (403, expired).
    # (On PostgreSQL a few may pass the CSRF check before the first commits: they find the
    # session ended already, and are sent on as well.)
    return Wave(calls, Counter({303: 1, 403: AT_ONCE - 1}), audit=None, alike=(303, 403),
                check=lambda: _assert_eq(httpx.get(f"{w.url}/state/requests", cookies=b.cookies,
                                                   follow_redirects=False).status_code, 303))


# What the burst covers --------------------------------------------------------------------

# Sent fifty at a time by tests/durability/test_write_burst.py::test_fifty_simultaneous_writes_of_each_kind
# (on its own fresh database: form tokens and idempotency keys distinct and repeated).
COVERED_ELSEWHERE = {
    "POST /state/requests": "test_write_burst.py: valid per form token, one form 50 times, invalid",
    "POST /state/requests/{request_id}/submit": "test_write_burst.py: one draft submitted 50 times",
    "POST /partner/offers": "test_write_burst.py: valid per form token, invalid",
    "POST /partner/offers/{offer_id}/publish": "test_write_burst.py: one offer published 50 times",
    "createRequest": "test_write_burst.py: keys distinct and repeated, invalid input",
    "submitRequest": "test_write_burst.py: one submission sent 50 times",
    "nominateExpert": "test_write_burst.py: 50 distinct keys",
}

# Writes the burst leaves out, each with its reason (none today).
EXEMPT: dict[str, str] = {}


def covered() -> dict[str, str]:
    """Every route or mutation the bursts send, or exempt, and by what."""
    found = {**COVERED_ELSEWHERE, **{f: f"exempt: {why}" for f, why in EXEMPT.items()}}
    for name, covers, _build in KINDS:
        for item in covers:
            found.setdefault(item, f"burst_kinds.{name}")
    return found
