"""the programmes directory: programme, programme_theme, programme_application

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "programme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("agency", sa.String(length=200), nullable=False),
        sa.Column("agency_kind", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("eligible_groups", sa.JSON(), nullable=True),
        sa.Column("eligible_states", sa.JSON(), nullable=True),
        sa.Column("support_kinds", sa.JSON(), nullable=False),
        sa.Column("how_to_apply", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        _at("created_at"),
        _at("updated_at"),
        sa.ForeignKeyConstraint(["partner_id"], ["partner.id"],
                                name=op.f("fk_programme_partner_id_partner")),
        sa.ForeignKeyConstraint(["created_by_id"], ["account.id"],
                                name=op.f("fk_programme_created_by_id_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme")),
    )
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programme_agency_kind"), ["agency_kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_programme_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "programme_theme",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"],
                                name=op.f("fk_programme_theme_programme_id_programme")),
        sa.ForeignKeyConstraint(["theme_id"], ["theme.id"],
                                name=op.f("fk_programme_theme_theme_id_theme")),
        sa.PrimaryKeyConstraint("programme_id", "theme_id", name=op.f("pk_programme_theme")),
    )
    with op.batch_alter_table("programme_theme", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programme_theme_theme_id"), ["theme_id"], unique=False)

    op.create_table(
        "programme_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        _at("recorded_at"),
        sa.ForeignKeyConstraint(["request_id"], ["capacity_request.id"],
                                name=op.f("fk_programme_application_request_id_capacity_request")),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"],
                                name=op.f("fk_programme_application_programme_id_programme")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["account.id"],
                                name=op.f("fk_programme_application_recorded_by_id_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_application")),
        sa.UniqueConstraint("request_id", "programme_id",
                            name=op.f("uq_programme_application_request_id_programme_id")),
    )
    with op.batch_alter_table("programme_application", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programme_application_request_id"), ["request_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_programme_application_programme_id"),
                              ["programme_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("programme_application", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programme_application_programme_id"))
        batch_op.drop_index(batch_op.f("ix_programme_application_request_id"))
    op.drop_table("programme_application")
    with op.batch_alter_table("programme_theme", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programme_theme_theme_id"))
    op.drop_table("programme_theme")
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programme_partner_id"))
        batch_op.drop_index(batch_op.f("ix_programme_agency_kind"))
    op.drop_table("programme")
