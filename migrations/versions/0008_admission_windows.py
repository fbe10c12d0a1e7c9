"""admission windows, questionnaires and applications

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('questionnaire',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('pass_mark', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_questionnaire_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire'))
    )
    with op.batch_alter_table('questionnaire', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaire_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('admission_window',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pass_mark', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('close_reminder_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('evaluation_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decisions_issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('standstill_ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_admission_window_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['system_id'], ['purchasing_system.id'], name=op.f('fk_admission_window_system_id_purchasing_system')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admission_window'))
    )
    with op.batch_alter_table('admission_window', schema=None) as batch_op:
        batch_op.create_index('ix_admission_window_opens_closes', ['opens_at', 'closes_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_admission_window_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_admission_window_system_id'), ['system_id'], unique=False)

    op.create_table('questionnaire_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('pass_fail', 'scored', name='question_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('category', sa.Enum('registrations', 'insurance', 'safeguarding', 'exclusion_grounds', name='question_category', native_enum=False, create_constraint=True, length=30), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('guidance', sa.Text(), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_questionnaire_question_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaire.id'], name=op.f('fk_questionnaire_question_questionnaire_id_questionnaire')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire_question'))
    )
    with op.batch_alter_table('questionnaire_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaire_question_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_questionnaire_question_questionnaire_id'), ['questionnaire_id'], unique=False)

    op.create_table('application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_application_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['window_id'], ['admission_window.id'], name=op.f('fk_application_window_id_admission_window')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application')),
    sa.UniqueConstraint('window_id', 'organisation_id', name=op.f('uq_application_window_id'))
    )
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_window_id'), ['window_id'], unique=False)
        batch_op.create_index('ix_application_window_submitted', ['window_id', 'submitted_at'], unique=False)

    op.create_table('window_lot',
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_window_lot_lot_id_lot')),
    sa.ForeignKeyConstraint(['window_id'], ['admission_window.id'], name=op.f('fk_window_lot_window_id_admission_window')),
    sa.PrimaryKeyConstraint('window_id', 'lot_id', name=op.f('pk_window_lot'))
    )
    with op.batch_alter_table('window_lot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_window_lot_lot_id'), ['lot_id'], unique=False)

    op.create_table('window_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('pass_fail', 'scored', name='question_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('category', sa.Enum('registrations', 'insurance', 'safeguarding', 'exclusion_grounds', name='question_category', native_enum=False, create_constraint=True, length=30), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('guidance', sa.Text(), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_window_question_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['window_id'], ['admission_window.id'], name=op.f('fk_window_question_window_id_admission_window')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_window_question')),
    sa.UniqueConstraint('window_id', 'number', name=op.f('uq_window_question_window_id'))
    )
    with op.batch_alter_table('window_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_window_question_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_window_question_window_id'), ['window_id'], unique=False)

    op.create_table('application_lot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('fees', sa.JSON(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_application_lot_application_id_application')),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_application_lot_lot_id_lot')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_application_lot_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_lot')),
    sa.UniqueConstraint('application_id', 'lot_id', name=op.f('uq_application_lot_application_id'))
    )
    with op.batch_alter_table('application_lot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_lot_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_lot_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_lot_organisation_id'), ['organisation_id'], unique=False)



def downgrade():
    with op.batch_alter_table('application_lot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_lot_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_application_lot_lot_id'))
        batch_op.drop_index(batch_op.f('ix_application_lot_application_id'))

    op.drop_table('application_lot')
    with op.batch_alter_table('window_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_window_question_window_id'))
        batch_op.drop_index(batch_op.f('ix_window_question_organisation_id'))

    op.drop_table('window_question')
    with op.batch_alter_table('window_lot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_window_lot_lot_id'))

    op.drop_table('window_lot')
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index('ix_application_window_submitted')
        batch_op.drop_index(batch_op.f('ix_application_window_id'))
        batch_op.drop_index(batch_op.f('ix_application_organisation_id'))

    op.drop_table('application')
    with op.batch_alter_table('questionnaire_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questionnaire_question_questionnaire_id'))
        batch_op.drop_index(batch_op.f('ix_questionnaire_question_organisation_id'))

    op.drop_table('questionnaire_question')
    with op.batch_alter_table('admission_window', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_admission_window_system_id'))
        batch_op.drop_index(batch_op.f('ix_admission_window_organisation_id'))
        batch_op.drop_index('ix_admission_window_opens_closes')

    op.drop_table('admission_window')
    with op.batch_alter_table('questionnaire', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questionnaire_organisation_id'))

    op.drop_table('questionnaire')
