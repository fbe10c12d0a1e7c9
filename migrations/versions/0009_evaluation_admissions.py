"""evaluation, decisions, standstill and admissions

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('admitted', 'rejected', name='decision_outcome', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('lot_ids', sa.JSON(), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('score_points', sa.Integer(), nullable=False),
    sa.Column('pass_mark', sa.Integer(), nullable=False),
    sa.Column('all_passed', sa.Boolean(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('standstill_rule', sa.String(length=30), nullable=True),
    sa.Column('standstill_ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_decision_application_id_application')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_decision_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_decision_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name=op.f('fk_decision_provider_id_provider')),
    sa.ForeignKeyConstraint(['window_id'], ['admission_window.id'], name=op.f('fk_decision_window_id_admission_window')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision')),
    sa.UniqueConstraint('application_id', name=op.f('uq_decision_application_id'))
    )
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_notified_at'), ['notified_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_window_id'), ['window_id'], unique=False)

    op.create_table('evaluator_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('conflict', sa.Enum('none', 'conflict', name='conflict_declaration', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('conflict_note', sa.Text(), nullable=True),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_evaluator_assignment_application_id_application')),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['user_account.id'], name=op.f('fk_evaluator_assignment_assigned_by_id_user_account')),
    sa.ForeignKeyConstraint(['evaluator_id'], ['user_account.id'], name=op.f('fk_evaluator_assignment_evaluator_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_evaluator_assignment_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluator_assignment')),
    sa.UniqueConstraint('application_id', 'evaluator_id', name=op.f('uq_evaluator_assignment_application_id'))
    )
    with op.batch_alter_table('evaluator_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluator_assignment_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluator_assignment_evaluator_id'), ['evaluator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluator_assignment_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('moderation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('moderator_id', sa.Integer(), nullable=False),
    sa.Column('agreed', sa.JSON(), nullable=False),
    sa.Column('score_points', sa.Integer(), nullable=True),
    sa.Column('all_passed', sa.Boolean(), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_moderation_application_id_application')),
    sa.ForeignKeyConstraint(['moderator_id'], ['user_account.id'], name=op.f('fk_moderation_moderator_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_moderation_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation')),
    sa.UniqueConstraint('application_id', name=op.f('uq_moderation_application_id'))
    )
    with op.batch_alter_table('moderation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderation_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('admission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('effective_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('active', 'suspended', 'removed', name='admission_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status_changed_by_id', sa.Integer(), nullable=True),
    sa.Column('activation_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], name=op.f('fk_admission_decision_id_decision')),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_admission_lot_id_lot')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_admission_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name=op.f('fk_admission_provider_id_provider')),
    sa.ForeignKeyConstraint(['status_changed_by_id'], ['user_account.id'], name=op.f('fk_admission_status_changed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admission'))
    )
    with op.batch_alter_table('admission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admission_decision_id'), ['decision_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_admission_effective_at'), ['effective_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_admission_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index('ix_admission_lot_status_effective', ['lot_id', 'status', 'effective_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_admission_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_admission_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index('uq_admission_provider_lot_current', ['provider_id', 'lot_id'], unique=True, sqlite_where=sa.text("status != 'removed'"), postgresql_where=sa.text("status != 'removed'"))

    op.create_table('evaluation_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('mark', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['evaluator_assignment.id'], name=op.f('fk_evaluation_score_assignment_id_evaluator_assignment')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_evaluation_score_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['question_id'], ['window_question.id'], name=op.f('fk_evaluation_score_question_id_window_question')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_score')),
    sa.UniqueConstraint('assignment_id', 'question_id', name=op.f('uq_evaluation_score_assignment_id'))
    )
    with op.batch_alter_table('evaluation_score', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_score_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_score_organisation_id'), ['organisation_id'], unique=False)



def downgrade():
    with op.batch_alter_table('evaluation_score', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_score_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_score_assignment_id'))

    op.drop_table('evaluation_score')
    with op.batch_alter_table('admission', schema=None) as batch_op:
        batch_op.drop_index('uq_admission_provider_lot_current', sqlite_where=sa.text("status != 'removed'"), postgresql_where=sa.text("status != 'removed'"))
        batch_op.drop_index(batch_op.f('ix_admission_provider_id'))
        batch_op.drop_index(batch_op.f('ix_admission_organisation_id'))
        batch_op.drop_index('ix_admission_lot_status_effective')
        batch_op.drop_index(batch_op.f('ix_admission_lot_id'))
        batch_op.drop_index(batch_op.f('ix_admission_effective_at'))
        batch_op.drop_index(batch_op.f('ix_admission_decision_id'))

    op.drop_table('admission')
    with op.batch_alter_table('moderation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_organisation_id'))

    op.drop_table('moderation')
    with op.batch_alter_table('evaluator_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluator_assignment_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_evaluator_assignment_evaluator_id'))
        batch_op.drop_index(batch_op.f('ix_evaluator_assignment_application_id'))

    op.drop_table('evaluator_assignment')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_window_id'))
        batch_op.drop_index(batch_op.f('ix_decision_provider_id'))
        batch_op.drop_index(batch_op.f('ix_decision_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_decision_notified_at'))

    op.drop_table('decision')
