"""Tables of reference data and recommendations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, String, Text
from sqlmodel import Field, SQLModel

from facility.timeutil import utcnow

GROUP_CODES = ("AFRICAN", "APG", "EEG", "GRULAC", "WEOG")


class RecommendationResponse(StrEnum):
    SUPPORTED = "SUPPORTED"
    NOTED = "NOTED"


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
    """One recommendation received by one State, as published by UPR Info or OHCHR's UHRI."""

    __tablename__ = "recommendation"

    id: int | None = Field(default=None, primary_key=True)
    source_id: str = Field(max_length=64, unique=True)
    source: str = Field(max_length=16, description="upr-info or uhri")
    state_code: str = Field(foreign_key="state.code", max_length=3, index=True)
    recommending_state_code: str | None = Field(
        default=None, foreign_key="state.code", max_length=3
    )
    recommended_by: str = Field(default="", max_length=400, description="as written in the source")
    mechanism: str = Field(default="UPR", max_length=40)
    cycle: int | None = None
    session: int | None = None
    year: int | None = None
    text: str = Field(sa_column=Column(Text, nullable=False))
    response: RecommendationResponse = Field(sa_type=String(12), index=True)
    action_category: int | None = None
    source_themes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    document: str | None = Field(default=None, max_length=200)
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
