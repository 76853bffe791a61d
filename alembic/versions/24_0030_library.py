"""the good-practice library: library_resource and library_link

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "library_resource",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("sdg_targets", sa.JSON(), nullable=False),
        sa.Column("licence", sa.String(length=100), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("file_key", sa.String(length=64), nullable=True),
        sa.Column("file_type", sa.String(length=100), nullable=True),
        sa.Column("file_size", sa.Integer(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("return_note", sa.Text(), nullable=True),
        sa.Column("contributor_role", sa.String(length=16), nullable=False),
        sa.Column("contributed_by_id", sa.Integer(), nullable=False),
        sa.Column("state_code", sa.String(length=3), nullable=True),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _at("created_at"),
        _at("updated_at"),
        _at("submitted_at", nullable=True),
        _at("published_at", nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["contributed_by_id"], ["account.id"],
                                name=op.f("fk_library_resource_contributed_by_id_account")),
        sa.ForeignKeyConstraint(["published_by_id"], ["account.id"],
                                name=op.f("fk_library_resource_published_by_id_account")),
        sa.ForeignKeyConstraint(["state_code"], ["state.code"],
                                name=op.f("fk_library_resource_state_code_state")),
        sa.ForeignKeyConstraint(["partner_id"], ["partner.id"],
                                name=op.f("fk_library_resource_partner_id_partner")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_resource")),
        sa.UniqueConstraint("file_key", name=op.f("uq_library_resource_file_key")),
    )
    with op.batch_alter_table("library_resource", schema=None) as batch_op:
        for column in ("kind", "status", "language", "contributed_by_id", "state_code",
                       "partner_id"):
            batch_op.create_index(batch_op.f(f"ix_library_resource_{column}"), [column],
                                  unique=False)

    op.create_table(
        "library_link",
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["resource_id"], ["library_resource.id"],
                                name=op.f("fk_library_link_resource_id_library_resource")),
        sa.PrimaryKeyConstraint("resource_id", "kind", "target_id", name=op.f("pk_library_link")),
    )
    with op.batch_alter_table("library_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_library_link_target_id"), ["target_id"], unique=False)


def downgrade() -> None:
    # The stored files are not touched: a downgrade keeps them, to be found again on upgrade
    # only by a restored backup of these tables.
    with op.batch_alter_table("library_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_library_link_target_id"))
    op.drop_table("library_link")
    with op.batch_alter_table("library_resource", schema=None) as batch_op:
        for column in ("partner_id", "state_code", "contributed_by_id", "language", "status",
                       "kind"):
            batch_op.drop_index(batch_op.f(f"ix_library_resource_{column}"))
    op.drop_table("library_resource")
