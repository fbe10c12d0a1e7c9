"""call-offs, offers, awards and placements

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('delegation_limit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('annual_limit_pence', sa.Integer(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_delegation_limit_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['set_by_id'], ['user_account.id'], name=op.f('fk_delegation_limit_set_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delegation_limit')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_delegation_limit_organisation_id'))
    )
    op.create_table('call_off',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('route', sa.Enum('competition', 'direct_award', name='call_off_route', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('direct_award_reason', sa.Enum('parental_preference', 'tribunal_order', 'continuity', 'qpl', name='direct_award_reason', native_enum=False, create_constraint=True, length=30), nullable=True),
    sa.Column('direct_award_note', sa.Text(), nullable=True),
    sa.Column('direct_provider_id', sa.Integer(), nullable=True),
    sa.Column('case_reference', sa.String(length=30), nullable=False),
    sa.Column('birth_year', sa.Integer(), nullable=False),
    sa.Column('gender', sa.Enum('female', 'male', name='child_gender', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('primary_need', sa.String(length=10), nullable=False),
    sa.Column('secondary_needs', sa.JSON(), nullable=False),
    sa.Column('postcode_district', sa.String(length=4), nullable=False),
    sa.Column('ehcp_summary', sa.Text(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('placement_type', sa.Enum('day', 'residential_38', 'residential_52', 'therapy_hours', name='call_off_placement_type', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('length_weeks', sa.Integer(), nullable=False),
    sa.Column('requirements', sa.Text(), nullable=False),
    sa.Column('local_schedule_id', sa.Integer(), nullable=True),
    sa.Column('local_schedule_revision', sa.Integer(), nullable=True),
    sa.Column('local_schedule_title', sa.String(length=200), nullable=True),
    sa.Column('local_schedule_body', sa.Text(), nullable=True),
    sa.Column('quality_weight', sa.Integer(), nullable=False),
    sa.Column('price_weight', sa.Integer(), nullable=False),
    sa.Column('response_deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('questions_close_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('urgent_reason', sa.Text(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('specification_version_ids', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'open', 'closed', 'evaluating', 'awarded', 'placed', 'cancelled', 'no_suitable_offer', name='call_off_status', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opened_notice_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_call_off_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['direct_provider_id'], ['provider.id'], name=op.f('fk_call_off_direct_provider_id_provider')),
    sa.ForeignKeyConstraint(['local_schedule_id'], ['local_schedule.id'], name=op.f('fk_call_off_local_schedule_id_local_schedule')),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_call_off_lot_id_lot')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_call_off_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_off')),
    sa.UniqueConstraint('organisation_id', 'reference', name=op.f('uq_call_off_organisation_id'))
    )
    with op.batch_alter_table('call_off', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_off_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_off_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_call_off_organisation_status', ['organisation_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_off_response_deadline'), ['response_deadline'], unique=False)

    op.create_table('call_off_exclusion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_off_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('excluded_by_id', sa.Integer(), nullable=True),
    sa.Column('excluded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['call_off_id'], ['call_off.id'], name=op.f('fk_call_off_exclusion_call_off_id_call_off')),
    sa.ForeignKeyConstraint(['excluded_by_id'], ['user_account.id'], name=op.f('fk_call_off_exclusion_excluded_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_call_off_exclusion_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name=op.f('fk_call_off_exclusion_provider_id_provider')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_off_exclusion')),
    sa.UniqueConstraint('call_off_id', 'provider_id', name=op.f('uq_call_off_exclusion_call_off_id'))
    )
    with op.batch_alter_table('call_off_exclusion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_off_exclusion_call_off_id'), ['call_off_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_off_exclusion_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('call_off_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_off_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['call_off_id'], ['call_off.id'], name=op.f('fk_call_off_invitation_call_off_id_call_off')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_call_off_invitation_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name=op.f('fk_call_off_invitation_provider_id_provider')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_off_invitation')),
    sa.UniqueConstraint('call_off_id', 'provider_id', name=op.f('uq_call_off_invitation_call_off_id'))
    )
    with op.batch_alter_table('call_off_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_off_invitation_call_off_id'), ['call_off_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_off_invitation_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_off_invitation_provider_id'), ['provider_id'], unique=False)

    op.create_table('clarification_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_off_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('asked_by_id', sa.Integer(), nullable=True),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['asked_by_id'], ['user_account.id'], name=op.f('fk_clarification_question_asked_by_id_user_account')),
    sa.ForeignKeyConstraint(['call_off_id'], ['call_off.id'], name=op.f('fk_clarification_question_call_off_id_call_off')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_clarification_question_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clarification_question'))
    )
    with op.batch_alter_table('clarification_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clarification_question_call_off_id'), ['call_off_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_clarification_question_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_off_id', sa.Integer(), nullable=False),
    sa.Column('can_meet_need', sa.Boolean(), nullable=False),
    sa.Column('decline_reason', sa.Text(), nullable=True),
    sa.Column('core_weekly_pence', sa.Integer(), nullable=False),
    sa.Column('support_weekly_pence', sa.Integer(), nullable=False),
    sa.Column('therapies_weekly_pence', sa.Integer(), nullable=False),
    sa.Column('other_weekly_pence', sa.Integer(), nullable=False),
    sa.Column('other_description', sa.String(length=200), nullable=True),
    sa.Column('weekly_total_pence', sa.Integer(), nullable=False),
    sa.Column('annual_cost_pence', sa.Integer(), nullable=False),
    sa.Column('chargeable_weeks', sa.String(length=10), nullable=False),
    sa.Column('available_from', sa.Date(), nullable=True),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['call_off_id'], ['call_off.id'], name=op.f('fk_offer_call_off_id_call_off')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_offer_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_offer_submitted_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer')),
    sa.UniqueConstraint('call_off_id', 'organisation_id', name=op.f('uq_offer_call_off_id'))
    )
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_call_off_id'), ['call_off_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offer_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('offer_receipt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_off_id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['call_off_id'], ['call_off.id'], name=op.f('fk_offer_receipt_call_off_id_call_off')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_offer_receipt_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_receipt')),
    sa.UniqueConstraint('call_off_id', 'organisation_id', name=op.f('uq_offer_receipt_call_off_id'))
    )
    with op.batch_alter_table('offer_receipt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_receipt_call_off_id'), ['call_off_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offer_receipt_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('award',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_off_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('awaiting_approval', 'awarded', 'accepted', 'declined', 'revoked', 'approval_refused', name='award_status', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('justification', sa.Text(), nullable=True),
    sa.Column('annual_cost_pence', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approval_note', sa.Text(), nullable=True),
    sa.Column('made_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('standstill_ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoke_reason', sa.Text(), nullable=True),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('responded_by_id', sa.Integer(), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user_account.id'], name=op.f('fk_award_approved_by_id_user_account')),
    sa.ForeignKeyConstraint(['call_off_id'], ['call_off.id'], name=op.f('fk_award_call_off_id_call_off')),
    sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_award_offer_id_offer')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_award_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name=op.f('fk_award_provider_id_provider')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_award_requested_by_id_user_account')),
    sa.ForeignKeyConstraint(['responded_by_id'], ['user_account.id'], name=op.f('fk_award_responded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award'))
    )
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_call_off_id'), ['call_off_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_award_offer_id'), ['offer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_award_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_award_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index('uq_award_call_off_live', ['call_off_id'], unique=True, sqlite_where=sa.text("status IN ('awaiting_approval', 'awarded', 'accepted')"), postgresql_where=sa.text("status IN ('awaiting_approval', 'awarded', 'accepted')"))

    op.create_table('clarification_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_off_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'], name=op.f('fk_clarification_answer_answered_by_id_user_account')),
    sa.ForeignKeyConstraint(['call_off_id'], ['call_off.id'], name=op.f('fk_clarification_answer_call_off_id_call_off')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_clarification_answer_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['question_id'], ['clarification_question.id'], name=op.f('fk_clarification_answer_question_id_clarification_question')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clarification_answer')),
    sa.UniqueConstraint('question_id', name=op.f('uq_clarification_answer_question_id'))
    )
    with op.batch_alter_table('clarification_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clarification_answer_call_off_id'), ['call_off_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_clarification_answer_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('quality_mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_off_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('mark', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('marked_by_id', sa.Integer(), nullable=True),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['call_off_id'], ['call_off.id'], name=op.f('fk_quality_mark_call_off_id_call_off')),
    sa.ForeignKeyConstraint(['marked_by_id'], ['user_account.id'], name=op.f('fk_quality_mark_marked_by_id_user_account')),
    sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_quality_mark_offer_id_offer')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_quality_mark_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_mark')),
    sa.UniqueConstraint('offer_id', name=op.f('uq_quality_mark_offer_id'))
    )
    with op.batch_alter_table('quality_mark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quality_mark_call_off_id'), ['call_off_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quality_mark_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('placement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=24), nullable=False),
    sa.Column('call_off_id', sa.Integer(), nullable=True),
    sa.Column('award_id', sa.Integer(), nullable=True),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=True),
    sa.Column('off_framework', sa.Boolean(), nullable=False),
    sa.Column('case_reference', sa.String(length=30), nullable=False),
    sa.Column('birth_year', sa.Integer(), nullable=False),
    sa.Column('gender', sa.Enum('female', 'male', name='placement_child_gender', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('primary_need', sa.String(length=10), nullable=False),
    sa.Column('secondary_needs', sa.JSON(), nullable=False),
    sa.Column('postcode_district', sa.String(length=4), nullable=False),
    sa.Column('placement_type', sa.Enum('day', 'residential_38', 'residential_52', 'therapy_hours', name='placement_placement_type', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('core_weekly_pence', sa.Integer(), nullable=False),
    sa.Column('support_weekly_pence', sa.Integer(), nullable=False),
    sa.Column('therapies_weekly_pence', sa.Integer(), nullable=False),
    sa.Column('other_weekly_pence', sa.Integer(), nullable=False),
    sa.Column('other_description', sa.String(length=200), nullable=True),
    sa.Column('weekly_total_pence', sa.Integer(), nullable=False),
    sa.Column('annual_cost_pence', sa.Integer(), nullable=False),
    sa.Column('specification_version_ids', sa.JSON(), nullable=False),
    sa.Column('local_schedule_revision', sa.Integer(), nullable=True),
    sa.Column('local_schedule_title', sa.String(length=200), nullable=True),
    sa.Column('local_schedule_body', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('planned', 'active', 'ended', name='placement_status', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('end_reason', sa.Text(), nullable=True),
    sa.Column('agreed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_placement_award_id_award')),
    sa.ForeignKeyConstraint(['call_off_id'], ['call_off.id'], name=op.f('fk_placement_call_off_id_call_off')),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_placement_lot_id_lot')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_placement_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name=op.f('fk_placement_provider_id_provider')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement')),
    sa.UniqueConstraint('call_off_id', name=op.f('uq_placement_call_off_id')),
    sa.UniqueConstraint('reference', name=op.f('uq_placement_reference'))
    )
    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_placement_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index('ix_placement_provider_start', ['provider_id', 'start_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_placement_start_date'), ['start_date'], unique=False)



def downgrade():
    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placement_start_date'))
        batch_op.drop_index('ix_placement_provider_start')
        batch_op.drop_index(batch_op.f('ix_placement_provider_id'))
        batch_op.drop_index(batch_op.f('ix_placement_organisation_id'))

    op.drop_table('placement')
    with op.batch_alter_table('quality_mark', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quality_mark_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_quality_mark_call_off_id'))

    op.drop_table('quality_mark')
    with op.batch_alter_table('clarification_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clarification_answer_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_clarification_answer_call_off_id'))

    op.drop_table('clarification_answer')
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.drop_index('uq_award_call_off_live', sqlite_where=sa.text("status IN ('awaiting_approval', 'awarded', 'accepted')"), postgresql_where=sa.text("status IN ('awaiting_approval', 'awarded', 'accepted')"))
        batch_op.drop_index(batch_op.f('ix_award_provider_id'))
        batch_op.drop_index(batch_op.f('ix_award_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_award_offer_id'))
        batch_op.drop_index(batch_op.f('ix_award_call_off_id'))

    op.drop_table('award')
    with op.batch_alter_table('offer_receipt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_receipt_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_offer_receipt_call_off_id'))

    op.drop_table('offer_receipt')
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_offer_call_off_id'))

    op.drop_table('offer')
    with op.batch_alter_table('clarification_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clarification_question_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_clarification_question_call_off_id'))

    op.drop_table('clarification_question')
    with op.batch_alter_table('call_off_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_off_invitation_provider_id'))
        batch_op.drop_index(batch_op.f('ix_call_off_invitation_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_call_off_invitation_call_off_id'))

    op.drop_table('call_off_invitation')
    with op.batch_alter_table('call_off_exclusion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_off_exclusion_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_call_off_exclusion_call_off_id'))

    op.drop_table('call_off_exclusion')
    with op.batch_alter_table('call_off', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_off_response_deadline'))
        batch_op.drop_index('ix_call_off_organisation_status')
        batch_op.drop_index(batch_op.f('ix_call_off_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_call_off_lot_id'))

    op.drop_table('call_off')
    op.drop_table('delegation_limit')
