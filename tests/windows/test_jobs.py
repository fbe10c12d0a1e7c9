"""The windows job: providers told once when a window opens, and reminded once before it
closes if they have not submitted."""
from datetime import datetime, timedelta, timezone

import pytest

import tenants
from marketplace.extensions import db
from marketplace.notifications import OutboxMessage
from marketplace.windows import jobs
from marketplace.windows.models import AdmissionWindow

from .. import factories as base_factories
from . import factories

OPENS = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
CLOSES = OPENS + timedelta(days=21)


@pytest.fixture
def window(world, time_machine):
    time_machine.move_to(OPENS - timedelta(days=2), tick=False)
    return factories.window(world.host, opens_at=OPENS, closes_at=CLOSES)


def _messages(template):
    """Every message with the template, whoever owns it (read in each provider's scope)."""
    found = []
    for provider in db.session.scalars(db.select(base_factories.Provider)).all():
        with tenants.scoped_to(provider):
            found += [(m.recipient, m.subject) for m in db.session.scalars(
                db.select(OutboxMessage).where(OutboxMessage.template == template))]
    return sorted(found)


def test_nothing_is_sent_before_the_window_opens(world, window):
    assert jobs.run_due() == {"window_openings_announced": 0, "window_close_reminders_sent": 0}
    assert _messages("window_opened") == []


def test_every_provider_is_told_once_when_the_window_opens(world, window, time_machine):
    time_machine.move_to(OPENS + timedelta(minutes=1), tick=False)
    assert jobs.run_due()["window_openings_announced"] == 1
    assert jobs.run_due()["window_openings_announced"] == 0
    subject = "Round 7 is open for applications"
    assert _messages("window_opened") == sorted([
        (world.provider_user.email, subject), (world.other_provider_user.email, subject)])
    with tenants.scoped_to(world.host):
        stamped = db.session.get(AdmissionWindow, window.id)
        assert stamped.opened_notified_at == OPENS + timedelta(minutes=1)


def test_providers_without_a_submission_are_reminded_once_before_the_close(
        world, window, time_machine):
    time_machine.move_to(OPENS + timedelta(minutes=1), tick=False)
    jobs.run_due()
    factories.application(world.other_provider, window, submitted=True)
    factories.application(world.provider, window)  # a draft: still reminded
    time_machine.move_to(CLOSES - timedelta(days=3, seconds=1), tick=False)
    assert jobs.run_due()["window_close_reminders_sent"] == 0
    time_machine.move_to(CLOSES - timedelta(days=3), tick=False)
    assert jobs.run_due()["window_close_reminders_sent"] == 1
    time_machine.move_to(CLOSES - timedelta(days=1), tick=False)
    assert jobs.run_due()["window_close_reminders_sent"] == 0
    assert _messages("window_closing") == [
        (world.provider_user.email, "Round 7 closes on 22 December 2026 at 9am")]


def test_a_closed_window_sends_nothing(world, window, time_machine):
    """A window that closed before the job ever ran is not announced after the event."""
    time_machine.move_to(CLOSES + timedelta(seconds=1), tick=False)
    assert jobs.run_due() == {"window_openings_announced": 0, "window_close_reminders_sent": 0}


def test_an_always_open_window_is_announced_and_never_reminded(world, time_machine):
    time_machine.move_to(OPENS, tick=False)
    factories.window(world.host, opens_at=OPENS, always_open=True)
    time_machine.move_to(OPENS + timedelta(days=400), tick=False)
    assert jobs.run_due() == {"window_openings_announced": 1, "window_close_reminders_sent": 0}
    assert jobs.run_due() == {"window_openings_announced": 0, "window_close_reminders_sent": 0}
