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
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')

Call = Callable[[], httpx.Response]


@dataclass
class Wave:
    calls: list[Call]
    expect: Counter  # outcome -> how many
    audit: int | None  # audit entries the wave adds (None: not checked, the check says why)
    check: Callable[[], object] | None = None  # further rows; raises AssertionError


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

    def form(self, who: str, page: str, action: str | None = None, **overrides) -> dict:
        """The fields of the form on `page` that posts to `action` (default: the page), as
        shown, with `overrides`."""
        parser = _Forms(action or page)
        parser.feed(self.get(who, page).text)
        assert parser.fields, f"no form posting to {action or page} on {page}"
        fields: dict = {}
        for name, value in parser.fields:
            if name == "csrf_token":
                continue
            if name in fields:
                fields[name] = [*([fields[name]] if isinstance(fields[name], str) else fields[name]), value]
            else:
                fields[name] = value
        return {**fields, **overrides}

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
        if answer.status_code == 422 and "changed this in the meantime" in answer.text:
            return "422 stale"  # the form shown again: saved by someone else since it was read
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
    from governance.models import MatchProposal
    from facility.requests.models import CapacityRequest

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
        assert w.scalar(select(CapacityRequest.title).where(CapacityRequest.id == 12)) != "Edited in the burst"

    return Wave(calls, Counter({303: 1, "422 stale": HALF - 1, 422: HALF}), audit=None, check=check)


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
    _assert_eq(w.scalar(select(func.count(func.distinct(Vote.seat_id))).where(Vote.motion_id == motion_id)), 5)
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
