"""the ready roster, urgent requests and duty of care

expert.notice_hours and the expert_check table (the ready roster); the urgent track's
columns of capacity_request (added with plain ALTER TABLE, no foreign key, as in 0027);
the engagement_care_item table (the duty-of-care checklist); notification gains the check
and the request a notice is about (rebuilt on SQLite as in
0027: no table references it).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("expert", sa.Column("notice_hours", sa.Integer(), nullable=True))
    op.create_table(
        "expert_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("verified_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["expert_id"], ["expert.id"], ondelete="CASCADE",
                                name=op.f("fk_expert_check_expert_id_expert")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["account.id"],
                                name=op.f("fk_expert_check_recorded_by_id_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_check")),
        sa.UniqueConstraint("expert_id", "kind", name=op.f("uq_expert_check_expert_id_kind")),
    )
    # Plain ALTER TABLE, no foreign key on urgent_by_id: see 0027 on rebuilding capacity_request.
    op.add_column("capacity_request", sa.Column("urgent", sa.Boolean(), nullable=False,
                                                server_default=sa.false()))
    op.add_column("capacity_request", sa.Column("urgent_reason", sa.Text(), nullable=True))
    op.add_column("capacity_request", sa.Column("latest_start", sa.Date(), nullable=True))
    op.add_column("capacity_request", sa.Column("urgent_by_id", sa.Integer(), nullable=True))
    op.add_column("capacity_request", sa.Column("urgent_at", sa.DateTime(timezone=True),
                                                nullable=True))
    op.add_column("capacity_request", sa.Column("decide_by", sa.DateTime(timezone=True),
                                                nullable=True))
    op.create_table(
        "engagement_care_item",
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=24), nullable=False),
        sa.Column("done_by_id", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["engagement_id"], ["engagement.id"], ondelete="CASCADE",
                                name=op.f("fk_engagement_care_item_engagement_id_engagement")),
        sa.ForeignKeyConstraint(["done_by_id"], ["account.id"],
                                name=op.f("fk_engagement_care_item_done_by_id_account")),
        sa.PrimaryKeyConstraint("engagement_id", "item", name=op.f("pk_engagement_care_item")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expert_check_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("request_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_notification_expert_check_id"), ["expert_check_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_notification_request_id"), ["request_id"],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_notification_expert_check_id_expert_check"),
                                    "expert_check", ["expert_check_id"], ["id"])
        batch_op.create_foreign_key(batch_op.f("fk_notification_request_id_capacity_request"),
                                    "capacity_request", ["request_id"], ["id"])


def downgrade() -> None:
    # The earlier schema has no place for these notices: they go with what they are about.
    op.execute("DELETE FROM notification WHERE expert_check_id IS NOT NULL OR request_id IS NOT NULL")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_notification_request_id_capacity_request"),
                                 type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_notification_expert_check_id_expert_check"),
                                 type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_notification_request_id"))
        batch_op.drop_index(batch_op.f("ix_notification_expert_check_id"))
        batch_op.drop_column("request_id")
        batch_op.drop_column("expert_check_id")
    op.drop_table("engagement_care_item")
    for column in ("decide_by", "urgent_at", "urgent_by_id", "latest_start", "urgent_reason",
                   "urgent"):
        op.drop_column("capacity_request", column)
    op.drop_table("expert_check")
    op.drop_column("expert", "notice_hours")
