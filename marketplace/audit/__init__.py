"""The audit trail: append-only events written by the services."""
from .models import AuditEvent
from .services import record

__all__ = ["AuditEvent", "record"]
