"""A placement's history, which its authority and its provider both read (issue 12 §2). Every
service that changes a placement adds one line here beside its audit event: the audit trail is
each organisation's own record, the history is the placement's shared one."""
from flask import has_request_context
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from .models import PlacementEvent


def record_event(placement, kind, summary, *, actor=None, at=None):
    """Add a line to the placement's history: ``kind`` a short code (``fees.changed``), the
    summary in words as both parties will read it. The caller's transaction commits it."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    # A job (the daily uplift) acts as the service itself.
    name = actor.full_name if actor is not None else "Placements service"
    event = PlacementEvent(placement_id=placement.id, authority_id=placement.organisation_id,
                           provider_id=placement.provider_id, kind=kind, summary=summary,
                           actor_name=name)
    if at is not None:
        event.occurred_at = at
    db.session.add(event)
    return event


def events_of(placement):
    """The placement's history, oldest first."""
    return db.session.scalars(select(PlacementEvent).where(
        PlacementEvent.placement_id == placement.id
    ).order_by(PlacementEvent.occurred_at, PlacementEvent.id)).all()
