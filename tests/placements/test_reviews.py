"""Annual reviews of the EHC plan at a placement (issue 12 §2): the first due on the first
anniversary of the start, reminders to the officer and the provider ahead of it (once), and
each held review scheduling the next while the placement lasts."""
import pytest
from sqlalchemy import select

import tenants
from marketplace.calloffs import services
from marketplace.extensions import db
from marketplace.notifications.models import OutboxMessage
from marketplace.placements import reviews
from marketplace.placements.models import Placement, PlacementReview

from ..calloffs import factories
from .test_lifecycle import _auth
from .test_placements import _award


@pytest.fixture
def placement(world, time_machine):
    """A two-year day placement from Saturday 23 January 2027 (104 weeks, to 20 January 2029)."""
    time_machine.move_to("2026-11-24 10:00 +00:00", tick=False)
    _, record = _award(world, factories.market(world), time_machine, length_weeks=104)
    with tenants.scoped_to(world.provider):
        services.accept_award(world.provider_user, record.id)
    with tenants.scoped_to(world.member):
        return db.session.scalar(select(Placement))


def _reviews(world):
    with tenants.scoped_to(world.member):
        return [(r.due_on.isoformat(), r.held_on and r.held_on.isoformat(),
                 r.reminded_at is not None)
                for r in db.session.scalars(select(PlacementReview).order_by(
                    PlacementReview.due_on).execution_options(populate_existing=True))]


def test_the_first_review_is_due_a_year_in_and_reminded_once_four_weeks_ahead(
        world, placement, time_machine):
    assert placement.end_date.isoformat() == "2029-01-20"
    assert _reviews(world) == [("2028-01-23", None, False)]
    time_machine.move_to("2027-12-25 09:00 +00:00", tick=False)  # 29 days ahead: not yet
    assert reviews.send_review_reminders() == 0
    time_machine.move_to("2027-12-26 09:00 +00:00", tick=False)  # 28 days ahead
    assert reviews.send_review_reminders() == 1
    assert reviews.send_review_reminders() == 0  # once
    assert _reviews(world) == [("2028-01-23", None, True)]
    with tenants.scoped_to(world.member):
        officers = db.session.scalars(select(OutboxMessage.recipient).where(
            OutboxMessage.template == "placement_review_due")).all()
    with tenants.scoped_to(world.provider):
        provider = db.session.scalars(select(OutboxMessage.recipient).where(
            OutboxMessage.template == "placement_review_due")).all()
    assert world.officer.email in officers and world.manager.email in officers
    assert provider == [world.provider_user.email]


def test_a_held_review_schedules_the_next_and_bad_input_is_refused(
        world, placement, client, time_machine):
    time_machine.move_to("2028-01-25 09:00 +00:00", tick=False)
    with tenants.scoped_to(world.member):
        review_id = db.session.scalar(select(PlacementReview.id))
    url = f"/api/v1/placement-reviews/{review_id}/record"
    future = client.post(url, json={"held_on": "2028-02-01", "notes": "Fine."},
                         headers=_auth(world.officer))
    assert future.status_code == 422 and "future" in str(future.json)
    no_notes = client.post(url, json={"held_on": "2028-01-24"}, headers=_auth(world.officer))
    assert no_notes.status_code == 422 and "notes" in str(no_notes.json)
    assert client.post(url, json={"held_on": "2028-01-24", "notes": "x"},
                       headers=_auth(world.provider_user)).status_code == 403
    held = client.post(url, json={"held_on": "2028-01-24", "notes": "Outcomes met; continue."},
                       headers=_auth(world.officer))
    assert held.status_code == 200 and held.json["held_on"] == "2028-01-24"
    # The next is 12 months after the review, 24 January 2029, after the last day (20 January
    # 2029): none is due.
    assert _reviews(world) == [("2028-01-23", "2028-01-24", False)]
    assert client.post(url, json={"held_on": "2028-01-24", "notes": "Again"},
                       headers=_auth(world.officer)).status_code == 409
    listed = client.get(f"/api/v1/placements/{placement.id}/reviews",
                        headers=_auth(world.provider_user)).json
    assert [r["notes"] for r in listed] == ["Outcomes met; continue."]


def test_the_officer_moves_the_next_review_within_the_placement(world, placement, client):
    url = f"/api/v1/placements/{placement.id}/reviews"
    outside = client.post(url, json={"due_on": "2029-03-01"}, headers=_auth(world.officer))
    assert outside.status_code == 422 and "within the placement" in str(outside.json)
    moved = client.post(url, json={"due_on": "2027-11-15"}, headers=_auth(world.officer))
    assert moved.status_code == 201 and moved.json["due_on"] == "2027-11-15"
    assert _reviews(world) == [("2027-11-15", None, False)]
    assert client.post(url, json={"due_on": "2027-10-01"},
                       headers=_auth(world.other_manager)).status_code == 404


def test_reviews_are_recorded_and_moved_on_the_pages(world, placement, as_user, time_machine):
    time_machine.move_to("2028-01-25 09:00 +00:00", tick=False)
    officer = as_user(world.officer)
    body = officer.get(f"/placements/{placement.id}").get_data(as_text=True)
    assert "Annual reviews" in body and "23 January 2028" in body and "Record the review" in body
    with tenants.scoped_to(world.member):
        review_id = db.session.scalar(select(PlacementReview.id))
    bad = officer.post(f"/placement-reviews/{review_id}", data={"held_on": ["24", "1", "2028"]})
    assert bad.status_code == 422 and "Enter what the review found" in bad.get_data(as_text=True)
    done = officer.post(f"/placement-reviews/{review_id}", data={
        "held_on": ["24", "1", "2028"], "notes": "Outcomes met."})
    assert done.status_code == 302
    assert _reviews(world) == [("2028-01-23", "2028-01-24", False)]
    moved = officer.post(f"/placements/{placement.id}/review-date",
                         data={"due_on": ["1", "12", "2028"]})
    assert moved.status_code == 302
    assert _reviews(world)[-1] == ("2028-12-01", None, False)
    assert as_user(world.provider_user).get(f"/placement-reviews/{review_id}").status_code == 403
