"""unmet demand: the analysis stored on each optimiser run

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0012"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (never a batch rebuild of a table others reference).
    op.add_column("optimiser_run", sa.Column("demand", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("optimiser_run", "demand")
