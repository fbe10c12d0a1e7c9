"""audit hash chain

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 10:00:00

Events written before this revision are chained in id order, one chain per organisation and
one for system events, with the hash as the app computes it (copied here so the migration does
not change if the app's code does).
"""
import hashlib
import json
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def _hash(row, previous_hash):
    occurred_at = row.occurred_at
    if isinstance(occurred_at, str):
        occurred_at = datetime.fromisoformat(occurred_at)  # SQLite keeps text
    occurred_at = (occurred_at.replace(tzinfo=timezone.utc) if occurred_at.tzinfo is None
                   else occurred_at.astimezone(timezone.utc))

    def load(value):
        return json.loads(value) if isinstance(value, str) else value

    content = {
        "previous_hash": previous_hash,
        "occurred_at": occurred_at.isoformat(),
        "organisation_id": row.organisation_id,
        "actor_user_id": row.actor_user_id,
        "actor_organisation_id": row.actor_organisation_id,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "before": load(row.before),
        "after": load(row.after),
        "remote_addr": row.remote_addr,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def upgrade():
    op.create_table('audit_chain_head',
    sa.Column('chain', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('chain', name=op.f('pk_audit_chain_head'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))

    bind = op.get_bind()
    heads = {}
    rows = bind.execute(sa.text(
        "SELECT id, occurred_at, organisation_id, actor_user_id, actor_organisation_id, action,"
        " object_type, object_id, before, after, remote_addr FROM audit_event ORDER BY id"
    )).all()
    for row in rows:
        chain = row.organisation_id or 0
        previous = heads.get(chain)
        heads[chain] = _hash(row, previous)
        bind.execute(sa.text("UPDATE audit_event SET previous_hash = :p, hash = :h WHERE id = :i"),
                     {"p": previous, "h": heads[chain], "i": row.id})
    for chain, last_hash in heads.items():
        bind.execute(sa.text("INSERT INTO audit_chain_head (chain, last_hash) VALUES (:c, :h)"),
                     {"c": chain, "h": last_hash})

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_event_hash'), ['hash'])


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_event_hash'), type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('previous_hash')

    op.drop_table('audit_chain_head')
