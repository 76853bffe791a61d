"""the language each author wrote in: `language` on capacity_request, offer, follow_up_report

Rows written before it are taken as English, the language the pages offered then. Plain
ALTER TABLE both ways (as 0027's referral_id): on SQLite a batch rebuild of capacity_request
would cascade into request_recommendation and request_theme.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("capacity_request", "offer", "follow_up_report")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("language", sa.String(length=8), nullable=False,
                                       server_default="en"))


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "language")
