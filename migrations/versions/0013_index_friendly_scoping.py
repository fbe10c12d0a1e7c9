"""index-friendly tenant scoping: a provider's invitations, an authority's call-offs by date

The visibility rules now give a provider ``call_off_id IN (SELECT call_off_id FROM
call_off_invitation WHERE provider_id = :org)``; (provider_id, call_off_id) answers that subquery
from the index alone, and supersedes the single-column index on provider_id. An authority's
call-off list (newest first) reads its page in order from (organisation_id, created_at, id).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('call_off_invitation', schema=None) as batch_op:
        batch_op.create_index('ix_call_off_invitation_provider_call_off',
                              ['provider_id', 'call_off_id'], unique=False)
        batch_op.drop_index('ix_call_off_invitation_provider_id')
    with op.batch_alter_table('call_off', schema=None) as batch_op:
        batch_op.create_index('ix_call_off_organisation_created',
                              ['organisation_id', 'created_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('call_off', schema=None) as batch_op:
        batch_op.drop_index('ix_call_off_organisation_created')
    with op.batch_alter_table('call_off_invitation', schema=None) as batch_op:
        batch_op.create_index('ix_call_off_invitation_provider_id', ['provider_id'], unique=False)
        batch_op.drop_index('ix_call_off_invitation_provider_call_off')
