"""specifications, versions, acceptances and local schedules

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('local_schedule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_local_schedule_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_local_schedule'))
    )
    with op.batch_alter_table('local_schedule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_local_schedule_archived'), ['archived'], unique=False)
        batch_op.create_index(batch_op.f('ix_local_schedule_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('local_schedule_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('schedule_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('saved_by_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_local_schedule_revision_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['saved_by_id'], ['user_account.id'], name=op.f('fk_local_schedule_revision_saved_by_id_user_account')),
    sa.ForeignKeyConstraint(['schedule_id'], ['local_schedule.id'], name=op.f('fk_local_schedule_revision_schedule_id_local_schedule')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_local_schedule_revision')),
    sa.UniqueConstraint('schedule_id', 'number', name=op.f('uq_local_schedule_revision_schedule_id'))
    )
    with op.batch_alter_table('local_schedule_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_local_schedule_revision_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('specification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('core', 'lot', 'contract_terms', name='specification_kind', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_specification_lot_id_lot')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_specification_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_specification'))
    )
    with op.batch_alter_table('specification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_specification_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_specification_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_specification_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('specification_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('specification_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('summary_of_changes', sa.Text(), nullable=False),
    sa.Column('effective_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_specification_version_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], name=op.f('fk_specification_version_published_by_id_user_account')),
    sa.ForeignKeyConstraint(['specification_id'], ['specification.id'], name=op.f('fk_specification_version_specification_id_specification')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_specification_version')),
    sa.UniqueConstraint('specification_id', 'number', name=op.f('uq_specification_version_specification_id'))
    )
    with op.batch_alter_table('specification_version', schema=None) as batch_op:
        batch_op.create_index('ix_specification_version_in_force', ['specification_id', 'published_at', 'effective_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_specification_version_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('specification_acceptance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['user_account.id'], name=op.f('fk_specification_acceptance_accepted_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_specification_acceptance_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['version_id'], ['specification_version.id'], name=op.f('fk_specification_acceptance_version_id_specification_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_specification_acceptance')),
    sa.UniqueConstraint('organisation_id', 'version_id', name=op.f('uq_specification_acceptance_organisation_id'))
    )
    with op.batch_alter_table('specification_acceptance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_specification_acceptance_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_specification_acceptance_version_id'), ['version_id'], unique=False)



def downgrade():
    with op.batch_alter_table('specification_acceptance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_specification_acceptance_version_id'))
        batch_op.drop_index(batch_op.f('ix_specification_acceptance_organisation_id'))

    op.drop_table('specification_acceptance')
    with op.batch_alter_table('specification_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_specification_version_organisation_id'))
        batch_op.drop_index('ix_specification_version_in_force')

    op.drop_table('specification_version')
    with op.batch_alter_table('specification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_specification_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_specification_lot_id'))
        batch_op.drop_index(batch_op.f('ix_specification_kind'))

    op.drop_table('specification')
    with op.batch_alter_table('local_schedule_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_local_schedule_revision_organisation_id'))

    op.drop_table('local_schedule_revision')
    with op.batch_alter_table('local_schedule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_local_schedule_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_local_schedule_archived'))

    op.drop_table('local_schedule')
