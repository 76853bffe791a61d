"""decline notices: a notification may be about an engagement instead of a report

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("engagement_id", sa.Integer(), nullable=True))
        batch_op.alter_column("report_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(batch_op.f("ix_notification_engagement_id"), ["engagement_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_notification_engagement_id_engagement"), "engagement", ["engagement_id"], ["id"]
        )


def downgrade() -> None:
    # The earlier schema has no place for a notice without a report: decline notices go.
    op.execute("DELETE FROM notification WHERE report_id IS NULL")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_notification_engagement_id_engagement"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_notification_engagement_id"))
        batch_op.alter_column("report_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("engagement_id")
