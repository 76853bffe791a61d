"""The stored sentence embedding of each recommendation's text."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, ForeignKey, Integer, LargeBinary
from sqlmodel import Field, SQLModel

from facility.timeutil import utcnow


class RecommendationEmbedding(SQLModel, table=True):
    """float32 little-endian vector of unit length; text_sha256 tells when the text changed."""

    __tablename__ = "recommendation_embedding"

    recommendation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True
        )
    )
    model: str = Field(max_length=40, description="the embedding model's name")
    text_sha256: str = Field(max_length=64, index=True)
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # Indexed: the search cache's signature reads max(embedded_at) on every query.
    embedded_at: datetime = Field(
        default_factory=utcnow,
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True),
    )
