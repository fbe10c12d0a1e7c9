"""Call-off standstill, end to end: an award made at a chosen moment can be accepted exactly
when its rule says, and the officer's page, the provider's page, the award email and the API
say the same thing, from the award's own recorded rule and end (a later change to the system's
setting changes none of them). The rules themselves: tests/purchasing/test_standstill.py."""
import re
from datetime import date, datetime, timedelta, timezone

import pytest
import tenants
from marketplace.calloffs import services
from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.notifications.backends import MEMORY_MAILBOX
from marketplace.purchasing.models import StandstillRule
from marketplace.purchasing.services import get_system
from tests.conftest import IsolatedClient
from tests.helpers import bearer_token
from tests.notifications.helpers import mailbox, run_queued_jobs

from . import factories

UTC = timezone.utc


@pytest.fixture
def lot(world, time_machine):
    # Published on Tuesday 24 November 2026: the response deadline is midday on Friday 4
    # December (factories.deadline), so awards from Monday 7 December on are after it.
    time_machine.move_to("2026-11-24 10:00 +00:00", tick=False)
    return factories.market(world)


def _set_rule(world, rule):
    with tenants.scoped_to(world.host):
        get_system().call_off_standstill = rule
        db.session.commit()


def _award_at(world, lot, time_machine, made_at):
    call_off = factories.published(world.officer, lot)
    offer = factories.offer(world.provider_user, call_off, core=150000)
    other = factories.offer(world.other_provider_user, call_off, core=170000)
    time_machine.move_to(made_at, tick=False)
    with tenants.scoped_to(world.member):
        for made in (offer, other):
            services.record_quality_mark(world.officer, call_off.id, made.id, mark=70)
        record = services.award(world.officer, call_off.id, offer.id)
    return call_off, record


def _words(response):
    assert response.status_code == 200, response.status_code
    return " ".join(response.get_data(as_text=True).split())


def _row(page, key):
    """The value of a summary list's row."""
    found = re.search(rf'<dt class="govuk-summary-list__key"> {key} </dt> '
                      r'<dd class="govuk-summary-list__value"> (.*?) </dd>', page)
    return found and found.group(1)


def _api(app, user, award_id):
    client = IsolatedClient(app, app.response_class)
    response = client.get(f"/api/v1/awards/{award_id}",
                          headers={"Authorization": f"Bearer {bearer_token(user).token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def _emails_to(app, user):
    run_queued_jobs(app)
    return " ".join(" ".join(email.get_body(("plain",)).get_content().split())
                    for email in app.extensions[MEMORY_MAILBOX] if email["To"] == user.email)


@pytest.mark.parametrize("rule, made_at, last_day, last_words, too_early", [
    pytest.param(
        StandstillRule.WORKING_DAYS_8, datetime(2026, 12, 7, 10, tzinfo=UTC),
        date(2026, 12, 16), "Wednesday 16 December 2026", None,
        # PA 2023 s.51, made Monday 7 December 2026: Mon 7 (1), Tue 8 (2), Wed 9 (3), Thu 10
        # (4), Fri 11 (5), Mon 14 (6), Tue 15 (7), Wed 16 (8): acceptable from 00:00 on
        # Thursday 17 December (GMT = UTC). From the day after, it was Friday 18.
        id="pa2023_s51"),
    pytest.param(
        StandstillRule.CALENDAR_DAYS_10, datetime(2026, 12, 9, 10, tzinfo=UTC),
        date(2026, 12, 21), "Monday 21 December 2026", datetime(2026, 12, 20, tzinfo=UTC),
        # PCR 2015 reg 87, made Wednesday 9 December 2026: the 10th day after is Saturday 19;
        # Sunday 20 is not a working day either; it ends at the end of Monday 21, acceptable
        # from 00:00 on Tuesday 22. Uncarried, it was acceptable on Sunday 20.
        id="pcr2015_reg87"),
])
def test_award_standstill_is_the_same_on_every_page_and_ends_when_the_rule_says(
        world, lot, time_machine, as_user, app, rule, made_at, last_day, last_words,
        too_early):
    _set_rule(world, rule)
    mailbox(app)
    call_off, record = _award_at(world, lot, time_machine, made_at)
    ends = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    # The host changes its setting afterwards: the award keeps the rule it was made under.
    _set_rule(world, StandstillRule.NONE)

    until = f"midnight at the end of {last_words}"
    officer_page = _words(as_user(world.officer).get(f"/call-offs/{call_off.id}/evaluation"))
    assert _row(officer_page, "Standstill") == f"Until {until}"
    provider_page = _words(as_user(world.provider_user).get(f"/awards/{record.id}"))
    assert _row(provider_page, "Standstill") == f"Until {until}"
    assert f"You can accept the award once standstill ends at {until} (UK time)." in provider_page
    assert f"Standstill runs until {until} (UK time); you can accept after that." in (
        _emails_to(app, world.provider_user))
    for user in (world.officer, world.provider_user):
        body = _api(app, user, record.id)
        assert (body["standstill_rule"], body["standstill_last_day"]) == (
            rule.value, last_day.isoformat())
        assert datetime.fromisoformat(body["standstill_ends_at"]) == ends

    for moment in filter(None, [too_early, ends - timedelta(seconds=1)]):
        time_machine.move_to(moment, tick=False)
        with tenants.scoped_to(world.provider), pytest.raises(Conflict, match=until):
            services.accept_award(world.provider_user, record.id)
    time_machine.move_to(ends, tick=False)
    with tenants.scoped_to(world.provider):
        services.accept_award(world.provider_user, record.id)


def test_with_no_standstill_the_officer_and_the_provider_both_read_none(
        world, lot, time_machine, as_user, app):
    """No call-off standstill (the system's default): the officer's award page once read
    "Standstill ends 7 December 2026 at 10am" (the moment of the award) while the provider's
    read "No standstill applies". Both now read the award's own rule."""
    _set_rule(world, StandstillRule.NONE)
    call_off, record = _award_at(world, lot, time_machine, datetime(2026, 12, 7, 10,
                                                                    tzinfo=UTC))
    # A standstill set later does not reach back to the award.
    _set_rule(world, StandstillRule.WORKING_DAYS_8)
    officer_page = _words(as_user(world.officer).get(f"/call-offs/{call_off.id}/evaluation"))
    assert _row(officer_page, "Standstill") == "No standstill applies"
    provider_page = _words(as_user(world.provider_user).get(f"/awards/{record.id}"))
    assert _row(provider_page, "Standstill") == "No standstill applies"
    assert "Accept the award" in provider_page
    body = _api(app, world.officer, record.id)
    assert (body["standstill_rule"], body["standstill_last_day"]) == ("none", None)
    with tenants.scoped_to(world.provider):
        services.accept_award(world.provider_user, record.id)
