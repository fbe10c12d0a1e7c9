"""national scale indexes: invitations, placements, call-offs by status, the audit list

A provider's invitations newest first, placements newest first, an authority's call-offs by
status and an organisation's audit list, each read from an index.

Measured on `flask demo national --scale 1.0` (docs/performance.md):

- a provider's call-off list is ordered by when it was invited, read in order from
  (provider_id, invited_at, id): the busiest provider has 16,000 invitations, and ordering by the
  call-offs' own dates sorted them all for each page;
- an authority's placements, newest start first, from (organisation_id, start_date, id);
- the dashboards' call-offs by status (and past their deadline) from (organisation_id, status,
  response_deadline) alone, which supersedes (organisation_id, status);
- a provider's placements in the same order from (provider_id, start_date, id), superseding
  (provider_id, start_date), which left the tie on id to a sort of all of them;
- an organisation's audit list, newest first, from (organisation_id, id): with only
  (organisation_id, occurred_at), which nothing orders by, PostgreSQL read and sorted all of an
  organisation's events for each page (345 ms for an authority with 5,448 of the 5.7 million)
  or walked the primary key backwards.

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
        batch_op.create_index('ix_placement_provider_start_id',
                              ['provider_id', 'start_date', 'id'], unique=False)
        batch_op.drop_index('ix_placement_provider_start')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_organisation_newest', ['organisation_id', 'id'],
                              unique=False)
        batch_op.drop_index('ix_audit_event_organisation_occurred')
    with op.batch_alter_table('call_off', schema=None) as batch_op:
        batch_op.create_index('ix_call_off_organisation_status_deadline',
                              ['organisation_id', 'status', 'response_deadline'], unique=False)
        batch_op.drop_index('ix_call_off_organisation_status')


def downgrade():
    with op.batch_alter_table('call_off', schema=None) as batch_op:
        batch_op.create_index('ix_call_off_organisation_status', ['organisation_id', 'status'],
                              unique=False)
        batch_op.drop_index('ix_call_off_organisation_status_deadline')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_organisation_occurred',
                              ['organisation_id', 'occurred_at'], unique=False)
        batch_op.drop_index('ix_audit_event_organisation_newest')
    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.create_index('ix_placement_provider_start', ['provider_id', 'start_date'],
                              unique=False)
        batch_op.drop_index('ix_placement_provider_start_id')
        batch_op.drop_index('ix_placement_organisation_start')
    with op.batch_alter_table('call_off_invitation', schema=None) as batch_op:
        batch_op.drop_index('ix_call_off_invitation_provider_invited')
