"""Tables of reference data and recommendations."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, String, Text
from sqlmodel import Field, SQLModel

from facility.timeutil import utcnow

GROUP_CODES = ("AFRICAN", "APG", "EEG", "GRULAC", "WEOG")


class RecommendationResponse(StrEnum):
    """The State's position on a UPR recommendation (other mechanisms ask for none)."""

    SUPPORTED = "SUPPORTED"
    NOTED = "NOTED"


class MechanismType(StrEnum):
    """The three kinds of UN human-rights mechanism whose recommendations OHCHR indexes."""

    UPR = "UPR"
    TREATY_BODY = "TREATY_BODY"
    SPECIAL_PROCEDURE = "SPECIAL_PROCEDURE"


def counts_as_supported(response: str | None, *, without_position: bool) -> bool:
    """Whether a recommendation counts as supported by its State, for the rules that ask.

    A UPR recommendation counts when the State supported it. Treaty-body and
    special-procedure recommendations carry no position (States neither support nor note
    them): they count as `without_position` says, the criteria's
    `eligibility.without_position_supported` (true by default, docs/governance.md).
    """
    if response is None:
        return without_position
    return response == RecommendationResponse.SUPPORTED


class RegionalGroup(SQLModel, table=True):
    __tablename__ = "regional_group"

    code: str = Field(primary_key=True, max_length=8)
    name: str = Field(max_length=80)
    names: dict = Field(default_factory=dict, sa_type=JSON,
                        description="name per UN language (facility.reference.names)")


class State(SQLModel, table=True):
    __tablename__ = "state"

    code: str = Field(primary_key=True, max_length=3, description="ISO 3166 alpha-3")
    iso2: str = Field(max_length=2)
    m49: str = Field(max_length=3)
    name: str = Field(max_length=120, description="the UN's short name in English (UNTERM)")
    official_name: str = Field(max_length=200)
    names: dict = Field(default_factory=dict, sa_type=JSON,
                        description="UNTERM short name per UN language, article dropped")
    formal_names: dict = Field(default_factory=dict, sa_type=JSON,
                               description="UNTERM formal name per UN language")
    regional_group_code: str | None = Field(
        default=None, foreign_key="regional_group.code", max_length=8, index=True
    )
    is_observer: bool = False


class StateAlias(SQLModel, table=True):
    """A spelling of a State's name found in recommendation exports ("DPR Korea")."""

    __tablename__ = "state_alias"

    name: str = Field(primary_key=True, max_length=120)
    state_code: str = Field(foreign_key="state.code", max_length=3)


class Theme(SQLModel, table=True):
    """An issue of UPR Info's taxonomy; requests, offers and experts use the same themes."""

    __tablename__ = "theme"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, unique=True)
    names: dict = Field(default_factory=dict, sa_type=JSON,
                        description="name per UN language (the project's own translations)")


class ThemeAlias(SQLModel, table=True):
    """A theme name of another taxonomy (UHRI) and the UPR Info theme it corresponds to."""

    __tablename__ = "theme_alias"

    name: str = Field(primary_key=True, max_length=200)
    theme_id: int = Field(foreign_key="theme.id")


class SdgGoal(SQLModel, table=True):
    __tablename__ = "sdg_goal"

    number: int = Field(primary_key=True)
    titles: dict = Field(sa_type=JSON, description="title per language code")
    short_titles: dict = Field(sa_type=JSON)


class SdgTarget(SQLModel, table=True):
    __tablename__ = "sdg_target"

    code: str = Field(primary_key=True, max_length=8)
    goal_number: int = Field(foreign_key="sdg_goal.number", index=True)
    titles: dict = Field(sa_type=JSON)


class Recommendation(SQLModel, table=True):
    """One recommendation received by one State, as published by UPR Info or OHCHR's UHRI.

    `mechanism` is a MechanismType; `body` the mechanism's short code ("UPR", "CESCR",
    "SR Torture"; uhri_bodies.csv maps the long forms); `document` the UN document symbol;
    `response` the UPR position, None for the other mechanisms.
    """

    __tablename__ = "recommendation"

    id: int | None = Field(default=None, primary_key=True)
    source_id: str = Field(max_length=64, unique=True)
    source: str = Field(max_length=16, description="upr-info or uhri")
    state_code: str = Field(foreign_key="state.code", max_length=3, index=True)
    recommending_state_code: str | None = Field(
        default=None, foreign_key="state.code", max_length=3
    )
    recommended_by: str = Field(
        default="", sa_column=Column(Text, nullable=False, default=""),
        description="the recommending State(s), as written in the source ('; ' between them)")
    recommending_states: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, default=list),
        description="ISO3 codes of the recommending States (UPR)")
    mechanism: str = Field(default=MechanismType.UPR, max_length=40, index=True)
    body: str = Field(default="UPR", max_length=60, index=True)
    annotation_type: str = Field(default="Recommendations", max_length=40)
    publication_date: date | None = None
    cycle: int | None = None
    session: int | None = None
    year: int | None = None
    text: str = Field(sa_column=Column(Text, nullable=False))
    response: RecommendationResponse | None = Field(default=None, sa_type=String(12), index=True)
    action_category: int | None = None
    source_themes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    document: str | None = Field(default=None, max_length=200, index=True)
    affected_persons: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    imported_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class RecommendationTheme(SQLModel, table=True):
    __tablename__ = "recommendation_theme"

    recommendation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True
        )
    )
    theme_id: int = Field(foreign_key="theme.id", primary_key=True, index=True)


class RecommendationSdg(SQLModel, table=True):
    __tablename__ = "recommendation_sdg"

    recommendation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True
        )
    )
    goal_number: int = Field(foreign_key="sdg_goal.number", primary_key=True)


class RecommendationSdgTarget(SQLModel, table=True):
    """An SDG target a recommendation serves (UHRI annotates targets; their goals are linked too)."""

    __tablename__ = "recommendation_sdg_target"

    recommendation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True
        )
    )
    target_code: str = Field(foreign_key="sdg_target.code", primary_key=True, max_length=8,
                             index=True)
