"""call-off timetable settings on the purchasing system

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('purchasing_system', schema=None) as batch_op:
        batch_op.add_column(sa.Column('call_off_min_response_days', sa.Integer(), server_default='5', nullable=False))
        batch_op.add_column(sa.Column('call_off_questions_close_days', sa.Integer(), server_default='2', nullable=False))



def downgrade():
    with op.batch_alter_table('purchasing_system', schema=None) as batch_op:
        batch_op.drop_column('call_off_questions_close_days')
        batch_op.drop_column('call_off_min_response_days')

