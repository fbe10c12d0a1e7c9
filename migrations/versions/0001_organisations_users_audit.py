"""organisations, users, credentials and audit events

Revision ID: 0001
Revises: 
Create Date: 2026-11-24 08:08:13.711806

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('authority', 'provider', name='organisation_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation'))
    )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_name'), ['name'], unique=False)

    op.create_table('authority',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ons_code', sa.String(length=9), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('role', sa.Enum('host', 'member', name='authority_role', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=False),
    sa.Column('left_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('active', 'suspended', name='authority_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.ForeignKeyConstraint(['id'], ['organisation.id'], name=op.f('fk_authority_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_authority')),
    sa.UniqueConstraint('ons_code', name=op.f('uq_authority_ons_code')),
    sa.UniqueConstraint('slug', name=op.f('uq_authority_slug'))
    )
    op.create_table('provider',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('companies_house_number', sa.String(length=8), nullable=True),
    sa.Column('charity_number', sa.String(length=12), nullable=True),
    sa.Column('dfe_urn', sa.String(length=7), nullable=True),
    sa.Column('ofsted_urn', sa.String(length=10), nullable=True),
    sa.ForeignKeyConstraint(['id'], ['organisation.id'], name=op.f('fk_provider_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provider'))
    )
    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provider_companies_house_number'), ['companies_house_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_provider_dfe_urn'), ['dfe_urn'], unique=False)

    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('host_admin', 'evaluator', 'placement_officer', 'authority_manager', 'provider_user', name='user_role', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('status', sa.Enum('invited', 'active', 'deactivated', name='user_status', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_signed_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_user_account_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_organisation_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=100), nullable=False),
    sa.Column('object_type', sa.String(length=50), nullable=True),
    sa.Column('object_id', sa.String(length=50), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('remote_addr', sa.String(length=64), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_organisation_id'], ['organisation.id'], name=op.f('fk_audit_event_actor_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['actor_user_id'], ['user_account.id'], name=op.f('fk_audit_event_actor_user_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_audit_event_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_organisation_occurred', ['organisation_id', 'occurred_at'], unique=False)

    op.create_table('credential',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('invitation_token_hash', sa.String(length=64), nullable=True),
    sa.Column('invitation_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_credential_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_credential_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credential')),
    sa.UniqueConstraint('email', name=op.f('uq_credential_email')),
    sa.UniqueConstraint('invitation_token_hash', name=op.f('uq_credential_invitation_token_hash')),
    sa.UniqueConstraint('user_id', name=op.f('uq_credential_user_id'))
    )



def downgrade():
    
    op.drop_table('credential')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_organisation_occurred')

    op.drop_table('audit_event')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_organisation_id'))

    op.drop_table('user_account')
    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provider_dfe_urn'))
        batch_op.drop_index(batch_op.f('ix_provider_companies_house_number'))

    op.drop_table('provider')
    op.drop_table('authority')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_name'))

    op.drop_table('organisation')

