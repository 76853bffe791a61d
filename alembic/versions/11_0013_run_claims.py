"""optimiser runs: which server process executes each run, and its heartbeat

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0013"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs, nullable: runs from before have no owner and no heartbeat, so a
    # starting server treats any of them still queued or running as interrupted (as before).
    op.add_column("optimiser_run", sa.Column("claimed_by", sa.String(length=255), nullable=True))
    op.add_column("optimiser_run", sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("optimiser_run", "heartbeat_at")
    op.drop_column("optimiser_run", "claimed_by")
