"""The demo's good-practice library and programmes directory.

Library: a partner's guidance and a State's lessons learned, both published after review; a
training material submitted and awaiting the secretariat's review; and the case study the
secretariat made of the demo's published success story. Programmes: a handful of fictitious
programmes of regional and multilateral agencies and bilateral donors, one of which a demo
State records it applied to for its request. Everything goes through the services a user would
call; every title says it is demo data and every link points to example.org, so nothing is
taken for a real publication or a real call for proposals.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select

from facility.auth.actor import Actor
from facility.library import service as library
from facility.programmes import service as programmes
from facility.programmes.models import Programme
from facility.reference.models import Theme
from facility.requests.models import CapacityRequest, RequestStatus, RequestTheme
from facility.stories.models import StoryStatus, SuccessStory
from facility.timeutil import today

LINK = "https://example.org/demo/library/"


def _themes_in_use(session: Session, limit: int) -> list[str]:
    """Themes the demo requests carry, so that the programmes fit some of them."""
    return list(session.exec(select(Theme.name).join(RequestTheme, RequestTheme.theme_id == Theme.id)  # type: ignore[arg-type]
                             .distinct().order_by(Theme.name).limit(limit)).all())


def seed_library(session: Session, *, secretariat: Actor, missions: dict[str, Actor],
                 partners: list[Actor]) -> list[str]:
    themes = _themes_in_use(session, 3)
    report = []
    published = 0
    contributions = [
        (partners[0], "GUIDANCE", "[Demo] Guide to costing a national human rights action plan",
         "Steps, templates and a worked example of costing an action plan (fictitious demo "
         "resource).", "en"),
        (partners[1], "TRAINING_MATERIAL", "[Demo] Training module on treaty body reporting",
         "Slides and exercises for a two-day workshop of a national reporting mechanism "
         "(fictitious demo resource).", "fr"),
    ]
    if missions:
        mission = missions[sorted(missions)[0]]
        contributions.append((mission, "LESSONS_LEARNED",
                              "[Demo] Lessons learned from a national mechanism for reporting",
                              "What worked and what did not in the first two years of a "
                              "national mechanism for reporting and follow-up (fictitious demo "
                              "resource).", "en"))
    for index, (actor, kind, title, summary, language) in enumerate(contributions):
        resource = library.submit_resource(session, actor=actor, fields=library.ResourceFields(
            kind=kind, title=title, summary=summary, language=language, licence="CC BY 4.0",
            author=f"{actor.name} (demo)", themes=themes[index % len(themes):][:1] if themes else [],
            sdg_targets=["16.10"], link=f"{LINK}{index + 1}"))
        if kind != "TRAINING_MATERIAL":  # one stays in the review queue
            library.publish_resource(session, actor=secretariat, resource_id=resource.id)  # type: ignore[arg-type]
            published += 1
    story = session.exec(select(SuccessStory).where(
        SuccessStory.status == StoryStatus.PUBLISHED).order_by(col(SuccessStory.id))).first()
    if story is not None:
        case = library.case_study_from_story(session, actor=secretariat, story_id=story.id,  # type: ignore[arg-type]
                                             author="OHCHR (demo)")
        library.publish_resource(session, actor=secretariat, resource_id=case.id)  # type: ignore[arg-type]
        published += 1
    report.append(f"library: {published} resources published, 1 awaiting review")
    return report


def seed_programmes(session: Session, *, secretariat: Actor, missions: dict[str, Actor],
                    partners: list[Actor]) -> list[str]:
    themes = _themes_in_use(session, 3)
    soon, later = today() + timedelta(days=90), today() + timedelta(days=240)
    first_state = sorted(missions)[0] if missions else None
    entries: list[tuple[Actor, str, str, str, dict[str, Any]]] = [
        (secretariat, "[Demo] Regional justice sector facility", "African Union Commission (demo)",
         "REGIONAL", {"eligible_groups": ["AFRICAN"], "themes": themes[:1], "deadline": later,
                      "support_kinds": ["TRAINING", "EXPERT_MISSION"]}),
        (secretariat, "[Demo] Multilateral partnership fund for human rights",
         "UNDP Rule of Law Programme (demo)", "MULTILATERAL",
         {"support_kinds": ["FUNDING", "INSTITUTION_BUILDING"]}),
        (secretariat, "[Demo] Rolling call for peer exchanges", "Council of Europe (demo)",
         "REGIONAL", {"eligible_groups": ["EEG", "WEOG"], "support_kinds": ["PEER_EXCHANGE"]}),
        (partners[0], "[Demo] Bilateral governance grants", partners[0].name, "BILATERAL",
         {"themes": themes[1:3], "deadline": soon, "support_kinds": ["FUNDING"],
          "eligible_states": [first_state] if first_state else None}),
        (partners[-1], "[Demo] South-South cooperation on legislative drafting",
         partners[-1].name, "BILATERAL", {"support_kinds": ["LEGISLATIVE_DRAFTING"]}),
    ]
    added: list[Programme] = []
    for actor, name, agency, kind, rules in entries:
        link = f"https://example.org/demo/programmes/{len(added) + 1}"
        added.append(programmes.add_programme(session, actor=actor, fields=programmes.ProgrammeFields(
            name=name, agency=agency, agency_kind=kind, link=link,
            how_to_apply="Send a short concept note to the programme's focal point (fictitious "
                         "demo programme).",
            description="A fictitious programme of the demo data set.", **rules)))
    report = [f"programmes directory: {len(added)} demo programmes"]
    request = session.exec(select(CapacityRequest).where(
        CapacityRequest.status != RequestStatus.DRAFT).order_by(col(CapacityRequest.id))).first()
    if request is not None and request.state_code in missions:
        fitting = programmes.suggested_for(session, actor=missions[request.state_code],
                                           request_id=request.id)  # type: ignore[arg-type]
        if fitting:
            programmes.record_application(session, actor=missions[request.state_code],
                                          request_id=request.id,  # type: ignore[arg-type]
                                          programme_id=fitting[0].programme.id)  # type: ignore[arg-type]
            report.append(f"{request.state_code} recorded that it applied to "
                          f"{fitting[0].programme.name}")
    return report
