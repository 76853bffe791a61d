"""success stories: a submitted follow-up report proposed for publication, with the State's consent

Revision ID: 0006
Revises: 0012
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0006"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "success_story",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("state_code", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdraw_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"], ["follow_up_report.id"], name=op.f("fk_success_story_report_id_follow_up_report")
        ),
        sa.ForeignKeyConstraint(
            ["state_code"], ["state.code"], name=op.f("fk_success_story_state_code_state")
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"], ["account.id"], name=op.f("fk_success_story_proposed_by_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["account.id"], name=op.f("fk_success_story_answered_by_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["account.id"], name=op.f("fk_success_story_published_by_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"], ["account.id"], name=op.f("fk_success_story_withdrawn_by_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_success_story")),
    )
    with op.batch_alter_table("success_story", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_success_story_report_id"), ["report_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_success_story_state_code"), ["state_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_success_story_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("success_story", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_success_story_status"))
        batch_op.drop_index(batch_op.f("ix_success_story_state_code"))
        batch_op.drop_index(batch_op.f("ix_success_story_report_id"))

    op.drop_table("success_story")
