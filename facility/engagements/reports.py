"""Follow-up reports: drafting, submitting, correcting, and turning further needs into a request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import ColumnElement, and_, func
from sqlmodel import Session, col, select

from facility import audit, idempotency, locking
from facility.auth import permissions
from facility.auth.actor import Actor
from facility.engagements.models import (
    Engagement,
    FollowUpReport,
    ImplementationStatus,
    IndicatorType,
    ReportStatus,
)
from facility.errors import Conflict, NotFound, PermissionDenied, Problems, StaleVersion, ValidationFailed
from facility.reference.models import State
from facility.requests import service as requests
from facility.requests.models import CapacityRequest
from facility.timeutil import today, utcnow
from facility.validation import check_text_language

MAX_TEXT = 20_000
MAX_SHORT = 300


@dataclass
class ReportChanges:
    """What a save replaces; None leaves the part as it is."""

    recommendations: list[dict[str, Any]] | None = None
    indicators: list[dict[str, Any]] | None = None
    narrative: str | None = None
    further_needs: str | None = None
    language: str | None = None  # ISO 639-1: the language the narrative and needs are in


def _not_found(report_id: int) -> NotFound:
    return NotFound(f"no follow-up report with id {report_id}")


def get_report(session: Session, *, actor: Actor | None, report_id: int) -> FollowUpReport:
    """The report (any version), if this caller may see it."""
    report = session.get(FollowUpReport, report_id)
    if report is None:
        raise _not_found(report_id)
    engagement = permissions.find_visible(session, Engagement, report.engagement_id,
                                          permissions.engagement_visibility(actor))
    if engagement is None:
        raise _not_found(report_id)
    return report


def _status_condition(status: ReportStatus) -> ColumnElement[bool]:
    unsubmitted = col(FollowUpReport.first_submitted_at).is_(None)
    if status == ReportStatus.SUBMITTED:
        return ~unsubmitted
    if status == ReportStatus.OVERDUE:
        return and_(unsubmitted, col(FollowUpReport.due_date) < today())
    return and_(unsubmitted, col(FollowUpReport.due_date) >= today())


def _of_requests(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """Reports of engagements whose request meets `condition`."""
    engagements = (select(Engagement.id)
                   .join(CapacityRequest, col(CapacityRequest.id) == Engagement.request_id)
                   .where(condition))
    return col(FollowUpReport.engagement_id).in_(engagements)


def list_reports(session: Session, *, actor: Actor | None, status: ReportStatus | None = None,
                 engagement_id: int | None = None, state_code: str | None = None,
                 regional_group: str | None = None, on_time: bool | None = None, limit: int,
                 offset: int) -> tuple[list[FollowUpReport], int]:
    """The latest version of each report this caller may see, soonest due first.

    `on_time` keeps the submitted reports that came (True) or did not come (False) by their
    due date; with the State and group filters it lists what the compliance view counts.
    """
    condition = permissions.follow_up_visibility(actor) & ~FollowUpReport.superseded
    if status is not None:
        condition = condition & _status_condition(status)
    if engagement_id is not None:
        condition = condition & (FollowUpReport.engagement_id == engagement_id)
    if state_code is not None:
        condition = condition & _of_requests(col(CapacityRequest.state_code) == state_code.upper())
    if regional_group is not None:
        in_group = select(State.code).where(State.regional_group_code == regional_group.upper())
        condition = condition & _of_requests(col(CapacityRequest.state_code).in_(in_group))
    if on_time is not None:
        condition = condition & (col(FollowUpReport.on_time).is_(on_time))
    total = session.exec(select(func.count()).select_from(FollowUpReport).where(condition)).one()
    rows = session.exec(select(FollowUpReport).where(condition)
                        .order_by(col(FollowUpReport.due_date), col(FollowUpReport.id))
                        .offset(offset).limit(limit)).all()
    return list(rows), total


def reports_by_engagement(session: Session, *, actor: Actor | None,
                          engagement_ids: list[int]) -> dict[int, list[FollowUpReport]]:
    """The latest version of each report of these engagements that the caller may see,
    soonest due first, in one statement."""
    found: dict[int, list[FollowUpReport]] = {i: [] for i in engagement_ids}
    if engagement_ids:
        for report in session.exec(select(FollowUpReport).where(
                permissions.follow_up_visibility(actor), ~col(FollowUpReport.superseded),
                col(FollowUpReport.engagement_id).in_(set(engagement_ids)))
                .order_by(col(FollowUpReport.due_date), col(FollowUpReport.id))):
            found[report.engagement_id].append(report)
    return found


def _own_report(session: Session, actor: Actor | None, report_id: int) -> tuple[FollowUpReport, Engagement]:
    report = get_report(session, actor=actor, report_id=report_id)
    engagement = session.get(Engagement, report.engagement_id)
    assert engagement is not None
    if not permissions.can_file_follow_up(session, actor, engagement):
        raise PermissionDenied("only the mission of the State that received the support files "
                               "its follow-up reports")
    return locking.lock(session, report), engagement  # saves and submissions queue on the row


def _draft(session: Session, actor: Actor | None, report_id: int) -> tuple[FollowUpReport, Engagement]:
    report, engagement = _own_report(session, actor, report_id)
    if report.submitted_at is not None:
        raise Conflict(f"version {report.version} of this report is submitted and locked; "
                       "revise it to correct it")
    if report.superseded:
        raise Conflict("a later version of this report exists")
    return report, engagement


def _check_url(link: str) -> bool:
    parsed = urlparse(link)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def _clean_recommendations(problems: Problems, items: list[dict[str, Any]],
                           linked: list[int]) -> list[dict[str, Any]]:
    seen: set[int] = set()
    cleaned = []
    for i, item in enumerate(items):
        where = f"recommendations[{i}]"
        rid = item.get("recommendation_id")
        if rid not in linked:
            problems.add(f"{where}.recommendationId", "linked",
                         f"{where}.recommendationId: not a recommendation of this request")
        elif rid in seen:
            problems.add(f"{where}.recommendationId", "unique",
                         f"{where}.recommendationId: this recommendation is listed twice")
        seen.add(rid)  # type: ignore[arg-type]
        evidence = (item.get("evidence") or "").strip()
        if len(evidence) > MAX_TEXT:
            problems.add(f"{where}.evidence", "max_length",
                         f"{where}.evidence: at most {MAX_TEXT} characters")
        links = [str(link).strip() for link in item.get("links") or []]
        for j, link in enumerate(links):
            if not _check_url(link) or len(link) > 2000:
                problems.add(f"{where}.links", "url",
                             f"{where}.links[{j}]: not an http(s) address")
        cleaned.append({"recommendation_id": rid,
                        "status": ImplementationStatus(item["status"]).value,
                        "evidence": evidence, "links": links})
    return cleaned


def _clean_indicators(problems: Problems, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cleaned = []
    for i, item in enumerate(items):
        where = f"indicators[{i}]"
        row: dict[str, Any] = {"type": IndicatorType(item["type"]).value}
        for key in ("name", "unit", "baseline", "target", "current"):
            value = (item.get(key) or "").strip()
            if len(value) > MAX_SHORT:
                problems.add(f"{where}.{key}", "max_length",
                             f"{where}.{key}: at most {MAX_SHORT} characters")
            row[key] = value
        if not row["name"]:
            problems.add(f"{where}.name", "required", f"{where}.name: name the indicator")
        cleaned.append(row)
    return cleaned


def _linked(session: Session, engagement: Engagement) -> list[int]:
    return requests.recommendation_ids_by_request(
        session, [engagement.request_id])[engagement.request_id]


def save_report(session: Session, *, actor: Actor | None, report_id: int, changes: ReportChanges,
                expected_row_version: int | None = None) -> FollowUpReport:
    """Save the draft; the State may come back to it until it submits."""
    report, engagement = _draft(session, actor, report_id)
    if expected_row_version is not None and expected_row_version != report.row_version:
        raise StaleVersion(f"the report changed since you read it (rowVersion {expected_row_version}, "
                       f"now {report.row_version}); reload it and apply your change again")
    problems = Problems()
    if changes.recommendations is not None:
        report.recommendations = _clean_recommendations(problems, changes.recommendations,
                                                        _linked(session, engagement))
    if changes.indicators is not None:
        report.indicators = _clean_indicators(problems, changes.indicators)
    for name, field in (("narrative", "narrative"), ("further_needs", "furtherNeeds")):
        value = getattr(changes, name)
        if value is None:
            continue
        if len(value) > MAX_TEXT:
            problems.add(field, "max_length", f"{field}: at most {MAX_TEXT} characters")
        setattr(report, name, value.strip())
    if changes.language is not None:
        report.language = check_text_language(problems, "language", changes.language)
    problems.raise_if_any()
    report.row_version += 1
    report.updated_at = utcnow()
    session.add(report)
    session.flush()
    return report


def _check_complete(session: Session, report: FollowUpReport, engagement: Engagement) -> None:
    problems = Problems()
    reported = {r["recommendation_id"] for r in report.recommendations}
    missing = [rid for rid in _linked(session, engagement) if rid not in reported]
    if missing:
        problems.add("recommendations", "complete",
                     f"recommendations: give a status for every linked recommendation "
                     f"({len(missing)} missing)")
    if not report.indicators:
        problems.add("indicators", "required", "indicators: report at least one indicator")
    for i, indicator in enumerate(report.indicators):
        if not indicator["current"]:
            problems.add(f"indicators[{i}].current", "required",
                         f"indicators[{i}].current: give the current value")
    if not report.narrative:
        problems.add("narrative", "required", "narrative: describe what was done")
    problems.raise_if_any()


def submit_report(session: Session, *, actor: Actor | None, report_id: int) -> FollowUpReport:
    """Lock this version; the first submission decides whether the report came on time."""
    report, engagement = _draft(session, actor, report_id)
    _check_complete(session, report, engagement)
    now = utcnow()
    report.submitted_at = now
    report.submitted_by_id = actor.account_id  # type: ignore[union-attr]
    if report.first_submitted_at is None:
        report.first_submitted_at = now
        report.on_time = today() <= report.due_date
    report.row_version += 1
    report.updated_at = now
    session.add(report)
    session.flush()
    audit.record(session, actor_account_id=actor.account_id, action="follow_up.submitted",  # type: ignore[union-attr]
                 subject_type="follow_up_report", subject_id=report.id,
                 payload={"engagement": engagement.id, "kind": str(report.kind),
                          "version": report.version, "on_time": report.on_time})
    return report


def revise_report(session: Session, *, actor: Actor | None, report_id: int) -> FollowUpReport:
    """Open version n+1 as a draft, pre-filled from version n, which stays readable."""
    report, engagement = _own_report(session, actor, report_id)
    if report.superseded:
        raise Conflict("a later version of this report exists; revise that one")
    if report.submitted_at is None:
        raise Conflict("this version is still a draft: save it instead")
    report.superseded = True
    session.add(report)
    revision = FollowUpReport(
        engagement_id=report.engagement_id, kind=report.kind, due_date=report.due_date,
        version=report.version + 1, recommendations=[dict(r) for r in report.recommendations],
        indicators=[dict(i) for i in report.indicators], narrative=report.narrative,
        further_needs=report.further_needs, language=report.language, on_time=report.on_time,
        first_submitted_at=report.first_submitted_at,
    )
    session.add(revision)
    session.flush()
    audit.record(session, actor_account_id=actor.account_id, action="follow_up.revised",  # type: ignore[union-attr]
                 subject_type="follow_up_report", subject_id=revision.id,
                 payload={"engagement": engagement.id, "previous": report.id,
                          "version": revision.version})
    return revision


def previous_version(session: Session, report: FollowUpReport) -> FollowUpReport | None:
    return session.exec(select(FollowUpReport).where(
        FollowUpReport.engagement_id == report.engagement_id, FollowUpReport.kind == report.kind,
        FollowUpReport.version == report.version - 1)).first()


def request_from_further_needs(session: Session, *, actor: Actor | None, report_id: int,
                               idempotency_key: str | None = None,
                               ) -> tuple[CapacityRequest, Engagement]:
    """A new draft request stating the report's further needs, linked to the engagement."""
    report, engagement = _own_report(session, actor, report_id)
    request = idempotency.create_once(
        session, account_id=actor.account_id, operation="requestFromFurtherNeeds",  # type: ignore[union-attr]
        key=idempotency_key, payload={"report": report_id}, what="a request from further needs",
        model=CapacityRequest, create=lambda: _file_further_needs(session, actor, report, engagement))
    return request, engagement


def _file_further_needs(session: Session, actor: Actor | None, report: FollowUpReport,
                        engagement: Engagement) -> CapacityRequest:
    if not report.further_needs:
        raise ValidationFailed.single("furtherNeeds", "required",
                                      "furtherNeeds: the report states no further needs")
    earlier = session.get(CapacityRequest, engagement.request_id)
    assert earlier is not None
    fields = requests.current_fields(session, earlier)
    # The earlier window has passed: keep its length, starting a month from now.
    start = today() + timedelta(days=30)
    fields.window_end = start + (earlier.window_end - earlier.window_start)
    fields.window_start = start
    fields.title = f"Follow-up: {earlier.title}"[:200]
    fields.need = report.further_needs
    request = requests.create_request(session, actor=actor, fields=fields)
    request.follows_engagement_id = engagement.id
    session.add(request)
    session.flush()
    audit.record(session, actor_account_id=actor.account_id,  # type: ignore[union-attr]
                 action="follow_up.request_filed", subject_type="capacity_request",
                 subject_id=request.id, payload={"report": report.id,
                                                 "engagement": engagement.id})
    return request

