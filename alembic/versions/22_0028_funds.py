"""the funds OHCHR administers: fund (a partner of kind OHCHR_FUND) and fund_contribution

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "fund",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("short_name", sa.String(length=40), nullable=False),
        sa.Column("mandate", sa.String(length=24), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        _at("created_at"),
        sa.ForeignKeyConstraint(["partner_id"], ["partner.id"],
                                name=op.f("fk_fund_partner_id_partner")),
        sa.PrimaryKeyConstraint("partner_id", name=op.f("pk_fund")),
        sa.UniqueConstraint("short_name", name=op.f("uq_fund_short_name")),
    )
    op.create_table(
        "fund_contribution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("donor_state_code", sa.String(length=3), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("pledged", sa.BigInteger(), nullable=False),
        sa.Column("paid", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        _at("updated_at"),
        sa.ForeignKeyConstraint(["fund_id"], ["fund.partner_id"],
                                name=op.f("fk_fund_contribution_fund_id_fund")),
        sa.ForeignKeyConstraint(["donor_state_code"], ["state.code"],
                                name=op.f("fk_fund_contribution_donor_state_code_state")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["account.id"],
                                name=op.f("fk_fund_contribution_recorded_by_id_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_contribution")),
        sa.UniqueConstraint("fund_id", "donor_state_code", "year", "currency",
                            name=op.f("uq_fund_contribution_fund_id_donor_state_code_year_currency")),
    )
    with op.batch_alter_table("fund_contribution", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fund_contribution_fund_id"), ["fund_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fund_contribution_donor_state_code"),
                              ["donor_state_code"], unique=False)


def downgrade() -> None:
    # The earlier schema knows no fund: its contributions go with it, and its partner stays a
    # partner, of the kind the earlier code knows for OHCHR.
    op.execute("UPDATE partner SET kind = 'OHCHR' WHERE kind = 'OHCHR_FUND'")
    with op.batch_alter_table("fund_contribution", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fund_contribution_donor_state_code"))
        batch_op.drop_index(batch_op.f("ix_fund_contribution_fund_id"))
    op.drop_table("fund_contribution")
    op.drop_table("fund")
