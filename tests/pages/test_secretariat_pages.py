"""The secretariat's pages: screenings, optimiser runs, seats, imports; refusals store nothing."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from facility.auth.models import Role
from facility.reference.models import Recommendation
from facility.requests.models import CapacityRequest, RequestStatus
from governance.models import CommitteeSeat, Motion, MotionKind, OptimiserRun, Screening
from tests.api.test_query_cost import counted
from tests.pages.committee_world import World, add_request, world_fixture  # noqa: F401

PAGES = ["/secretariat", "/secretariat/seats", "/secretariat/imports", "/secretariat/accounts"]


def _count(db, model, *where) -> int:
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def test_anonymous_visitors_are_sent_to_sign_in(browser, world):
    for path in [*PAGES, f"/secretariat/runs/{world.run.id}"]:
        response = browser.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/account/sign-in?next=/secretariat")


@pytest.mark.parametrize("role", [Role.STATE, Role.PARTNER, Role.EXPERT])
def test_other_roles_get_a_403_page(browser, world, person, role):
    browser.sign_in(person(role).email)
    for path in [*PAGES, f"/secretariat/runs/{world.run.id}"]:
        assert browser.get(path).status_code == 403, path


def test_committee_members_get_a_403_page_and_cannot_post(browser, world, db_session):
    browser.sign_in(world.india_member.email)
    assert browser.get("/secretariat").status_code == 403
    page = browser.get("/committee").text
    from tests.pages.conftest import csrf_of

    response = browser.http.post("/secretariat/runs", data={"csrf_token": csrf_of(page),
                                                             "time_limit": "5"})
    assert response.status_code == 403
    assert _count(db_session, OptimiserRun) == 1


def test_opening_a_screening_puts_the_request_to_the_vote(browser, world, db_session, person):
    request = add_request(db_session, person(Role.STATE, state_code="GHA"), "GHA", 5)
    browser.sign_in(world.secretariat.email)
    page = browser.get("/secretariat").text
    assert request.title in page and "Open the screening" in page
    response = browser.submit("/secretariat", "/secretariat/screenings", {"request_id": str(request.id)})
    assert response.status_code == 303
    screening = db_session.exec(select(Screening).where(Screening.request_id == request.id)).one()
    assert response.headers["location"] == f"/committee/motions/{screening.motion_id}"
    response = browser.submit("/secretariat", "/secretariat/screenings", {"request_id": str(request.id)})
    assert response.status_code == 409 and "already being screened" in response.text
    assert _count(db_session, Screening, Screening.request_id == request.id) == 1


def test_one_submitted_request_is_counted_in_the_singular(browser, world, db_session, person):
    for waiting in db_session.exec(select(CapacityRequest).where(
            CapacityRequest.status == RequestStatus.SUBMITTED)):
        waiting.status = RequestStatus.ELIGIBLE
        db_session.add(waiting)
    add_request(db_session, person(Role.STATE, state_code="GHA"), "GHA", 5)
    browser.sign_in(world.secretariat.email)
    page = browser.get("/secretariat").text
    assert "1 submitted request</caption>" in page and "1 submitted requests" not in page


def test_starting_a_run_validates_the_time_limit(browser, world, db_session):
    browser.sign_in(world.secretariat.email)
    for bad, message in (("soon", "Time limit: enter a number of seconds."),
                         ("0", "Time limit: between 1 and 600 seconds.")):
        response = browser.submit("/secretariat", "/secretariat/runs", {"time_limit": bad})
        assert response.status_code == 422 and message in response.text
        assert 'href="#time_limit"' in response.text
    assert _count(db_session, OptimiserRun) == 1


def test_a_run_started_on_the_page_runs_and_links_its_result(browser, world, db_session):
    browser.sign_in(world.secretariat.email)
    response = browser.submit("/secretariat", "/secretariat/runs", {"time_limit": "5"})
    assert response.status_code == 303
    run = db_session.exec(select(OptimiserRun).order_by(OptimiserRun.id.desc())).first()
    assert response.headers["location"] == f"/secretariat/runs/{run.id}"
    page = browser.get(f"/secretariat/runs/{run.id}").text  # the tests run jobs at once
    assert run.status == "DONE" and "<strong>Finished</strong>" in page
    assert f'href="/committee/runs/{run.id}"' in page and "Cancel the run" not in page


def test_a_queued_run_shows_a_reload_link_and_can_be_cancelled(browser, world, db_session):
    queued = OptimiserRun(criteria_version=1, time_limit=5, started_by_id=world.secretariat.id)
    db_session.add(queued)
    db_session.flush()
    browser.sign_in(world.secretariat.email)
    path = f"/secretariat/runs/{queued.id}"
    page = browser.get(path).text
    assert "Reload to see its progress" in page and "Cancel the run" in page
    response = browser.submit(path, f"{path}/cancel", {})
    assert response.status_code == 303
    db_session.refresh(queued)
    assert queued.status == "CANCELLED"
    response = browser.submit("/secretariat", "/secretariat/runs", {"time_limit": "5"})
    assert response.status_code == 303  # a cancelled run no longer blocks a new one


def test_seating_a_member_checks_the_account_and_keeps_history(browser, world, db_session, person):
    browser.sign_in(world.secretariat.email)
    state_account = person(Role.STATE, state_code="POL")
    before = _count(db_session, CommitteeSeat)
    response = browser.submit("/secretariat/seats", "/secretariat/seats",
                              {"group_code": "EEG", "member_email": state_account.email})
    assert response.status_code == 422
    assert "memberEmail: the account must have the committee role" in response.text
    assert 'href="#member_email"' in response.text
    response = browser.submit("/secretariat/seats", "/secretariat/seats",
                              {"group_code": "EEG", "member_email": "nobody@example.org"})
    assert response.status_code == 422 and "no account has this address" in response.text
    assert _count(db_session, CommitteeSeat) == before
    successor = person(Role.COMMITTEE, state_code="GHA", group_code="AFRICAN")
    response = browser.submit("/secretariat/seats", "/secretariat/seats",
                              {"group_code": "AFRICAN", "member_email": successor.email})
    assert response.status_code == 303
    page = browser.get("/secretariat/seats").text
    assert successor.name in page and world.kenya_member.name in page  # history kept
    assert page.count("holds the seat") == 2  # AFRICAN (the successor) and APG


UPR_HEADER = "Recommendation,Recommending State,State under Review,Response,Session,Issues,Type\n"


def _upload(browser, text: str, fmt: str = "upr-info", skip: bool = False):
    page = browser.get("/secretariat/imports").text
    from tests.pages.conftest import csrf_of

    data = {"csrf_token": csrf_of(page), "format": fmt}
    if skip:
        data["skip_invalid"] = "yes"
    return browser.http.post("/secretariat/imports", data=data,
                             files={"file": ("recs.csv", text.encode(), "text/csv")})


def test_a_refused_import_lists_line_column_and_rule_and_writes_nothing(browser, world, db_session):
    browser.sign_in(world.secretariat.email)
    before = _count(db_session, Recommendation)
    response = _upload(browser, "not,a,known,header\n1,2,3,4\n")
    assert response.status_code == 422
    assert "The file was refused: nothing was imported." in response.text
    assert '<td class="num">1</td>' in response.text  # the header line is named
    assert _count(db_session, Recommendation) == before


def test_the_import_form_names_missing_fields(browser, world):
    browser.sign_in(world.secretariat.email)
    response = _upload(browser, "", fmt="excel")
    assert response.status_code == 422
    assert "Format: choose the UHRI export, UPR Info or a UHRI thematic list." in response.text
    assert "File: choose a file to import." in response.text


def _upload_file(browser, path, fmt: str = "uhri"):
    page = browser.get("/secretariat/imports").text
    from tests.pages.conftest import csrf_of

    return browser.http.post("/secretariat/imports", data={"csrf_token": csrf_of(page), "format": fmt},
                             files={"file": (path.name, path.read_bytes(), "application/octet-stream")})


@pytest.mark.parametrize("kind", ["xlsx", "json"])
def test_the_uhri_export_imports_from_the_page(browser, world, db_session, tmp_path, kind):
    from tests.reference import uhri_fixtures as fx

    browser.sign_in(world.secretariat.email)
    assert 'value="uhri"' in browser.get("/secretariat/imports").text
    records = fx.sample_records()
    path = (fx.write_xlsx if kind == "xlsx" else fx.write_json)(tmp_path / f"uhri.{kind}", records)
    response = _upload_file(browser, path)
    assert response.status_code == 200, response.text
    rows = fx.SAMPLE_RECOMMENDATIONS + fx.EXTRA_RECOMMENDATIONS
    assert f"{rows} new, 0 updated" in response.text
    assert f"{fx.SAMPLE_CONCERNS} records are concerns or observations" in response.text
    db_session.expire_all()
    assert db_session.exec(select(Recommendation).where(
        Recommendation.source_id == fx.CRC_ID)).one().body == "CRC"


def test_a_uhri_export_must_be_a_workbook_or_json(browser, world, tmp_path):
    browser.sign_in(world.secretariat.email)
    path = tmp_path / "uhri.csv"
    path.write_text("Text\n", encoding="utf-8")
    response = _upload_file(browser, path)
    assert response.status_code == 422
    assert "File: a UHRI export is a .xlsx or a .json file." in response.text


def test_statements_are_fixed_whatever_the_data(browser, world, db_session, person):
    from facility.auth.actor import Actor
    from governance import screening

    browser.sign_in(world.secretariat.email)
    paths = ["/secretariat", "/secretariat/seats", f"/secretariat/runs/{world.run.id}"]

    def statements(path):
        browser.get(path)
        db_session.expunge_all()  # measured cold (the identity map is not deterministic)
        with counted(db_session) as seen:
            assert browser.get(path).status_code == 200
        return seen

    small = {p: statements(p) for p in paths}
    state = person(Role.STATE, state_code="GHA")
    made = [add_request(db_session, state, "GHA", 10 + n) for n in range(30)]
    for request in made[:10]:
        screening.open_screening(db_session, actor=Actor.from_account(world.secretariat),
                                 request_id=request.id)
    db_session.flush()
    assert _count(db_session, Motion, Motion.kind == MotionKind.SCREENING) == 11
    for path in paths:
        large = statements(path)
        assert len(large) == len(small[path]), "\n".join([path, *small[path], "--", *large])
        assert len(large) <= 12, "\n".join(large)


def test_creating_an_account_checks_its_tenant_and_is_audited(browser, world, db_session):
    from facility.audit import AuditEntry
    from facility.auth.models import Account

    browser.sign_in(world.secretariat.email)
    before = _count(db_session, Account)
    response = browser.submit("/secretariat/accounts", "/secretariat/accounts", {
        "role": "COMMITTEE", "name": "New member", "email": "new.member@example.org",
        "state_code": "", "group_code": "", "password": "short"})
    assert response.status_code == 422
    for field in ("state_code", "group_code", "password"):
        assert f'href="#{field}"' in response.text, field
    assert "new.member@example.org" in response.text  # what was typed is kept
    assert _count(db_session, Account) == before
    response = browser.submit("/secretariat/accounts", "/secretariat/accounts", {
        "role": "COMMITTEE", "name": "New member", "email": "new.member@example.org",
        "state_code": "gha", "group_code": "AFRICAN", "password": "a long enough password"})
    assert response.status_code == 303
    created = db_session.exec(select(Account).where(Account.email == "new.member@example.org")).one()
    assert (created.role, created.state_code, created.regional_group_code) == ("COMMITTEE", "GHA", "AFRICAN")
    entry = db_session.exec(select(AuditEntry).where(AuditEntry.action == "account.created")).one()
    assert entry.subject_id == created.id and entry.actor_account_id == world.secretariat.id


def test_deactivating_an_account_ends_its_sessions(browser, world, db_session, new_browser):
    from facility.auth.models import Account

    member = new_browser()
    member.sign_in(world.india_member.email)
    assert member.get("/committee").status_code == 200
    browser.sign_in(world.secretariat.email)
    path = f"/secretariat/accounts/{world.india_member.id}/deactivate"
    assert browser.submit("/secretariat/accounts", path, {}).status_code == 303
    assert db_session.get(Account, world.india_member.id).active is False
    assert member.get("/committee").status_code == 303  # signed out: back to the sign-in page
    response = browser.submit("/secretariat/accounts", path, {})
    assert response.status_code == 409 and "already deactivated" in response.text
    own = browser.submit("/secretariat/accounts",
                         f"/secretariat/accounts/{world.secretariat.id}/deactivate", {})
    assert own.status_code == 409 and db_session.get(Account, world.secretariat.id).active


def test_the_accounts_list_is_paginated_at_a_fixed_cost(browser, world, db_session, person):
    browser.sign_in(world.secretariat.email)

    def statements(path):
        browser.get(path)
        db_session.expunge_all()  # measured cold (the identity map is not deterministic)
        with counted(db_session) as seen:
            page = browser.get(path)
            assert page.status_code == 200
        return seen, page.text

    small, _ = statements("/secretariat/accounts")
    for _n in range(30):
        person(Role.STATE, state_code="GHA")
    large, text = statements("/secretariat/accounts")
    assert len(large) == len(small), "\n".join(large)
    assert "Page 1 of 2" in text and statements("/secretariat/accounts?page=2")[1].count("<tr>") > 1


def test_an_uploaded_file_is_parsed_in_a_pool_thread_not_on_the_event_loop(browser, person, monkeypatch):
    """A 20 MB upload arrives whole (facility.web.body_limits); parsing it (and spooling its
    file to disk) on the event loop held every other request, /healthz included, for seconds.
    The parser must run where the page routes run, in the thread pool."""
    import threading

    from starlette.formparsers import MultiPartParser

    threads = []
    parse = MultiPartParser.parse

    async def recorded(self):
        threads.append(threading.current_thread().name)
        return await parse(self)

    monkeypatch.setattr(MultiPartParser, "parse", recorded)
    browser.sign_in(person(Role.SECRETARIAT).email)
    response = _upload(browser, UPR_HEADER + "x" * (2 * 1024 * 1024), fmt="uhri")
    assert response.status_code == 422  # not a UHRI export: refused once read
    assert threads and all(name.startswith("AnyIO worker thread") for name in threads), threads
