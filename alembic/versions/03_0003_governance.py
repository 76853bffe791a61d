"""governance: committee, criteria, screening, runs, proposals, votes, engagements, audit log

The audit log is append-only: the database itself refuses UPDATE and DELETE on it (and
TRUNCATE on PostgreSQL; on SQLite also INSERT OR REPLACE, which deletes without DELETE triggers). Its head row starts the hash chain at the genesis hash.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS_HASH = "0" * 64  # the hash before the first entry (governance.audit.GENESIS_HASH)


def upgrade() -> None:
    op.create_table('audit_entry',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_account_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('subject_type', sa.String(length=30), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_entry')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_entry_hash'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_action'), ['action'], unique=False)

    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    op.create_table('motion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('criteria_version', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome_note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_motion'))
    )
    with op.batch_alter_table('motion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_motion_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_motion_subject_id'), ['subject_id'], unique=False)

    op.create_table('committee_seat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_code', sa.String(length=8), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('state_code', sa.String(length=3), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_committee_seat_account_id_account')),
    sa.ForeignKeyConstraint(['group_code'], ['regional_group.code'], name=op.f('fk_committee_seat_group_code_regional_group')),
    sa.ForeignKeyConstraint(['state_code'], ['state.code'], name=op.f('fk_committee_seat_state_code_state')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_seat'))
    )
    with op.batch_alter_table('committee_seat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_seat_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_committee_seat_group_code'), ['group_code'], unique=False)

    op.create_table('criteria_set',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('adopted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['account.id'], name=op.f('fk_criteria_set_created_by_id_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_criteria_set')),
    sa.UniqueConstraint('version', name=op.f('uq_criteria_set_version'))
    )
    with op.batch_alter_table('criteria_set', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_criteria_set_status'), ['status'], unique=False)

    op.create_table('optimiser_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('criteria_version', sa.Integer(), nullable=False),
    sa.Column('time_limit', sa.Float(), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_requested', sa.Boolean(), nullable=False),
    sa.Column('progress', sa.JSON(), nullable=False),
    sa.Column('solver_status', sa.String(length=12), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('bound', sa.Integer(), nullable=True),
    sa.Column('seconds', sa.Float(), nullable=True),
    sa.Column('fairness', sa.JSON(), nullable=False),
    sa.Column('unmatched', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['started_by_id'], ['account.id'], name=op.f('fk_optimiser_run_started_by_id_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_optimiser_run'))
    )
    with op.batch_alter_table('optimiser_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_optimiser_run_status'), ['status'], unique=False)

    op.create_table('match_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('expert_ids', sa.JSON(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('fit', sa.Integer(), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('state_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('partner_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('declined_by', sa.String(length=10), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_match_proposal_offer_id_offer')),
    sa.ForeignKeyConstraint(['request_id'], ['capacity_request.id'], name=op.f('fk_match_proposal_request_id_capacity_request')),
    sa.ForeignKeyConstraint(['run_id'], ['optimiser_run.id'], name=op.f('fk_match_proposal_run_id_optimiser_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_proposal'))
    )
    with op.batch_alter_table('match_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_proposal_offer_id'), ['offer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_match_proposal_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_match_proposal_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_match_proposal_status'), ['status'], unique=False)

    op.create_table('recusal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=False),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['motion_id'], ['motion.id'], name=op.f('fk_recusal_motion_id_motion')),
    sa.ForeignKeyConstraint(['seat_id'], ['committee_seat.id'], name=op.f('fk_recusal_seat_id_committee_seat')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recusal')),
    sa.UniqueConstraint('motion_id', 'seat_id', name=op.f('uq_recusal_motion_id_seat_id'))
    )
    with op.batch_alter_table('recusal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recusal_motion_id'), ['motion_id'], unique=False)

    op.create_table('screening',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('criteria_version', sa.Integer(), nullable=False),
    sa.Column('failed_clauses', sa.JSON(), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['motion_id'], ['motion.id'], name=op.f('fk_screening_motion_id_motion')),
    sa.ForeignKeyConstraint(['request_id'], ['capacity_request.id'], name=op.f('fk_screening_request_id_capacity_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening'))
    )
    with op.batch_alter_table('screening', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screening_request_id'), ['request_id'], unique=False)

    op.create_table('vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.String(length=8), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('cast_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_vote_account_id_account')),
    sa.ForeignKeyConstraint(['motion_id'], ['motion.id'], name=op.f('fk_vote_motion_id_motion')),
    sa.ForeignKeyConstraint(['seat_id'], ['committee_seat.id'], name=op.f('fk_vote_seat_id_committee_seat')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote'))
    )
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_motion_id'), ['motion_id'], unique=False)

    op.create_table('engagement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('expert_ids', sa.JSON(), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=False),
    sa.Column('budget', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_engagement_offer_id_offer')),
    sa.ForeignKeyConstraint(['proposal_id'], ['match_proposal.id'], name=op.f('fk_engagement_proposal_id_match_proposal')),
    sa.ForeignKeyConstraint(['request_id'], ['capacity_request.id'], name=op.f('fk_engagement_request_id_capacity_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engagement')),
    sa.UniqueConstraint('proposal_id', name=op.f('uq_engagement_proposal_id'))
    )
    with op.batch_alter_table('engagement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_engagement_offer_id'), ['offer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_engagement_request_id'), ['request_id'], unique=False)
    op.execute(f"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{GENESIS_HASH}')")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_entry_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_entry is append-only: % refused', TG_OP; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
            "FOR EACH ROW EXECUTE FUNCTION audit_entry_refuse_change()"
        )
        op.execute(
            "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_refuse_change()"
        )
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_entry_no_{operation.lower()} BEFORE {operation} ON audit_entry "
                f"BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: {operation} refused'); END"
            )
        # INSERT OR REPLACE deletes the row it replaces without firing DELETE triggers (unless
        # recursive_triggers is on), so refuse an insert that would collide with a stored entry.
        op.execute(
            "CREATE TRIGGER audit_entry_no_replace BEFORE INSERT ON audit_entry "
            "WHEN EXISTS (SELECT 1 FROM audit_entry WHERE seq = NEW.seq OR hash = NEW.hash) "
            "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: REPLACE refused'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry")
        op.execute("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry")
        op.execute("DROP FUNCTION IF EXISTS audit_entry_refuse_change()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_delete")
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_replace")
    with op.batch_alter_table('engagement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_engagement_request_id'))
        batch_op.drop_index(batch_op.f('ix_engagement_offer_id'))

    op.drop_table('engagement')
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vote_motion_id'))

    op.drop_table('vote')
    with op.batch_alter_table('screening', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screening_request_id'))

    op.drop_table('screening')
    with op.batch_alter_table('recusal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recusal_motion_id'))

    op.drop_table('recusal')
    with op.batch_alter_table('match_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_proposal_status'))
        batch_op.drop_index(batch_op.f('ix_match_proposal_run_id'))
        batch_op.drop_index(batch_op.f('ix_match_proposal_request_id'))
        batch_op.drop_index(batch_op.f('ix_match_proposal_offer_id'))

    op.drop_table('match_proposal')
    with op.batch_alter_table('optimiser_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_optimiser_run_status'))

    op.drop_table('optimiser_run')
    with op.batch_alter_table('criteria_set', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_criteria_set_status'))

    op.drop_table('criteria_set')
    with op.batch_alter_table('committee_seat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_committee_seat_group_code'))
        batch_op.drop_index(batch_op.f('ix_committee_seat_account_id'))

    op.drop_table('committee_seat')
    with op.batch_alter_table('motion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_motion_subject_id'))
        batch_op.drop_index(batch_op.f('ix_motion_kind'))

    op.drop_table('motion')
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_action'))

    op.drop_table('audit_entry')
