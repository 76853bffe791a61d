"""default criteria title: the public title of criteria version 1 names no internal file

Revision ID: 0024
Revises: 0021
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = "Default criteria (domain.md and matching-model.md)"
NEW = "Default criteria"


def upgrade() -> None:
    op.execute(f"UPDATE criteria_set SET title = '{NEW}' WHERE version = 1 AND title = '{OLD}'")


def downgrade() -> None:
    op.execute(f"UPDATE criteria_set SET title = '{OLD}' WHERE version = 1 AND title = '{NEW}'")
