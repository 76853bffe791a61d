"""application procedures: the documents a request carries and the procedure it was filed under

The procedure itself is a section of the criteria body (JSON), so it needs no table. Both
columns are added with plain ALTER TABLE, as referral_id in 0027: on SQLite a batch rebuild of
capacity_request would cascade into request_recommendation and request_theme.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("capacity_request", sa.Column("documents", sa.JSON(), nullable=False,
                                                server_default=sa.text("'[]'")))
    op.add_column("capacity_request", sa.Column("procedure_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    # SQLite (3.35+) drops a column in place; a batch rebuild would cascade, as above.
    op.drop_column("capacity_request", "procedure_version")
    op.drop_column("capacity_request", "documents")
