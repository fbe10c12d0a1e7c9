"""The audit trail: append-only, hash-chained events written by the services."""
from .models import AuditEvent
from .services import ChainBreak, record, verify_chains

__all__ = ["AuditEvent", "ChainBreak", "record", "verify_chains"]
