"""Annual reviews of the child's EHC plan at the placement (issue 12 §2): each placement has its
next review date (the first anniversary of its start, unless the officer sets another); when one
is held the next is due 12 months later, while the placement lasts. Reminders go to the
authority's officers and the provider ahead of each, once (``REVIEW_REMINDER_DAYS``)."""
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

import tenants

from .. import audit, notifications
from ..accounts.permissions import require_buyer
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..formatting import london_date
from . import engine
from .history import record_event
from .models import Placement, PlacementReview

DEFAULT_REMINDER_DAYS = 28


def _day(day):
    return f"{day.day} {day:%B %Y}"


def first_review_due(placement):
    """The first anniversary of the start, if the placement lasts that long."""
    due = engine.anniversary(placement.start_date, 1)
    return due if due <= placement.last_day else None


def schedule_first_review(placement):
    """Called when a placement is made: its first annual review (the caller commits)."""
    due = first_review_due(placement)
    if due is not None:
        db.session.add(PlacementReview(organisation_id=placement.organisation_id,
                                       placement_id=placement.id,
                                       provider_id=placement.provider_id, due_on=due))
    return due


def reviews_of(placement_id):
    """A placement's reviews, by due date (its authority and its provider read them)."""
    return db.session.scalars(select(PlacementReview).where(
        PlacementReview.placement_id == placement_id).order_by(PlacementReview.due_on)).all()


def schedule_review(actor, placement_id, due_on):
    """The authority's officers set the next review date (the EHC plan's own review date, say).
    It replaces the next review not yet held; refused before the start or after the last day."""
    from .services import placement_to_change

    placement = placement_to_change(actor, placement_id)
    if not isinstance(due_on, date):
        raise ValidationFailed({"due_on": "Enter the review date"})
    if not placement.start_date <= due_on <= placement.last_day:
        raise ValidationFailed({"due_on": (
            f"The review date must be within the placement, {_day(placement.start_date)} to "
            f"{_day(placement.last_day)}")})
    pending = [r for r in reviews_of(placement.id) if r.held_on is None]
    if any(r.due_on == due_on for r in pending):
        raise ValidationFailed({"due_on": f"A review is already due on {_day(due_on)}"})
    for review in pending:
        db.session.delete(review)
    review = PlacementReview(placement_id=placement.id, provider_id=placement.provider_id,
                             due_on=due_on)
    db.session.add(review)
    db.session.flush()
    record_event(placement, "review.scheduled", f"Annual review due on {_day(due_on)}.",
                 actor=actor)
    audit.record("placement.review_scheduled", review, after={"due_on": due_on.isoformat()})
    db.session.commit()
    return review


class ReviewToRecord:
    def __init__(self, review, placement):
        self.review, self.placement = review, placement


def review_to_record(actor, review_id):
    """A review and its placement, for the authority's officers to record."""
    review = db.session.get(PlacementReview, review_id)
    if review is None:
        raise NotFound(f"review {review_id}")
    require_buyer(actor)
    return ReviewToRecord(review, db.session.get(Placement, review.placement_id))


def record_review(actor, review_id, held_on, notes):
    """Record that a review was held (on a date not in the future, with notes); the next is
    then due 12 months after it, if the placement lasts that long."""
    review = db.session.get(PlacementReview, review_id)
    if review is None:
        raise NotFound(f"review {review_id}")
    require_buyer(actor)
    if review.held_on is not None:
        raise Conflict(f"this review was recorded as held on {_day(review.held_on)}")
    placement = db.session.get(Placement, review.placement_id)
    today = london_date(tenants.utcnow())
    errors = {}
    if not isinstance(held_on, date):
        errors["held_on"] = "Enter the date the review was held"
    elif held_on > today:
        errors["held_on"] = "The review date cannot be in the future"
    elif held_on < placement.start_date:
        errors["held_on"] = "The review must be held on or after the placement's start"
    notes = (notes or "").strip()
    if not notes:
        errors["notes"] = "Enter what the review found or decided"
    if errors:
        raise ValidationFailed(errors)
    review.held_on, review.notes = held_on, notes
    next_due = engine.anniversary(held_on, 1)
    if next_due <= placement.last_day:
        db.session.add(PlacementReview(placement_id=placement.id,
                                       provider_id=placement.provider_id, due_on=next_due))
    record_event(placement, "review.held", f"Annual review held on {_day(held_on)}."
                 + (f" The next is due on {_day(next_due)}." if next_due <= placement.last_day
                    else ""), actor=actor)
    audit.record("placement.review_held", review, after={"held_on": held_on.isoformat()})
    db.session.commit()
    return review


def send_review_reminders(today=None):
    """Remind the authority's users and the provider of each review due within the reminder
    period and not yet held, once. Runs in each authority's scope; idempotent."""
    today = today or london_date(tenants.utcnow())
    days = current_app.config.get("REVIEW_REMINDER_DAYS", DEFAULT_REMINDER_DAYS)
    horizon = today + timedelta(days=days)
    sent = 0
    for authority in db.session.scalars(select(tenants.Authority)).all():
        with tenants.scoped_to(authority):
            due = db.session.scalars(select(PlacementReview).where(
                PlacementReview.held_on.is_(None), PlacementReview.reminded_at.is_(None),
                PlacementReview.due_on >= today, PlacementReview.due_on <= horizon)).all()
            if not due:
                continue
            placements = {p.id: p for p in db.session.scalars(select(Placement).where(
                Placement.id.in_({r.placement_id for r in due})))}
            now = tenants.utcnow()
            for review in due:
                review.reminded_at = now
                placement = placements[review.placement_id]
                context = {"reference": placement.reference,
                           "case_reference": placement.case_reference,
                           "due_on": _day(review.due_on),
                           "link": notifications.external_url(
                               "placements.placement", placement_id=placement.id)}
                db.session.flush()
                notifications.notify_organisation(authority, "placement_review_due", context)
                if placement.provider is not None:
                    notifications.notify_organisation(placement.provider,
                                                      "placement_review_due", context)
                sent += 1
            db.session.commit()
    return sent


def run_due():
    """The periodic work for reviews (``flask jobs run-due``)."""
    return {"review_reminders": send_review_reminders()}
