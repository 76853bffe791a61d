"""run carried: the agreed matches an optimiser run held capacity for, and what no longer holds

Revision ID: 0016
Revises: 0023
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0016"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Runs made before this column recorded nothing of what they carried: an empty list.
    # A plain ADD COLUMN (no table copy on SQLite, whose copy the runs' foreign keys refuse).
    op.add_column("optimiser_run", sa.Column("carried", sa.JSON(), nullable=False,
                                             server_default=sa.text("'[]'")))


def downgrade() -> None:
    op.drop_column("optimiser_run", "carried")
