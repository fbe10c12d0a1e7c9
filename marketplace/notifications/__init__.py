"""Notifications: an outbox written with each state change, delivered by email by a job."""
from .models import OutboxMessage, OutboxStatus
from .services import deliver, deliver_due, external_url, notify, notify_organisation

__all__ = ["OutboxMessage", "OutboxStatus", "deliver", "deliver_due", "external_url", "notify",
           "notify_organisation"]
