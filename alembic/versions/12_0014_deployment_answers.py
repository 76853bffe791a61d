"""deployment answers: an expert accepts or declines a deployment

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deployment_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_deployment_answer_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagement.id"], name=op.f("fk_deployment_answer_engagement_id_engagement")
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["expert.id"], name=op.f("fk_deployment_answer_expert_id_expert")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployment_answer")),
        sa.UniqueConstraint(
            "engagement_id", "expert_id", name=op.f("uq_deployment_answer_engagement_id_expert_id")
        ),
    )
    with op.batch_alter_table("deployment_answer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deployment_answer_engagement_id"), ["engagement_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("deployment_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deployment_answer_engagement_id"))

    op.drop_table("deployment_answer")
