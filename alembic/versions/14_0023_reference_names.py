"""reference names in the six UN languages: States (UNTERM), regional groups, themes

Revision ID: 0023
Revises: 0015
Create Date: 2026-12-04

The columns start empty; `facility db upgrade` fills them from the reference data right after
migrating (facility.reference.loader), as it does for every reference table.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0023"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = {"state": ("names", "formal_names"), "regional_group": ("names",), "theme": ("names",)}


# Plain ALTER TABLE (no batch rebuild, which on SQLite would drop and recreate these tables
# that other tables' foreign keys point at).
def upgrade() -> None:
    for table, columns in COLUMNS.items():
        for column in columns:
            op.add_column(table, sa.Column(column, sa.JSON(), nullable=False,
                                           server_default=sa.text("'{}'")))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN: SQLite 3.35 and later, and PostgreSQL.
    for table, columns in COLUMNS.items():
        for column in columns:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
