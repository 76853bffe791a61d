"""A resource of the good-practice library, and what it relates to."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, DateTime, String, Text
from sqlmodel import Field, SQLModel

from facility.timeutil import utcnow


def _at(nullable: bool = False) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


class ResourceKind(StrEnum):
    TRAINING_MATERIAL = "TRAINING_MATERIAL"
    CASE_STUDY = "CASE_STUDY"
    GUIDANCE = "GUIDANCE"
    LESSONS_LEARNED = "LESSONS_LEARNED"


class ResourceStatus(StrEnum):
    """DRAFT (the contributor's own) → SUBMITTED (to the secretariat) → PUBLISHED (public), or
    RETURNED to the contributor with a note, to change and submit again."""

    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    PUBLISHED = "PUBLISHED"
    RETURNED = "RETURNED"


class LinkKind(StrEnum):
    """What a resource relates to (`LibraryLink.target_id` is that object's id)."""

    THEME = "THEME"
    REQUEST = "REQUEST"
    ENGAGEMENT = "ENGAGEMENT"
    SUCCESS_STORY = "SUCCESS_STORY"


class LibraryResource(SQLModel, table=True):
    """Either an uploaded file (stored under `file_key` through facility.library.storage) or a
    link. The contributor's tenant — its State, its partner, or the expert's own account —
    owns a draft; `contributor_role` says which of the three columns names it."""

    __tablename__ = "library_resource"

    id: int | None = Field(default=None, primary_key=True)
    kind: ResourceKind = Field(sa_type=String(20), index=True)
    status: ResourceStatus = Field(default=ResourceStatus.DRAFT, sa_type=String(10), index=True)
    title: str = Field(max_length=200)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    language: str = Field(max_length=2, index=True, description="ISO 639-1 code")
    sdg_targets: list[str] = Field(default_factory=list, sa_type=JSON)
    licence: str = Field(max_length=100)
    author: str = Field(max_length=200)
    link: str | None = Field(default=None, max_length=500)
    # The stored file: a random key (never the uploader's file name), its checked type, size.
    file_key: str | None = Field(default=None, max_length=64, unique=True)
    file_type: str | None = Field(default=None, max_length=100)
    file_size: int | None = Field(default=None)
    # Lower-cased title, summary and theme names: what the library's search matches.
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    return_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    contributor_role: str = Field(max_length=16)
    contributed_by_id: int = Field(foreign_key="account.id", index=True)
    state_code: str | None = Field(default=None, foreign_key="state.code", max_length=3, index=True)
    partner_id: int | None = Field(default=None, foreign_key="partner.id", index=True)
    version: int = Field(default=1, description="one more for every change (optimistic locking)")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_at())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_at())
    submitted_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))
    published_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))
    published_by_id: int | None = Field(default=None, foreign_key="account.id")


class LibraryLink(SQLModel, table=True):
    """A resource relates to a theme, a request, an engagement or a success story."""

    __tablename__ = "library_link"

    resource_id: int = Field(foreign_key="library_resource.id", primary_key=True)
    kind: LinkKind = Field(sa_type=String(16), primary_key=True)
    target_id: int = Field(primary_key=True, index=True)
