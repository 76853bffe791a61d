"""follow-up: engagement progress and amendments, follow-up reports, requests from further needs

capacity_request.follows_engagement_id is added and dropped with plain ALTER TABLE, never with
a batch rebuild: on SQLite a rebuild drops the old table with foreign keys on, which would
cascade into request_recommendation and request_theme.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('engagement_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_engagement_change_account_id_account')),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagement.id'], name=op.f('fk_engagement_change_engagement_id_engagement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engagement_change'))
    )
    with op.batch_alter_table('engagement_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_engagement_change_engagement_id'), ['engagement_id'], unique=False)

    op.create_table('follow_up_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('superseded', sa.Boolean(), nullable=False),
    sa.Column('recommendations', sa.JSON(), nullable=False),
    sa.Column('indicators', sa.JSON(), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('further_needs', sa.Text(), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.Column('on_time', sa.Boolean(), nullable=True),
    sa.Column('first_submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagement.id'], name=op.f('fk_follow_up_report_engagement_id_engagement')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['account.id'], name=op.f('fk_follow_up_report_submitted_by_id_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_report')),
    sa.UniqueConstraint('engagement_id', 'kind', 'version', name=op.f('uq_follow_up_report_engagement_id_kind_version'))
    )
    with op.batch_alter_table('follow_up_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_up_report_due_date'), ['due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_up_report_engagement_id'), ['engagement_id'], unique=False)

    op.add_column('capacity_request', sa.Column('follows_engagement_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_capacity_request_follows_engagement_id'), 'capacity_request', ['follows_engagement_id'], unique=False)



def downgrade() -> None:
    op.drop_index(op.f('ix_capacity_request_follows_engagement_id'), table_name='capacity_request')
    op.drop_column('capacity_request', 'follows_engagement_id')

    with op.batch_alter_table('follow_up_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_report_engagement_id'))
        batch_op.drop_index(batch_op.f('ix_follow_up_report_due_date'))

    op.drop_table('follow_up_report')
    with op.batch_alter_table('engagement_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_engagement_change_engagement_id'))

    op.drop_table('engagement_change')
