"""Standstill ends, computed for a decision notified on Friday 19 December 2025 and checked
against the calendar written out by hand."""
from datetime import date, datetime, timedelta, timezone

import pytest

from marketplace.evaluation.standstill import (is_working_day, last_standstill_day,
                                               standstill_end, uk_bank_holiday)
from marketplace.purchasing.models import StandstillRule

# 3pm UK time (GMT in December, so 15:00 UTC) on Friday 19 December 2025.
NOTIFIED = datetime(2025, 12, 19, 15, 0, tzinfo=timezone.utc)


def test_the_notification_day_is_a_friday():
    assert NOTIFIED.date().weekday() == 4


def test_no_standstill_ends_when_notified():
    assert standstill_end(StandstillRule.NONE, NOTIFIED) == NOTIFIED
    assert last_standstill_day(StandstillRule.NONE, NOTIFIED.date()) is None


def test_ten_calendar_days_end_at_midnight_after_monday_29_december():
    """Day 1 is Saturday 20 December; day 10 is Monday 29 December (Christmas and weekends
    count as calendar days). Standstill runs to the end of the 29th, so the admission takes
    effect at 00:00 UK time on Tuesday 30 December 2025 (GMT, so 00:00 UTC)."""
    days = [NOTIFIED.date() + timedelta(days=n) for n in range(1, 11)]
    assert days[0] == date(2025, 12, 20) and days[-1] == date(2025, 12, 29)
    assert last_standstill_day(StandstillRule.CALENDAR_DAYS_10, NOTIFIED.date()) == date(2025, 12, 29)
    assert standstill_end(StandstillRule.CALENDAR_DAYS_10, NOTIFIED) == datetime(
        2025, 12, 30, 0, 0, tzinfo=timezone.utc)


def test_eight_working_days_skip_christmas_new_year_and_the_scottish_2_january():
    """Working days after Friday 19 December 2025, counted by hand:
    Sat 20, Sun 21 weekend; Mon 22 (1), Tue 23 (2), Wed 24 (3); Thu 25 Christmas Day; Fri 26
    Boxing Day; Sat 27, Sun 28 weekend; Mon 29 (4), Tue 30 (5), Wed 31 (6); Thu 1 January New
    Year's Day; Fri 2 January a bank holiday in Scotland only, so not a working day anywhere in
    the UK; Sat 3, Sun 4 weekend; Mon 5 (7), Tue 6 (8). Standstill ends at the end of Tuesday
    6 January 2026; the admission takes effect at 00:00 on Wednesday 7 January 2026."""
    expected_working = [date(2025, 12, 22), date(2025, 12, 23), date(2025, 12, 24),
                        date(2025, 12, 29), date(2025, 12, 30), date(2025, 12, 31),
                        date(2026, 1, 5), date(2026, 1, 6)]
    span = [date(2025, 12, 20) + timedelta(days=n) for n in range(18)]
    assert [d for d in span if is_working_day(d)] == expected_working
    assert last_standstill_day(StandstillRule.WORKING_DAYS_8, NOTIFIED.date()) == date(2026, 1, 6)
    assert standstill_end(StandstillRule.WORKING_DAYS_8, NOTIFIED) == datetime(
        2026, 1, 7, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("day, why", [
    (date(2025, 12, 25), "Christmas Day"),
    (date(2025, 12, 26), "Boxing Day"),
    (date(2026, 1, 1), "New Year's Day"),
    (date(2026, 1, 2), "2 January (Scotland)"),
    (date(2026, 4, 3), "Good Friday"),
    (date(2026, 3, 17), "St Patrick's Day (Northern Ireland)"),
    (date(2026, 8, 3), "Summer bank holiday (Scotland)"),
])
def test_a_bank_holiday_in_any_part_of_the_uk_is_not_a_working_day(day, why):
    assert uk_bank_holiday(day) is not None, why
    assert not is_working_day(day), why


def test_the_2_january_holiday_is_scottish_only():
    """The union matters: England alone would count 2 January 2026 as a working day."""
    import holidays

    assert date(2026, 1, 2) not in holidays.UK(subdiv="ENG", years=2026)
    assert date(2026, 1, 2) in holidays.UK(subdiv="SCT", years=2026)


def test_in_summer_time_the_end_is_midnight_uk_time():
    """Notified Friday 3 July 2026 (BST): 10 calendar days end Monday 13 July; the admission
    takes effect at 00:00 BST on 14 July, which is 23:00 UTC on 13 July."""
    notified = datetime(2026, 7, 3, 10, 0, tzinfo=timezone.utc)
    assert standstill_end(StandstillRule.CALENDAR_DAYS_10, notified) == datetime(
        2026, 7, 13, 23, 0, tzinfo=timezone.utc)


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError):
        standstill_end(StandstillRule.CALENDAR_DAYS_10, datetime(2025, 12, 19, 15, 0))
