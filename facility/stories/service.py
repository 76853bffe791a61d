"""Success stories: proposed by the secretariat, consented to (or declined) by the State, then published.

The State owns its report: nothing is shown to the public before the State consents, and a
State that withdraws its consent unpublishes the story at once. Every step is audited in the
caller's transaction; free-text reasons stay out of the audit payload (they may name people).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from facility import audit
from facility.auth import permissions
from facility.auth.actor import Actor
from facility.auth.models import Partner
from facility.engagements import reports
from facility.engagements.models import Engagement, EngagementExpert, FollowUpReport, ReportKind
from facility.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    Problems,
    StaleVersion,
    ValidationFailed,
)
from facility.locking import lock
from facility.notifications import steps
from facility.offers.models import Offer
from facility.reference.models import Recommendation, State
from facility.requests import service as requests
from facility.requests.models import CapacityRequest
from facility.stories.lifecycle import STORY
from facility.stories.models import StoryPart, StoryStatus, SuccessStory
from facility.timeutil import utcnow
from facility.validation import check_characters

MAX_TITLE = 200
MAX_SUMMARY = 5_000
MAX_REASON = 2_000
# A report has at most one story in these states at a time.
ACTIVE = (StoryStatus.PROPOSED, StoryStatus.CONSENTED, StoryStatus.PUBLISHED)


def _not_found(story_id: int) -> NotFound:
    return NotFound(f"no success story with id {story_id}")


def get_story(session: Session, *, actor: Actor | None, story_id: int) -> SuccessStory:
    """The story, if this caller may see it (unpublished: the secretariat and the State only)."""
    story = permissions.find_visible(session, SuccessStory, story_id,
                                     permissions.story_visibility(actor))
    if story is None:
        raise _not_found(story_id)
    return story


def list_stories(session: Session, *, actor: Actor | None, status: StoryStatus | None = None,
                 state_code: str | None = None, limit: int,
                 offset: int) -> tuple[list[SuccessStory], int]:
    """The stories this caller may see (of one State, if given), most recently published (then
    proposed) first."""
    condition = permissions.story_visibility(actor)
    if status is not None:
        condition = condition & (SuccessStory.status == status)  # type: ignore[assignment]
    if state_code is not None:
        condition = condition & (SuccessStory.state_code == state_code)  # type: ignore[assignment]
    total = session.exec(select(func.count()).select_from(SuccessStory).where(condition)).one()
    rows = session.exec(select(SuccessStory).where(condition).order_by(
        SuccessStory.published_at.desc().nulls_last(),  # type: ignore[union-attr]
        SuccessStory.id.desc()).offset(offset).limit(limit)).all()  # type: ignore[union-attr]
    return list(rows), total


def published_in(session: Session, year: int | None) -> list[SuccessStory]:
    """Published stories, optionally those published in one calendar year (for reports)."""
    query = select(SuccessStory).where(SuccessStory.status == StoryStatus.PUBLISHED)
    if year is not None:
        query = query.where(
            SuccessStory.published_at >= datetime(year, 1, 1, tzinfo=UTC),  # type: ignore[operator]
            SuccessStory.published_at < datetime(year + 1, 1, 1, tzinfo=UTC))  # type: ignore[operator]
    return list(session.exec(query.order_by(SuccessStory.published_at, SuccessStory.id)).all())  # type: ignore[arg-type]


@dataclass(frozen=True)
class Proposable:
    """A submitted report the secretariat may propose as a story."""

    report: FollowUpReport
    title: str  # the engagement's request
    state: str  # the State's name


def proposable_reports(session: Session, *, actor: Actor | None, limit: int) -> list[Proposable]:
    """The latest submitted version of each report that has no story proposed, consented to or
    published, most recently submitted first (the secretariat only; 1 statement)."""
    if not permissions.can_manage_stories(actor):
        return []
    # A story belongs to one version; a report (engagement and kind) has one active at a time.
    active = select(SuccessStory.report_id).join(
        FollowUpReport, FollowUpReport.id == SuccessStory.report_id).where(  # type: ignore[arg-type]
        SuccessStory.status.in_(ACTIVE))  # type: ignore[attr-defined]
    storied = select(FollowUpReport.engagement_id, FollowUpReport.kind).where(
        FollowUpReport.id.in_(active)).subquery()  # type: ignore[union-attr]
    rows = session.exec(
        select(FollowUpReport, CapacityRequest.title, State.name)
        .join(Engagement, Engagement.id == FollowUpReport.engagement_id)  # type: ignore[arg-type]
        .join(CapacityRequest, CapacityRequest.id == Engagement.request_id)  # type: ignore[arg-type]
        .join(State, State.code == CapacityRequest.state_code)  # type: ignore[arg-type]
        .outerjoin(storied, (storied.c.engagement_id == FollowUpReport.engagement_id)
                   & (storied.c.kind == FollowUpReport.kind))
        .where(~FollowUpReport.superseded, FollowUpReport.submitted_at.is_not(None),  # type: ignore[operator, union-attr]
               storied.c.engagement_id.is_(None))
        .order_by(FollowUpReport.submitted_at.desc(), FollowUpReport.id.desc())  # type: ignore[union-attr]
        .limit(limit)).all()
    return [Proposable(report, title, state) for report, title, state in rows]


def _check_text(problems: Problems, name: str, value: str, limit: int, what: str) -> str:
    value = (value or "").strip()
    if not check_characters(problems, name, value):
        return value  # that problem (check_characters) alone
    if not value:
        problems.add(name, "required", f"{name}: {what}")
    elif len(value) > limit:
        problems.add(name, "max_length", f"{name}: at most {limit} characters")
    return value


def _check_parts(problems: Problems, parts: list[str]) -> list[str]:
    cleaned = []
    for i, part in enumerate(parts):
        if part not in StoryPart.__members__:
            problems.add(f"parts[{i}]", "choice", f"parts[{i}]: {part!r} is not one of "
                         f"{', '.join(StoryPart)}")
        elif part in cleaned:
            problems.add(f"parts[{i}]", "unique", f"parts[{i}]: {part} is listed twice")
        else:
            cleaned.append(part)
    return cleaned


def propose_story(session: Session, *, actor: Actor | None, report_id: int, title: str,
                  summary: str, parts: list[str]) -> SuccessStory:
    """The secretariat proposes a submitted report version as a success story."""
    if not permissions.can_manage_stories(actor):
        raise PermissionDenied("only the secretariat proposes success stories")
    report = reports.get_report(session, actor=actor, report_id=report_id)
    # The engagement's row lock, before the checks: two proposals at once for its report (or
    # another version of it) queue here, and the second sees the first one's story.
    engagement = lock(session, session.get(Engagement, report.engagement_id))
    if report.submitted_at is None:
        raise Conflict("only a submitted report can become a success story; this version is "
                       "a draft")
    siblings = select(FollowUpReport.id).where(FollowUpReport.engagement_id == report.engagement_id,
                                               FollowUpReport.kind == report.kind)
    corrected = session.exec(select(FollowUpReport.version).where(
        FollowUpReport.id.in_(siblings), FollowUpReport.version > report.version,  # type: ignore[union-attr]
        FollowUpReport.submitted_at.is_not(None))).first()  # type: ignore[union-attr]
    if corrected is not None:
        raise Conflict(f"version {corrected} of this report corrects this one; propose the "
                       "latest submitted version")
    active = session.exec(select(SuccessStory.id).where(
        SuccessStory.report_id.in_(siblings),  # type: ignore[attr-defined]
        SuccessStory.status.in_(ACTIVE))).first()  # type: ignore[attr-defined]
    if active is not None:
        raise Conflict("this report already has a success story that is proposed, consented "
                       "to or published")
    problems = Problems()
    title = _check_text(problems, "title", title, MAX_TITLE, "give the story a title")
    summary = _check_text(problems, "summary", summary, MAX_SUMMARY,
                          "write the summary the public will read")
    cleaned = _check_parts(problems, parts)
    problems.raise_if_any()
    request = session.get(CapacityRequest, engagement.request_id)  # type: ignore[union-attr]
    assert actor is not None and request is not None
    story = SuccessStory(report_id=report_id, state_code=request.state_code, title=title,
                         summary=summary, parts=cleaned, proposed_by_id=actor.account_id)
    session.add(story)
    session.flush()
    _audit(session, actor, story, "proposed", {"report": report_id, "parts": cleaned})
    steps.story_to_consent(session, story)
    return story


def _answerable(session: Session, actor: Actor | None, story_id: int,
                expected_row_version: int | None) -> SuccessStory:
    story = get_story(session, actor=actor, story_id=story_id)
    if not permissions.can_answer_story(actor, story):
        raise PermissionDenied("only the mission of the State whose report it is consents to, "
                               "declines or withdraws a success story")
    _check_row_version(session, story, expected_row_version)
    return story


def _check_row_version(session: Session, story: SuccessStory, expected: int | None) -> None:
    """Refuse a stale copy. The story's row is locked (and reloaded) first, so that fifty
    simultaneous answers move it once and the others see where it went."""
    lock(session, story)
    if expected is not None and expected != story.row_version:
        raise StaleVersion(f"the story changed since you read it (rowVersion {expected}, now "
                       f"{story.row_version}); reload it")


def consent_to_story(session: Session, *, actor: Actor | None, story_id: int,
                     expected_row_version: int | None = None) -> SuccessStory:
    """The State agrees that the story, as proposed, may be published."""
    story = _answerable(session, actor, story_id, expected_row_version)
    STORY.move(story, StoryStatus.CONSENTED, refusal=f"a story {story.status} cannot be consented to")
    _answered(story, actor)
    return _saved(session, actor, story, "consented", {})


def decline_story(session: Session, *, actor: Actor | None, story_id: int, reason: str,
                  expected_row_version: int | None = None) -> SuccessStory:
    """The State refuses publication, saying why; the secretariat may propose again later."""
    story = _answerable(session, actor, story_id, expected_row_version)
    if not STORY.allows(story.status, StoryStatus.DECLINED):
        raise InvalidTransition(f"a story {story.status} cannot be declined")
    problems = Problems()
    reason = _check_text(problems, "reason", reason, MAX_REASON,
                         "say why the State declines publication")
    problems.raise_if_any()
    STORY.move(story, StoryStatus.DECLINED)
    story.decline_reason = reason
    _answered(story, actor)
    return _saved(session, actor, story, "declined", {})


def withdraw_consent(session: Session, *, actor: Actor | None, story_id: int, reason: str = "",
                     expected_row_version: int | None = None) -> SuccessStory:
    """The State takes its consent back; a published story is unpublished at once."""
    story = _answerable(session, actor, story_id, expected_row_version)
    if not STORY.allows(story.status, StoryStatus.WITHDRAWN):
        raise InvalidTransition(f"a story {story.status} has no consent to withdraw")
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ValidationFailed.single("reason", "max_length", f"reason: at most {MAX_REASON} characters")
    was = story.status
    STORY.move(story, StoryStatus.WITHDRAWN)
    story.withdraw_reason = reason or None
    story.withdrawn_at = utcnow()
    story.withdrawn_by_id = actor.account_id  # type: ignore[union-attr]
    return _saved(session, actor, story, "consent_withdrawn", {"was": str(was)})


def publish_story(session: Session, *, actor: Actor | None, story_id: int,
                  expected_row_version: int | None = None) -> SuccessStory:
    """The secretariat publishes a story the State consented to; never before."""
    if not permissions.can_manage_stories(actor):
        raise PermissionDenied("only the secretariat publishes success stories")
    story = get_story(session, actor=actor, story_id=story_id)
    _check_row_version(session, story, expected_row_version)
    STORY.move(story, StoryStatus.PUBLISHED, refusal=(
        f"a story is published only once the State has consented; this one is {story.status}"))
    story.published_at = utcnow()
    story.published_by_id = actor.account_id  # type: ignore[union-attr]
    return _saved(session, actor, story, "published", {})


def _answered(story: SuccessStory, actor: Actor | None) -> None:
    story.answered_at = utcnow()
    story.answered_by_id = actor.account_id  # type: ignore[union-attr]


def _saved(session: Session, actor: Actor | None, story: SuccessStory, step: str,
           payload: dict) -> SuccessStory:
    story.row_version += 1
    session.add(story)
    session.flush()
    _audit(session, actor, story, step, payload)
    return story


def _audit(session: Session, actor: Actor | None, story: SuccessStory, step: str,
           payload: dict) -> None:
    audit.record(session, actor_account_id=actor.account_id,  # type: ignore[union-attr]
                 action=f"success_story.{step}", subject_type="success_story",
                 subject_id=story.id, payload={"state": story.state_code, **payload})


# What a story shows ---------------------------------------------------------------------------

@dataclass
class ShownRecommendation:
    recommendation: Recommendation
    status: str
    evidence: str
    links: list[str]


@dataclass
class StoryContent:
    """What the public reads: the secretariat's text and the parts the State consented to show.
    No account, expert or person is named; experts are counted, not listed."""

    story: SuccessStory
    state: State
    kind: ReportKind
    themes: list[str]
    partner: str | None
    start: date
    end: date
    experts_deployed: int
    recommendations: list[ShownRecommendation] | None = None
    indicators: list[dict] | None = None
    narrative: str | None = None
    parts: list[str] = field(default_factory=list)


def story_contents(session: Session, stories: list[SuccessStory]) -> dict[int, StoryContent]:
    """The public content of many stories in six statements, whatever their number (callers
    have checked that the caller may see each story)."""
    if not stories:
        return {}
    report_rows = session.exec(select(FollowUpReport).where(
        FollowUpReport.id.in_([s.report_id for s in stories]))).all()  # type: ignore[union-attr]
    by_report = {r.id: r for r in report_rows}
    team_size = (select(func.count()).where(EngagementExpert.engagement_id == Engagement.id)
                 .scalar_subquery())
    sized = session.exec(select(Engagement, team_size).where(
        Engagement.id.in_({r.engagement_id for r in report_rows}))).all()  # type: ignore[union-attr]
    engagement_rows = [e for e, _n in sized]
    engagements = {e.id: e for e in engagement_rows}
    team_sizes = {e.id: n for e, n in sized}
    states = {s.code: s for s in session.exec(select(State).where(
        State.code.in_({s.state_code for s in stories})))}  # type: ignore[attr-defined]
    partners = dict(session.exec(select(Offer.id, Partner.name).join(
        Partner, Partner.id == Offer.partner_id).where(  # type: ignore[arg-type]
        Offer.id.in_({e.offer_id for e in engagement_rows}))).all())  # type: ignore[union-attr]
    themes = requests.themes_by_request(session, [e.request_id for e in engagement_rows])
    shown_ids = {r["recommendation_id"] for s in stories if StoryPart.RECOMMENDATIONS in s.parts
                 for r in by_report[s.report_id].recommendations}
    found = {r.id: r for r in session.exec(select(Recommendation).where(
        Recommendation.id.in_(shown_ids)))} if shown_ids else {}  # type: ignore[union-attr]

    contents = {}
    for story in stories:
        report = by_report[story.report_id]
        engagement = engagements[report.engagement_id]
        content = StoryContent(
            story=story, state=states[story.state_code], kind=report.kind,
            themes=themes[engagement.request_id], partner=partners.get(engagement.offer_id),
            start=engagement.start, end=engagement.end,
            experts_deployed=team_sizes[engagement.id], parts=list(story.parts))
        if StoryPart.RECOMMENDATIONS in story.parts:
            content.recommendations = [
                ShownRecommendation(recommendation=found[r["recommendation_id"]],
                                    status=r["status"], evidence=r["evidence"],
                                    links=list(r["links"]))
                for r in report.recommendations if r["recommendation_id"] in found]
        if StoryPart.INDICATORS in story.parts:
            content.indicators = [dict(i) for i in report.indicators]
        if StoryPart.NARRATIVE in story.parts:
            content.narrative = report.narrative
        contents[story.id] = content  # type: ignore[index]
    return contents
