import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

import tenants


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(tenants.OrganisationOwned, tenants.Base):
    """An email a service decided to send, written in the same transaction as its change.

    The row is the source of truth for delivery: a job or ``flask jobs run-due`` sends it, and
    nothing is lost while Redis or the mail server is down.
    """

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    template: Mapped[str] = mapped_column(String(100))
    # Emptied once sent: a context may carry a one-time link (an invitation), which the database
    # should hold no longer than delivery needs it.
    context: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    subject: Mapped[str] = mapped_column(String(300))
    status: Mapped[OutboxStatus] = mapped_column(
        Enum(OutboxStatus, name="outbox_status", native_enum=False, create_constraint=True,
             length=20, values_callable=lambda members: [m.value for m in members]),
        default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(tenants.UtcDateTime, default=tenants.utcnow)
    # When a pending message may next be tried; while an attempt runs it is pushed forward by a
    # lease, so no one else takes the message until that attempt has finished or died.
    next_attempt_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(tenants.UtcDateTime)

    __table_args__ = (
        # run-due looks for each organisation's pending messages that are due.
        Index("ix_outbox_message_due", "organisation_id", "status", "next_attempt_at"),
        # The failed-deliveries page looks across organisations for the host.
        Index("ix_outbox_message_status_created", "status", "created_at"),
    )

    @classmethod
    def __visible_to__(cls, kind, organisation_id, now):
        """An organisation sees its own messages; the host authority also sees every
        organisation's failed ones.

        The host runs the service, and so its mail delivery, for the whole region: when the mail
        server refuses or loses messages, the host's administrators are the ones who can see
        why and send them again. They see only failed messages, never the rest of another
        organisation's mail.
        """
        if kind is tenants.ScopeKind.HOST:
            return (cls.organisation_id == organisation_id) | (cls.status == OutboxStatus.FAILED)
        return cls.owned_by(kind, organisation_id)

    def __repr__(self):
        return f"<OutboxMessage {self.id} {self.template} {self.status}>"
