"""step notices: a notification may be about a proposal, a motion, a success story or a run

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0018"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUBJECTS = (("proposal_id", "match_proposal"), ("motion_id", "motion"),
            ("story_id", "success_story"), ("run_id", "optimiser_run"))


def upgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        # The new kinds' names (e.g. DEPLOYMENT_TO_ANSWER) are longer than 16 characters.
        batch_op.alter_column("kind", existing_type=sa.String(length=16),
                              type_=sa.String(length=24), existing_nullable=False)
        for column, table in SUBJECTS:
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_notification_{column}"), [column], unique=False)
            batch_op.create_foreign_key(batch_op.f(f"fk_notification_{column}_{table}"), table,
                                        [column], ["id"])


def downgrade() -> None:
    # The earlier schema has no place for these notices: they go (reminders and decline
    # notices stay).
    op.execute("DELETE FROM notification WHERE report_id IS NULL AND engagement_id IS NULL")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        for column, table in reversed(SUBJECTS):
            batch_op.drop_constraint(batch_op.f(f"fk_notification_{column}_{table}"),
                                     type_="foreignkey")
            batch_op.drop_index(batch_op.f(f"ix_notification_{column}"))
            batch_op.drop_column(column)
        batch_op.alter_column("kind", existing_type=sa.String(length=24),
                              type_=sa.String(length=16), existing_nullable=False)
