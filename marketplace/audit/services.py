import tenants

from ..extensions import db
from .models import AuditEvent

_UNSET = object()


def record(action, obj=None, *, actor=None, organisation_id=_UNSET, before=None, after=None,
           remote_addr=None):
    """Add an audit event to the session; the calling service commits it with its own change.

    ``organisation_id`` defaults to the organisation in scope; pass ``None`` for a system event.
    """
    if organisation_id is _UNSET:
        scope = tenants.current_scope()
        organisation_id = scope.organisation_id if scope else None
    if obj is not None and getattr(obj, "id", None) is None:
        db.session.flush()
    event = AuditEvent(
        action=action,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=str(obj.id) if obj is not None else None,
        actor_user_id=actor.id if actor is not None else None,
        actor_organisation_id=actor.organisation_id if actor is not None else None,
        organisation_id=organisation_id,
        before=before,
        after=after,
        remote_addr=remote_addr,
    )
    db.session.add(event)
    return event
