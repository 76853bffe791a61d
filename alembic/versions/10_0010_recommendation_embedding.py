"""recommendation embeddings for semantic search

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0010"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recommendation_embedding",
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=40), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("embedded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_recommendation_embedding_recommendation_id_recommendation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("recommendation_id", name=op.f("pk_recommendation_embedding")),
    )
    with op.batch_alter_table("recommendation_embedding", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recommendation_embedding_embedded_at"), ["embedded_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_recommendation_embedding_text_sha256"), ["text_sha256"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("recommendation_embedding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendation_embedding_text_sha256"))
        batch_op.drop_index(batch_op.f("ix_recommendation_embedding_embedded_at"))

    op.drop_table("recommendation_embedding")
