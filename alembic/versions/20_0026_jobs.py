"""the work queue of `facility worker`: the job table

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("run_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=200), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
        sa.UniqueConstraint("key", name=op.f("uq_job_key")),
    )
    op.create_index(op.f("ix_job_status"), "job", ["status"], unique=False)
    # Runs queued before the worker existed had their own process as owner and no job: give
    # each one its job, so that the first worker takes it.
    connection = op.get_bind()
    queued = connection.execute(sa.text(
        "SELECT id FROM optimiser_run WHERE status = 'QUEUED' ORDER BY id")).scalars().all()
    job = sa.table("job", sa.column("kind", sa.String), sa.column("payload", sa.JSON),
                   sa.column("status", sa.String), sa.column("run_after", sa.DateTime(timezone=True)),
                   sa.column("attempts", sa.Integer), sa.column("created_at", sa.DateTime(timezone=True)))
    now = datetime.now(UTC)
    if queued:
        op.bulk_insert(job, [{"kind": "optimiser_run", "payload": {"run_id": run_id},
                              "status": "QUEUED", "run_after": now, "attempts": 0,
                              "created_at": now} for run_id in queued])
    connection.execute(sa.text("UPDATE optimiser_run SET claimed_by = NULL WHERE status = 'QUEUED'"))


def downgrade() -> None:
    op.drop_index(op.f("ix_job_status"), table_name="job")
    op.drop_table("job")
