"""Reminders before a call-off's deadline and the notice that offers have opened."""
from datetime import timedelta

import pytest
from sqlalchemy import select

import tenants
from marketplace.calloffs import jobs
from marketplace.extensions import db
from marketplace.notifications.models import OutboxMessage
from tests.calloffs import factories as f


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to("2026-11-24 10:00 +00:00", tick=False)


def _emails(organisation, template):
    with tenants.scoped_to(organisation):
        return db.session.scalars(select(OutboxMessage.recipient).where(
            OutboxMessage.template == template)).all()


def test_only_providers_that_have_not_responded_are_reminded_once(world, time_machine):
    call_off = f.published(world.officer, f.market(world))
    f.offer(world.provider_user, call_off)
    assert jobs.run_due() == {"call_off_reminders": 0, "call_offs_opened": 0}
    # 48 hours before the deadline the reminder is due.
    time_machine.move_to(call_off.response_deadline - timedelta(hours=47), tick=False)
    assert jobs.run_due() == {"call_off_reminders": 1, "call_offs_opened": 0}
    assert jobs.run_due() == {"call_off_reminders": 0, "call_offs_opened": 0}
    assert _emails(world.other_provider, "call_off_reminder") == [world.other_provider_user.email]
    assert _emails(world.provider, "call_off_reminder") == []


def test_the_officer_is_told_once_when_offers_open(world, time_machine):
    call_off = f.published(world.officer, f.market(world))
    f.offer(world.provider_user, call_off)
    f.offer(world.other_provider_user, call_off, can_meet_need=False)
    time_machine.move_to(call_off.response_deadline - timedelta(seconds=1), tick=False)
    assert jobs.run_due()["call_offs_opened"] == 0
    time_machine.move_to(call_off.response_deadline, tick=False)
    assert jobs.run_due()["call_offs_opened"] == 1
    assert jobs.run_due()["call_offs_opened"] == 0
    assert _emails(world.member, "call_off_offers_opened") == [world.officer.email]
