"""expert consent: withdrawal and erasure times; consent scopes as scope names; engagement version

The columns are added and dropped with plain ALTER TABLE (no batch rebuild: on SQLite a
rebuild drops the old table with foreign keys on, which would cascade into expert_theme and
expert_availability). Consent recorded before this revision, as 'roster-and-matching', becomes
'MATCHING,ROSTER' (the same two scopes, spelt as experts.consent stores them).

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("expert", sa.Column("consent_withdrawn_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("expert", sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE expert SET consent_scope = 'MATCHING,ROSTER' WHERE consent_scope = 'roster-and-matching'"
    )
    # Optimistic locking of amendments; engagements stored before start at 1.
    op.add_column("engagement", sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    # The earlier schema knows only "consented to roster and matching" (consent_at set) or
    # not: a person who withdrew, or agreed to the roster only, must not become matchable.
    op.execute(
        "UPDATE expert SET consent_at = NULL WHERE consent_withdrawn_at IS NOT NULL "
        "OR consent_scope IS NULL OR consent_scope NOT LIKE '%MATCHING%'"
    )
    op.execute(
        "UPDATE expert SET consent_scope = 'roster-and-matching' WHERE consent_scope = 'MATCHING,ROSTER'"
    )
    op.drop_column("engagement", "version")
    op.drop_column("expert", "erased_at")
    op.drop_column("expert", "consent_withdrawn_at")
