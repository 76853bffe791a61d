"""referrals and the dialogue platform: referrals, progress updates, State page consent

capacity_request.referral_id is added and dropped with plain ALTER TABLE and carries no
foreign key (as follows_engagement_id): on SQLite a batch rebuild of capacity_request would
cascade into request_recommendation and request_theme. The notification table is referenced
by no other table, so it is rebuilt as in 0018.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "referral",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state_code", sa.String(length=3), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("document_symbol", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("recommendation_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("reason_public", sa.Boolean(), nullable=False),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        _at("recorded_at"),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        _at("answered_at", nullable=True),
        _at("updated_at"),
        sa.ForeignKeyConstraint(["state_code"], ["state.code"],
                                name=op.f("fk_referral_state_code_state")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["account.id"],
                                name=op.f("fk_referral_recorded_by_id_account")),
        sa.ForeignKeyConstraint(["answered_by_id"], ["account.id"],
                                name=op.f("fk_referral_answered_by_id_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral")),
    )
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_state_code"), ["state_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_referral_status"), ["status"], unique=False)

    op.create_table(
        "progress_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state_code", sa.String(length=3), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("implementation_status", sa.String(length=24), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("evidence_link", sa.String(length=500), nullable=True),
        sa.Column("barriers", sa.Text(), nullable=False),
        sa.Column("support_wanted", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        _at("created_at"),
        _at("updated_at"),
        _at("published_at", nullable=True),
        sa.ForeignKeyConstraint(["state_code"], ["state.code"],
                                name=op.f("fk_progress_update_state_code_state")),
        sa.ForeignKeyConstraint(["recommendation_id"], ["recommendation.id"],
                                name=op.f("fk_progress_update_recommendation_id_recommendation")),
        sa.ForeignKeyConstraint(["created_by_id"], ["account.id"],
                                name=op.f("fk_progress_update_created_by_id_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_update")),
    )
    with op.batch_alter_table("progress_update", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_progress_update_state_code"), ["state_code"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_progress_update_recommendation_id"),
                              ["recommendation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_progress_update_status"), ["status"], unique=False)

    op.create_table(
        "state_page_consent",
        sa.Column("state_code", sa.String(length=3), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=False),
        _at("changed_at"),
        sa.ForeignKeyConstraint(["state_code"], ["state.code"],
                                name=op.f("fk_state_page_consent_state_code_state")),
        sa.ForeignKeyConstraint(["changed_by_id"], ["account.id"],
                                name=op.f("fk_state_page_consent_changed_by_id_account")),
        sa.PrimaryKeyConstraint("state_code", name=op.f("pk_state_page_consent")),
    )

    op.add_column("capacity_request", sa.Column("referral_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_capacity_request_referral_id"), "capacity_request", ["referral_id"],
                    unique=False)

    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("referral_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_notification_referral_id"), ["referral_id"],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_notification_referral_id_referral"),
                                    "referral", ["referral_id"], ["id"])


def downgrade() -> None:
    # The earlier schema has no place for referral notices: they go with the referrals.
    op.execute("DELETE FROM notification WHERE referral_id IS NOT NULL")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_notification_referral_id_referral"),
                                 type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_notification_referral_id"))
        batch_op.drop_column("referral_id")

    op.drop_index(op.f("ix_capacity_request_referral_id"), table_name="capacity_request")
    op.drop_column("capacity_request", "referral_id")

    op.drop_table("state_page_consent")
    with op.batch_alter_table("progress_update", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_progress_update_status"))
        batch_op.drop_index(batch_op.f("ix_progress_update_recommendation_id"))
        batch_op.drop_index(batch_op.f("ix_progress_update_state_code"))
    op.drop_table("progress_update")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_status"))
        batch_op.drop_index(batch_op.f("ix_referral_state_code"))
    op.drop_table("referral")
