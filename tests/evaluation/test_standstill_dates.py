"""An admission decision notified at a chosen moment becomes active exactly when its standstill
rule says, and the decision page, the feedback letter (HTML and PDF), the admission pages and
the API all name the same last day. The rules are pinned day by day in
tests/purchasing/test_standstill.py; here they are driven end to end with the clock moved."""
import re
import zlib
from datetime import date, datetime, timedelta, timezone

import pytest

from marketplace.evaluation import admissions
from marketplace.extensions import db
from marketplace.purchasing.models import PurchasingSystem, StandstillRule
from tests.helpers import bearer_token

from . import factories
from .test_evaluation import api_client

UTC = timezone.utc

CASES = [
    pytest.param(
        StandstillRule.WORKING_DAYS_8, datetime(2026, 12, 2, 10, tzinfo=UTC),
        date(2026, 12, 11), datetime(2026, 12, 15, tzinfo=UTC),
        "Friday 11 December 2026", "Saturday 12 December 2026",
        # PA 2023 s.51, notified Wednesday 2 December 2026: Wed 2 (1), Thu 3 (2), Fri 4 (3),
        # Mon 7 (4), Tue 8 (5), Wed 9 (6), Thu 10 (7), Fri 11 (8). Active from 00:00 on
        # Saturday 12 December (GMT = UTC); counting from the day after made it Tuesday 15.
        id="pa2023_s51_eight_working_days_beginning_with_the_notice_day"),
    pytest.param(
        StandstillRule.CALENDAR_DAYS_10, datetime(2026, 12, 2, 10, tzinfo=UTC),
        date(2026, 12, 14), datetime(2026, 12, 13, tzinfo=UTC),
        "Monday 14 December 2026", "Tuesday 15 December 2026",
        # PCR 2015 reg 87, sent Wednesday 2 December 2026: the 10th day after is Saturday 12;
        # not a working day, nor is Sunday 13: it ends at the end of Monday 14, active from
        # 00:00 on Tuesday 15. Uncarried, it took effect at 00:00 on Sunday 13.
        id="pcr2015_reg87_a_10th_day_on_a_saturday_is_carried_to_monday"),
    pytest.param(
        StandstillRule.CALENDAR_DAYS_10, datetime(2026, 12, 15, 10, tzinfo=UTC),
        date(2026, 12, 29), datetime(2026, 12, 26, tzinfo=UTC),
        "Tuesday 29 December 2026", "Wednesday 30 December 2026",
        # PCR 2015 reg 87, sent Tuesday 15 December 2026: the 10th day after is Christmas Day
        # (Friday 25); Sat 26, Sun 27 and Mon 28 (Boxing Day, substitute) follow: it ends at
        # the end of Tuesday 29. Uncarried, it took effect at 00:00 on Boxing Day.
        id="pcr2015_reg87_a_10th_day_on_christmas_day_is_carried_past_boxing_day"),
]


def _pdf_text(data):
    """The PDF's text strings, joined (a sentence may be wrapped over lines)."""
    text = b""
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            text += zlib.decompress(stream)
        except zlib.error:
            pass
    strings = b" ".join(re.findall(rb"\((.*?)(?<!\\)\)\s*Tj", text))
    return re.sub(rb"\\([()\\])", rb"\1", strings).decode("latin-1")


def _words(text):
    return " ".join(text.split())


@pytest.mark.parametrize(
    "rule, notified, last_day, wrong_start, last_words, first_words", CASES)
