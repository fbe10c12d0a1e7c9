"""national scale indexes: a provider's invitations, an authority's placements and call-offs

A provider's invitations newest first, an authority's placements, and its call-offs by status,
each from an index.

Measured on `flask demo national --scale 1.0` (docs/performance.md):

- a provider's call-off list is ordered by when it was invited, read in order from
  (provider_id, invited_at, id): the busiest provider has 16,000 invitations, and ordering by the
  call-offs' own dates sorted them all for each page;
- an authority's placements, newest start first, from (organisation_id, start_date, id);
- the dashboards' call-offs by status (and past their deadline) from (organisation_id, status,
  response_deadline) alone, which supersedes (organisation_id, status).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('call_off_invitation', schema=None) as batch_op:
        batch_op.create_index('ix_call_off_invitation_provider_invited',
                              ['provider_id', 'invited_at', 'id'], unique=False)
    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.create_index('ix_placement_organisation_start',
                              ['organisation_id', 'start_date', 'id'], unique=False)
    with op.batch_alter_table('call_off', schema=None) as batch_op:
        batch_op.create_index('ix_call_off_organisation_status_deadline',
                              ['organisation_id', 'status', 'response_deadline'], unique=False)
        batch_op.drop_index('ix_call_off_organisation_status')


def downgrade():
    with op.batch_alter_table('call_off', schema=None) as batch_op:
        batch_op.create_index('ix_call_off_organisation_status', ['organisation_id', 'status'],
                              unique=False)
        batch_op.drop_index('ix_call_off_organisation_status_deadline')
    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.drop_index('ix_placement_organisation_start')
    with op.batch_alter_table('call_off_invitation', schema=None) as batch_op:
        batch_op.drop_index('ix_call_off_invitation_provider_invited')
