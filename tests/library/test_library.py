"""The good-practice library: a contributor's draft is its tenant's own, a submission goes to
the secretariat, which publishes it (public from then on) or returns it with a note; a
published success story becomes a case study; files are kept only while their row is."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from facility.audit import AuditEntry, verify
from facility.auth.actor import Actor
from facility.auth.models import Account, Role
from facility.errors import ValidationFailed
from facility.ids import decode_id
from facility.library import service
from facility.library.models import LibraryResource, LinkKind, ResourceStatus
from tests.api.helpers import request_input
from tests.follow_up.conftest import Loop
from tests.follow_up.test_success_stories import PROPOSAL, submitted  # noqa: F401  (fixture)
from tests.library.documents import HTML, PDF, docx

LIBRARY_OPERATIONS = {"Resources", "Resource", "SubmitResource", "UpdateResource",
                      "PublishResource", "ReturnResource", "CaseStudyFromStory"}

GUIDE = {"kind": "GUIDANCE", "title": "Moratorium on the death penalty: a guide",
         "summary": "How three States kept a moratorium while parliament debated abolition.",
         "language": "en", "licence": "CC BY 4.0", "author": "Kenya National Commission",
         "link": "https://library.example.org/moratorium-guide", "themes": ["Death penalty"],
         "sdgTargets": ["16.3"]}


def _submit(loop: Loop, client, **overrides) -> dict:
    return loop.result(client, "SubmitResource", input={**GUIDE, **overrides})


def _seen(loop: Loop, client, **filters) -> set[str]:
    page = loop.op(client, "Resources", first=50, **filters)["resources"]
    return {e["node"]["id"] for e in page["edges"]}


def test_a_draft_is_its_tenants_own_until_the_secretariat_publishes_it(loop, db_session, make_token, gql):
    made = _submit(loop, loop.kenya, draft=True)
    assert made["__typename"] == "LibraryResourcePayload", made
    draft = made["resource"]
    assert (draft["status"], draft["themes"], draft["sdgTargets"], draft["contributorRole"]) == (
        "DRAFT", ["Death penalty"], ["16.3"], "STATE")
    # Another mission of Kenya shares the draft; nobody else sees it, the secretariat included.
    colleague = gql.as_(make_token("STATE", state="KEN"))
    assert draft["id"] in _seen(loop, colleague)
    for client in (loop.secretariat, loop.committee, loop.norad, loop.ghana, loop.anonymous):
        assert draft["id"] not in _seen(loop, client)
        assert loop.op(client, "Resource", id=draft["id"]) == {"resource": None}
    assert loop.result(loop.secretariat, "PublishResource", id=draft["id"])["__typename"] == "NotFound"

    stale = loop.result(loop.kenya, "UpdateResource", id=draft["id"], input={
        "title": "Changed", "expectedVersion": draft["version"] + 1})
    assert stale["__typename"] == "Conflict"
    sent = loop.result(loop.kenya, "UpdateResource", id=draft["id"], submit=True, input={
        "summary": "How three States kept a moratorium in force.",
        "expectedVersion": draft["version"]})["resource"]
    assert sent["status"] == "SUBMITTED" and sent["submittedAt"]
    assert draft["id"] in _seen(loop, loop.secretariat, status="SUBMITTED")
    for client in (loop.norad, loop.ghana, loop.anonymous, loop.committee):
        assert draft["id"] not in _seen(loop, client)
    for client in (loop.kenya, loop.norad, loop.committee):
        assert loop.result(client, "PublishResource", id=draft["id"])["__typename"] in (
            "PermissionDenied", "NotFound")
    submitted_again = loop.result(loop.kenya, "UpdateResource", id=draft["id"], input={"title": "x"})
    assert submitted_again["__typename"] == "Conflict"

    published = loop.result(loop.secretariat, "PublishResource", id=draft["id"],
                            expectedVersion=sent["version"])["resource"]
    assert published["status"] == "PUBLISHED" and published["publishedAt"]
    # Public now, and found by its words, its theme, its kind and its language.
    for client in (loop.anonymous, loop.ghana, loop.norad, loop.committee):
        assert draft["id"] in _seen(loop, client)
    assert draft["id"] in _seen(loop, loop.anonymous, search="MORATORIUM guide")
    assert draft["id"] in _seen(loop, loop.anonymous, search="death penalty", kind="GUIDANCE")
    assert draft["id"] in _seen(loop, loop.anonymous, theme="Death penalty", language="en")
    assert draft["id"] not in _seen(loop, loop.anonymous, search="moratorium torture")
    assert draft["id"] not in _seen(loop, loop.anonymous, language="fr")
    assert draft["id"] not in _seen(loop, loop.anonymous, search="100%_")
    again = loop.result(loop.secretariat, "PublishResource", id=draft["id"])
    assert again["__typename"] == "Conflict" and "submitted" in again["message"]
    final = loop.result(loop.kenya, "UpdateResource", id=draft["id"], input={"title": "x"})
    assert final["__typename"] == "Conflict"

    actions = [e.action for e in db_session.exec(select(AuditEntry).where(
        AuditEntry.subject_type == "library_resource").order_by(AuditEntry.seq))]
    assert actions == ["library_resource.drafted", "library_resource.changed",
                       "library_resource.submitted", "library_resource.published"]
    assert verify(db_session).ok


def test_a_returned_resource_goes_back_to_its_partner_to_change(loop):
    sent = _submit(loop, loop.norad, author="Norad")["resource"]
    assert sent["status"] == "SUBMITTED"
    assert sent["id"] in _seen(loop, loop.norad, mine=True)
    assert sent["id"] not in _seen(loop, loop.sida)
    empty = loop.result(loop.secretariat, "ReturnResource", id=sent["id"], note=" ")
    assert empty["__typename"] == "ValidationError" and empty["field"] == "note"
    assert loop.result(loop.norad, "ReturnResource", id=sent["id"],
                       note="x")["__typename"] == "PermissionDenied"
    returned = loop.result(loop.secretariat, "ReturnResource", id=sent["id"],
                           note="Say which States the guide draws on.")["resource"]
    assert (returned["status"], returned["returnNote"]) == ("RETURNED",
                                                            "Say which States the guide draws on.")
    assert loop.op(loop.norad, "Resource", id=sent["id"])["resource"]["returnNote"]
    assert loop.op(loop.sida, "Resource", id=sent["id"]) == {"resource": None}
    assert loop.result(loop.sida, "UpdateResource", id=sent["id"], input={
        "title": "x"})["__typename"] == "NotFound"
    again = loop.result(loop.norad, "UpdateResource", id=sent["id"], submit=True, input={
        "summary": "Kenya, Ghana and Sierra Leone kept a moratorium in force."})["resource"]
    assert (again["status"], again["returnNote"]) == ("SUBMITTED", None)
    assert loop.result(loop.secretariat, "PublishResource", id=sent["id"])["resource"][
        "status"] == "PUBLISHED"


def test_experts_contribute_for_themselves_and_the_committee_does_not(loop, gql, make_token):
    expert, other = (gql.as_(make_token("EXPERT", partner="Norad")) for _ in range(2))
    made = _submit(loop, expert, draft=True)["resource"]
    assert made["contributorRole"] == "EXPERT"
    assert made["id"] in _seen(loop, expert) and made["id"] not in _seen(loop, other)
    refused = _submit(loop, loop.committee)
    assert refused["__typename"] == "PermissionDenied"
    assert _submit(loop, loop.anonymous)["__typename"] == "PermissionDenied"


def test_every_bad_field_is_named_and_nothing_is_stored(loop, db_session):
    ghana_draft = loop.result(loop.ghana, "CreateRequest", input=request_input(
        [loop.recs["TEST-GHA-1"]], stateCode="GHA"))["request"]
    before = db_session.exec(select(LibraryResource)).all()
    bad = _submit(loop, loop.kenya, title=" ", language="xx", themes=["Astrology"],
                  sdgTargets=["99.9"], link="ftp://files.example.org/guide",
                  requestIds=[ghana_draft["id"]])
    assert bad["__typename"] == "ValidationError", bad
    fields = {e["field"] for e in bad["errors"]}
    assert fields == {"title", "language", "themes", "sdgTargets", "link", "requestIds"}, bad
    assert db_session.exec(select(LibraryResource)).all() == before
    # Kenya's own request is linked, and shown to those who may see it.
    linked = _submit(loop, loop.kenya, requestIds=[loop.request_id],
                     engagementIds=[loop.engagement_id])["resource"]
    assert [r["id"] for r in linked["requests"]] == [loop.request_id]
    assert [e["id"] for e in linked["engagements"]] == [loop.engagement_id]


def test_a_retry_with_the_same_key_returns_the_first_resource(loop):
    first = _submit(loop, loop.kenya, idempotencyKey="guide-1")["resource"]
    assert _submit(loop, loop.kenya, idempotencyKey="guide-1")["resource"]["id"] == first["id"]
    other = _submit(loop, loop.kenya, idempotencyKey="guide-1", title="Another guide")
    assert other["__typename"] == "ValidationError" and other["field"] == "idempotencyKey"


def _actor(db_session, role: Role, **where) -> Actor:
    account = db_session.exec(select(Account).where(Account.role == role).filter_by(**where)).first()
    return Actor.from_account(account)


def _fields(**overrides) -> service.ResourceFields:
    base = {"kind": "TRAINING_MATERIAL", "title": "Training judges on fair trial",
            "summary": "The curriculum the judicial academy adopted.", "language": "en",
            "licence": "CC BY 4.0", "author": "Judicial academy", "themes": ["Justice"]}
    return service.ResourceFields(**{**base, **overrides})


def test_a_file_lives_exactly_as_long_as_its_row(loop, db_session, storage):
    kenya = _actor(db_session, Role.STATE, state_code="KEN")
    with pytest.raises(ValidationFailed) as refused:
        service.submit_resource(db_session, actor=kenya, fields=_fields(),
                                upload=service.Upload(HTML, storage))
    assert refused.value.problems[0].field == "file"
    both = _fields(link="https://example.org/x")
    with pytest.raises(ValidationFailed, match="not both"):
        service.submit_resource(db_session, actor=kenya, fields=both,
                                upload=service.Upload(PDF, storage))
    with pytest.raises(ValidationFailed, match="a file or a link"):
        service.submit_resource(db_session, actor=kenya, fields=_fields())

    resource = service.submit_resource(db_session, actor=kenya, fields=_fields(),
                                       upload=service.Upload(PDF, storage))
    assert (resource.file_type, resource.file_size) == ("application/pdf", len(PDF))
    key = resource.file_key
    assert storage.open(key).read() == PDF and key not in "Training judges"
    db_session.rollback()  # the row never was: nor is the file
    with pytest.raises(FileNotFoundError):
        storage.open(key)

    resource = service.submit_resource(db_session, actor=kenya, fields=_fields(), draft=True,
                                       upload=service.Upload(PDF, storage))
    old = resource.file_key
    db_session.commit()
    service.change_resource(db_session, actor=kenya, resource_id=resource.id, changes={},
                            upload=service.Upload(docx(), storage))
    db_session.rollback()  # the change undone: the old file stays, the new one goes
    assert storage.open(old).read() == PDF
    assert sum(1 for p in storage.root.rglob("*") if p.is_file()) == 1
    changed = service.change_resource(db_session, actor=kenya, resource_id=resource.id,
                                      changes={}, upload=service.Upload(docx(), storage))
    new = changed.file_key
    db_session.commit()  # the change kept: the old file goes
    with pytest.raises(FileNotFoundError):
        storage.open(old)
    assert storage.open(new).read() == docx() or storage.open(new).read()[:2] == b"PK"
    assert changed.file_type.endswith("wordprocessingml.document")
    linked = service.change_resource(db_session, actor=kenya, resource_id=resource.id,
                                     changes={"link": "https://example.org/curriculum"},
                                     storage=storage)
    db_session.commit()
    assert (linked.file_key, linked.link) == (None, "https://example.org/curriculum")
    with pytest.raises(FileNotFoundError):
        storage.open(new)


def test_a_published_success_story_becomes_a_case_study(loop, submitted, db_session):  # noqa: F811
    story = loop.result(loop.secretariat, "ProposeSuccessStory", reportId=submitted["id"],
                        input=PROPOSAL)["story"]
    early = loop.result(loop.secretariat, "CaseStudyFromStory", storyId=story["id"])
    assert early["__typename"] == "Conflict" and "published" in early["message"]
    loop.result(loop.kenya, "ConsentToSuccessStory", id=story["id"])
    loop.result(loop.secretariat, "PublishSuccessStory", id=story["id"])
    assert loop.result(loop.norad, "CaseStudyFromStory",
                       storyId=story["id"])["__typename"] == "PermissionDenied"
    made = loop.result(loop.secretariat, "CaseStudyFromStory", storyId=story["id"],
                       idempotencyKey="case-1")
    assert made["__typename"] == "LibraryResourcePayload", made
    case = made["resource"]
    assert (case["kind"], case["status"], case["title"], case["link"], case["fileUrl"]) == (
        "CASE_STUDY", "SUBMITTED", PROPOSAL["title"], None, None)
    assert [s["id"] for s in case["successStories"]] == [story["id"]]
    assert [r["id"] for r in case["requests"]] == [loop.request_id]
    assert "Justice" in case["themes"]
    assert loop.result(loop.secretariat, "CaseStudyFromStory", storyId=story["id"],
                       idempotencyKey="case-1")["resource"]["id"] == case["id"]
    loop.result(loop.secretariat, "PublishResource", id=case["id"])
    public = loop.op(loop.anonymous, "Resource", id=case["id"])["resource"]
    # The public reads the story it tells; Kenya's request it does not.
    assert [s["id"] for s in public["successStories"]] == [story["id"]]
    assert public["requests"] == [] and public["engagements"] == []
    # Linked from the story, the request and the engagement it tells, for whoever sees them.
    for target in (story["id"], loop.request_id, loop.engagement_id):
        assert case["id"] in _seen(loop, loop.anonymous, relatedTo=target)
    wrong = loop.anonymous.post("query($id: ID) { resources(relatedTo: $id) { totalCount } }",
                                {"id": loop.recs["TEST-KEN-1"]}).json()
    assert "relatedTo" in wrong["errors"][0]["message"]
    assert PROPOSAL["title"] in loop.anonymous.http.get("/stories").text.replace("&#39;", "'")
    assert f'href="/library/{decode_id("LibraryResource", case["id"])}"' in \
        loop.anonymous.http.get("/stories").text
    shown = service.linked_to(db_session, actor=None, kind=LinkKind.SUCCESS_STORY,
                              target_id=decode_id("SuccessStory", story["id"]))
    assert [r.status for r in shown] == [ResourceStatus.PUBLISHED]


def test_every_library_operation_ran(loop, submitted):  # noqa: F811
    draft = _submit(loop, loop.kenya, draft=True)["resource"]
    loop.result(loop.kenya, "UpdateResource", id=draft["id"], submit=True, input={"title": "T"})
    loop.result(loop.secretariat, "ReturnResource", id=draft["id"], note="More detail")
    loop.result(loop.kenya, "UpdateResource", id=draft["id"], submit=True, input={})
    loop.result(loop.secretariat, "PublishResource", id=draft["id"])
    loop.op(loop.anonymous, "Resources", search="moratorium")
    loop.op(loop.anonymous, "Resource", id=draft["id"])
    loop.result(loop.secretariat, "CaseStudyFromStory", storyId="bm9uZQ==")
    assert loop.ran >= LIBRARY_OPERATIONS
    assert date.today()  # the clock fixture restores the day
