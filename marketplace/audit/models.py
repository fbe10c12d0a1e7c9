from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Session
from sqlalchemy.orm import Mapped, mapped_column

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

    __table_args__ = (
        Index("ix_audit_event_organisation_occurred", "organisation_id", "occurred_at"),
    )

    @classmethod
    def __visible_to__(cls, organisation_id, is_host):
        return (cls.organisation_id == organisation_id) | (
            cls.organisation_id.is_(None) & is_host
        )


class AuditTrailIsAppendOnly(Exception):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_audit_events(session, flush_context, instances):
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEvent):
            raise AuditTrailIsAppendOnly(f"audit event {obj.id} cannot be changed or deleted")
