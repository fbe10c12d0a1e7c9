import hashlib
import json
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

import tenants


class AuditEvent(tenants.OrganisationOwned, tenants.Base):
    """One append-only record of something that happened.

    ``organisation_id`` is the organisation the event concerns (its owner for visibility); it is
    empty for system-level events, which only the host's users see.
    """

    __tablename__ = "audit_event"
    __allows_system_rows__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    occurred_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    action: Mapped[str] = mapped_column(String(100))
    object_type: Mapped[str | None] = mapped_column(String(50))
    object_id: Mapped[str | None] = mapped_column(String(50))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    # The hash chain: each event's hash covers its content and the previous event's hash in the
    # same chain (one chain per organisation, one for system events).
    previous_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (
        # An organisation's events newest first (its audit list, its chain in order).
        Index("ix_audit_event_organisation_newest", "organisation_id", "id"),
    )

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        if kind is tenants.ScopeKind.HOST:
            return (cls.organisation_id == organisation_id) | cls.organisation_id.is_(None)
        return cls.owned_by(kind, organisation_id)

    def compute_hash(self):
        content = {
            "previous_hash": self.previous_hash,
            "occurred_at": self.occurred_at.isoformat(),
            "organisation_id": self.organisation_id,
            "actor_user_id": self.actor_user_id,
            "actor_organisation_id": self.actor_organisation_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "before": self.before,
            "after": self.after,
            "remote_addr": self.remote_addr,
        }
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


class AuditChainHead(tenants.Base):
    """The latest event of each audit chain. Appending locks this row, so concurrent writers
    to one chain queue up instead of forking it; no one reads another organisation's events.

    The head names its last event, id and hash, in the transaction that appends it: without it,
    deleting the newest events would leave a shorter chain whose every link still holds."""

    __tablename__ = "audit_chain_head"

    # The organisation's id, or 0 for the chain of system events.
    chain: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_hash: Mapped[str | None] = mapped_column(String(64))
    # Deliberately no foreign key: a deleted event must be reported by ``flask audit verify``,
    # not refused by one database and not another.
    last_event_id: Mapped[int | None] = mapped_column(Integer)
    # Set to the event being appended; the flush writes the event first, then its id here.
    last_event: Mapped["AuditEvent | None"] = relationship(
        primaryjoin="foreign(AuditChainHead.last_event_id) == AuditEvent.id")


class AuditTrailIsAppendOnly(Exception):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_audit_events(session, flush_context, instances):
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEvent):
            raise AuditTrailIsAppendOnly(f"audit event {obj.id} cannot be changed or deleted")
