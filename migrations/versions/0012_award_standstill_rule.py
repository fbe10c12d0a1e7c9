"""the standstill rule each award was made under

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

An award's pages and API describe its standstill from the award's own record, never from the
system's current setting. Awards made before this column existed: none applied where the end
is no later than the award; otherwise the system's call-off rule (the only one there has been
unless it was changed since; the stored end itself is unchanged either way).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.add_column(sa.Column('standstill_rule', sa.String(length=30), nullable=True))
    op.execute("UPDATE award SET standstill_rule = 'none' WHERE made_at IS NOT NULL AND "
               "(standstill_ends_at IS NULL OR standstill_ends_at <= made_at)")
    op.execute("UPDATE award SET standstill_rule = (SELECT call_off_standstill FROM "
               "purchasing_system ORDER BY id LIMIT 1) WHERE made_at IS NOT NULL AND "
               "standstill_rule IS NULL")


def downgrade():
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.drop_column('standstill_rule')