def test_the_admission_becomes_active_when_the_rule_says_and_every_page_agrees(
        world, scoped, time_machine, as_user, app, rule, notified, last_day, wrong_start,
        last_words, first_words):
    system = factories.purchasing_factories.system(world.host)
    with scoped(world.host):
        db.session.get(PurchasingSystem, system.id).admission_standstill = rule
        db.session.commit()
    time_machine.move_to(notified, tick=False)
    application, decision = factories.decided(world)
    lot = application.window.lots[0]
    starts = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)

    with scoped(world.member):
        # Active exactly at the start of the day after the last day: not on the old day,
        # not a second early, and never on a Sunday or Boxing Day.
        time_machine.move_to(min(wrong_start, starts - timedelta(seconds=1)), tick=False)
        assert admissions.active_admissions(lot.id) == []
        time_machine.move_to(starts - timedelta(seconds=1), tick=False)
        assert admissions.active_admissions(lot.id) == []
        time_machine.move_to(starts, tick=False)
        active = admissions.active_admissions(lot.id)
        assert [a.provider_id for a in active] == [world.provider.id]
        assert active[0].effective_at == starts
        assert starts.weekday() != 6 and (starts.month, starts.day) != (12, 26)

    until = f"midnight at the end of {last_words}"
    provider = as_user(world.provider_user)
    page = _words(provider.get(f"/applications/{application.id}/decision").get_data(
        as_text=True))
    sentence = (f"Standstill of {rule.label} runs until {until}; then the admission takes "
                "effect.")
    assert f"Until {until}" in page and sentence in page
    assert "12am" not in page and "1am" not in page
    letter = _words(provider.get(f"/applications/{application.id}/letter").get_data(
        as_text=True))
    assert sentence in letter
    pdf = provider.get(f"/applications/{application.id}/letter.pdf")
    assert sentence in _words(_pdf_text(pdf.data))

    api = api_client(app)
    headers = {"Authorization": f"Bearer {bearer_token(world.provider_user).token}"}
    body = api.get(f"/api/v1/applications/{application.id}/decision", headers=headers).json
    assert body["standstill_rule"] == rule.value
    assert body["standstill_last_day"] == last_day.isoformat()
    assert datetime.fromisoformat(body["standstill_ends_at"]) == starts

    manager = as_user(world.manager)
    listed = manager.get(f"/api/v1/admissions?lot_id={lot.id}").json
    assert [(a["effective_on"], datetime.fromisoformat(a["effective_at"])) for a in listed] == [
        ((last_day + timedelta(days=1)).isoformat(), starts)]
    table = _words(manager.get(f"/admissions?lot={lot.id}").get_data(as_text=True))
    assert first_words in table
    with scoped(world.member):
        admission_id = active[0].id
    host = as_user(world.host_admin)
    detail = _words(host.get(f"/admissions/{admission_id}").get_data(as_text=True))
    assert f"Effective from </dt> <dd class=\"govuk-summary-list__value\"> {first_words}" in detail
    assert f"Until {until}" in detail


def test_pa2023_in_summer_time_the_admission_page_shows_the_day_not_1am(
        world, scoped, time_machine, as_user):
    """PA 2023 s.51, notified Tuesday 25 August 2026: Tue 25 (1), Wed 26 (2), Thu 27 (3), Fri
    28 (4), [Mon 31 August bank holiday], Tue 1 September (5), Wed 2 (6), Thu 3 (7), Fri 4
    (8). Active from 00:00 BST on Saturday 5 September, which is 23:00 UTC on 4 September:
    shown as the day, never as "midnight" or "12am"/"1am" on a day standstill covers."""
    system = factories.purchasing_factories.system(world.host)
    with scoped(world.host):
        db.session.get(PurchasingSystem, system.id).admission_standstill = \
            StandstillRule.WORKING_DAYS_8
        db.session.commit()
    time_machine.move_to(datetime(2026, 8, 25, 9, tzinfo=UTC), tick=False)
    application, decision = factories.decided(world)
    with scoped(world.host):
        db.session.refresh(decision)
        assert decision.standstill_ends_at == datetime(2026, 9, 4, 23, tzinfo=UTC)
        admission_id = decision.admissions[0].id
    page = _words(as_user(world.host_admin).get(f"/admissions/{admission_id}").get_data(
        as_text=True))
    assert "Saturday 5 September 2026" in page
    assert "Until midnight at the end of Friday 4 September 2026" in page
    assert "1am" not in page and "12am" not in page
