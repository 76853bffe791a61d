"""foundation tables

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('regional_group',
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_regional_group'))
    )
    op.create_table('sdg_goal',
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('titles', sa.JSON(), nullable=False),
    sa.Column('short_titles', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('number', name=op.f('pk_sdg_goal'))
    )
    op.create_table('theme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_theme')),
    sa.UniqueConstraint('name', name=op.f('uq_theme_name'))
    )
    op.create_table('sdg_target',
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('goal_number', sa.Integer(), nullable=False),
    sa.Column('titles', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['goal_number'], ['sdg_goal.number'], name=op.f('fk_sdg_target_goal_number_sdg_goal')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_sdg_target'))
    )
    with op.batch_alter_table('sdg_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sdg_target_goal_number'), ['goal_number'], unique=False)

    op.create_table('state',
    sa.Column('code', sa.String(length=3), nullable=False),
    sa.Column('iso2', sa.String(length=2), nullable=False),
    sa.Column('m49', sa.String(length=3), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('official_name', sa.String(length=200), nullable=False),
    sa.Column('regional_group_code', sa.String(length=8), nullable=True),
    sa.Column('is_observer', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['regional_group_code'], ['regional_group.code'], name=op.f('fk_state_regional_group_code_regional_group')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_state'))
    )
    with op.batch_alter_table('state', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_state_regional_group_code'), ['regional_group_code'], unique=False)

    op.create_table('theme_alias',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_theme_alias_theme_id_theme')),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_theme_alias'))
    )
    op.create_table('partner',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('state_code', sa.String(length=3), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['state_code'], ['state.code'], name=op.f('fk_partner_state_code_state')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner')),
    sa.UniqueConstraint('name', name=op.f('uq_partner_name'))
    )
    op.create_table('recommendation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('state_code', sa.String(length=3), nullable=False),
    sa.Column('recommending_state_code', sa.String(length=3), nullable=True),
    sa.Column('recommended_by', sa.String(length=400), nullable=False),
    sa.Column('mechanism', sa.String(length=40), nullable=False),
    sa.Column('cycle', sa.Integer(), nullable=True),
    sa.Column('session', sa.Integer(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('response', sa.String(length=12), nullable=False),
    sa.Column('action_category', sa.Integer(), nullable=True),
    sa.Column('source_themes', sa.Text(), nullable=False),
    sa.Column('document', sa.String(length=200), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recommending_state_code'], ['state.code'], name=op.f('fk_recommendation_recommending_state_code_state')),
    sa.ForeignKeyConstraint(['state_code'], ['state.code'], name=op.f('fk_recommendation_state_code_state')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recommendation')),
    sa.UniqueConstraint('source_id', name=op.f('uq_recommendation_source_id'))
    )
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recommendation_response'), ['response'], unique=False)
        batch_op.create_index(batch_op.f('ix_recommendation_state_code'), ['state_code'], unique=False)

    op.create_table('state_alias',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('state_code', sa.String(length=3), nullable=False),
    sa.ForeignKeyConstraint(['state_code'], ['state.code'], name=op.f('fk_state_alias_state_code_state')),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_state_alias'))
    )
    op.create_table('account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('state_code', sa.String(length=3), nullable=True),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('regional_group_code', sa.String(length=8), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_account_partner_id_partner')),
    sa.ForeignKeyConstraint(['regional_group_code'], ['regional_group.code'], name=op.f('fk_account_regional_group_code_regional_group')),
    sa.ForeignKeyConstraint(['state_code'], ['state.code'], name=op.f('fk_account_state_code_state')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account')),
    sa.UniqueConstraint('email', name=op.f('uq_account_email'))
    )
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_partner_id'), ['partner_id'], unique=False)

    op.create_table('recommendation_sdg',
    sa.Column('recommendation_id', sa.Integer(), nullable=False),
    sa.Column('goal_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['goal_number'], ['sdg_goal.number'], name=op.f('fk_recommendation_sdg_goal_number_sdg_goal')),
    sa.ForeignKeyConstraint(['recommendation_id'], ['recommendation.id'], name=op.f('fk_recommendation_sdg_recommendation_id_recommendation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('recommendation_id', 'goal_number', name=op.f('pk_recommendation_sdg'))
    )
    op.create_table('recommendation_theme',
    sa.Column('recommendation_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['recommendation_id'], ['recommendation.id'], name=op.f('fk_recommendation_theme_recommendation_id_recommendation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_recommendation_theme_theme_id_theme')),
    sa.PrimaryKeyConstraint('recommendation_id', 'theme_id', name=op.f('pk_recommendation_theme'))
    )
    with op.batch_alter_table('recommendation_theme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recommendation_theme_theme_id'), ['theme_id'], unique=False)

    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_api_token_account_id_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_account_id'), ['account_id'], unique=False)

    op.create_table('capacity_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state_code', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('need', sa.Text(), nullable=False),
    sa.Column('barrier', sa.Text(), nullable=False),
    sa.Column('support_kinds', sa.JSON(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('window_start', sa.Date(), nullable=False),
    sa.Column('window_end', sa.Date(), nullable=False),
    sa.Column('weeks', sa.Integer(), nullable=False),
    sa.Column('experts_needed', sa.Integer(), nullable=False),
    sa.Column('budget', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('focal_point', sa.String(length=300), nullable=False),
    sa.Column('withdraw_reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['account.id'], name=op.f('fk_capacity_request_created_by_id_account')),
    sa.ForeignKeyConstraint(['state_code'], ['state.code'], name=op.f('fk_capacity_request_state_code_state')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_capacity_request'))
    )
    with op.batch_alter_table('capacity_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_capacity_request_state_code'), ['state_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_capacity_request_status'), ['status'], unique=False)

    op.create_table('expert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('cv', sa.Text(), nullable=False),
    sa.Column('nationality', sa.String(length=3), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('seniority', sa.String(length=12), nullable=False),
    sa.Column('max_assignments', sa.Integer(), nullable=False),
    sa.Column('conflict_states', sa.JSON(), nullable=False),
    sa.Column('conflict_partner_ids', sa.JSON(), nullable=False),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('consent_version', sa.String(length=20), nullable=True),
    sa.Column('consent_scope', sa.String(length=100), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_expert_account_id_account')),
    sa.ForeignKeyConstraint(['nationality'], ['state.code'], name=op.f('fk_expert_nationality_state')),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_expert_partner_id_partner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert')),
    sa.UniqueConstraint('account_id', name=op.f('uq_expert_account_id'))
    )
    with op.batch_alter_table('expert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_partner_id'), ['partner_id'], unique=False)

    op.create_table('idempotency_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('operation', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('payload_hash', sa.String(length=64), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_idempotency_record_account_id_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_record')),
    sa.UniqueConstraint('account_id', 'operation', 'key', name=op.f('uq_idempotency_record_account_id_operation_key'))
    )
    op.create_table('offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('eligible_groups', sa.JSON(), nullable=True),
    sa.Column('eligible_states', sa.JSON(), nullable=True),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('budget', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('max_requests', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.Date(), nullable=False),
    sa.Column('window_end', sa.Date(), nullable=False),
    sa.Column('conditions', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['account.id'], name=op.f('fk_offer_created_by_id_account')),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_offer_partner_id_partner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer'))
    )
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offer_status'), ['status'], unique=False)

    op.create_table('expert_availability',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=True),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['expert_id'], ['expert.id'], name=op.f('fk_expert_availability_expert_id_expert'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_availability'))
    )
    with op.batch_alter_table('expert_availability', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_availability_expert_id'), ['expert_id'], unique=False)

    op.create_table('expert_theme',
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['expert_id'], ['expert.id'], name=op.f('fk_expert_theme_expert_id_expert'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_expert_theme_theme_id_theme')),
    sa.PrimaryKeyConstraint('expert_id', 'theme_id', name=op.f('pk_expert_theme'))
    )
    with op.batch_alter_table('expert_theme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_theme_theme_id'), ['theme_id'], unique=False)

    op.create_table('offer_theme',
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_offer_theme_offer_id_offer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_offer_theme_theme_id_theme')),
    sa.PrimaryKeyConstraint('offer_id', 'theme_id', name=op.f('pk_offer_theme'))
    )
    with op.batch_alter_table('offer_theme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_theme_theme_id'), ['theme_id'], unique=False)

    op.create_table('request_recommendation',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('recommendation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['recommendation_id'], ['recommendation.id'], name=op.f('fk_request_recommendation_recommendation_id_recommendation')),
    sa.ForeignKeyConstraint(['request_id'], ['capacity_request.id'], name=op.f('fk_request_recommendation_request_id_capacity_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('request_id', 'recommendation_id', name=op.f('pk_request_recommendation'))
    )
    with op.batch_alter_table('request_recommendation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_recommendation_recommendation_id'), ['recommendation_id'], unique=False)

    op.create_table('request_theme',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['capacity_request.id'], name=op.f('fk_request_theme_request_id_capacity_request'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_request_theme_theme_id_theme')),
    sa.PrimaryKeyConstraint('request_id', 'theme_id', name=op.f('pk_request_theme'))
    )
    with op.batch_alter_table('request_theme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_theme_theme_id'), ['theme_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('request_theme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_theme_theme_id'))

    op.drop_table('request_theme')
    with op.batch_alter_table('request_recommendation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_recommendation_recommendation_id'))

    op.drop_table('request_recommendation')
    with op.batch_alter_table('offer_theme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_theme_theme_id'))

    op.drop_table('offer_theme')
    with op.batch_alter_table('expert_theme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_theme_theme_id'))

    op.drop_table('expert_theme')
    with op.batch_alter_table('expert_availability', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_availability_expert_id'))

    op.drop_table('expert_availability')
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_status'))
        batch_op.drop_index(batch_op.f('ix_offer_partner_id'))

    op.drop_table('offer')
    op.drop_table('idempotency_record')
    with op.batch_alter_table('expert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_partner_id'))

    op.drop_table('expert')
    with op.batch_alter_table('capacity_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_capacity_request_status'))
        batch_op.drop_index(batch_op.f('ix_capacity_request_state_code'))

    op.drop_table('capacity_request')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_account_id'))

    op.drop_table('api_token')
    with op.batch_alter_table('recommendation_theme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recommendation_theme_theme_id'))

    op.drop_table('recommendation_theme')
    op.drop_table('recommendation_sdg')
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_partner_id'))

    op.drop_table('account')
    op.drop_table('state_alias')
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recommendation_state_code'))
        batch_op.drop_index(batch_op.f('ix_recommendation_response'))

    op.drop_table('recommendation')
    op.drop_table('partner')
    op.drop_table('theme_alias')
    with op.batch_alter_table('state', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_state_regional_group_code'))

    op.drop_table('state')
    with op.batch_alter_table('sdg_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sdg_target_goal_number'))

    op.drop_table('sdg_target')
    op.drop_table('theme')
    op.drop_table('sdg_goal')
    op.drop_table('regional_group')
