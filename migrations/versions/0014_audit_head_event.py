"""the audit chain head names its last event

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_chain_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_event_id', sa.Integer(), nullable=True))
    # Each head already holds its last event's hash (hashes are unique): name that event.
    op.execute("UPDATE audit_chain_head SET last_event_id = (SELECT audit_event.id "
               "FROM audit_event WHERE audit_event.hash = audit_chain_head.last_hash)")


def downgrade():
    with op.batch_alter_table('audit_chain_head', schema=None) as batch_op:
        batch_op.drop_column('last_event_id')
