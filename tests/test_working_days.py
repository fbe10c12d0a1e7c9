"""The UK-wide working-day calendar (Procurement Act 2023 s.123): not a Saturday, Sunday,
Christmas Day, Good Friday, or a bank holiday in any part of the UK. Each expectation is worked
out by hand from the calendar in its docstring."""
from datetime import date, timedelta

import holidays
import pytest

from marketplace.working_days import (is_working_day, working_day_on_or_after,
                                      working_days_after, working_days_before,
                                      working_days_between)


@pytest.mark.parametrize("day, why", [
    (date(2025, 12, 25), "Christmas Day (s.123, and a bank holiday everywhere)"),
    (date(2025, 12, 26), "Boxing Day"),
    (date(2026, 12, 28), "Boxing Day 2026 falls on a Saturday: substitute Monday 28 December"),
    (date(2026, 1, 1), "New Year's Day"),
    (date(2026, 1, 2), "2 January: a bank holiday in Scotland only"),
    (date(2027, 1, 4), "2 January 2027 is a Saturday: Scotland's substitute Monday 4 January"),
    (date(2026, 4, 3), "Good Friday (s.123)"),
    (date(2026, 4, 6), "Easter Monday: England, Wales and Northern Ireland"),
    (date(2026, 3, 17), "St Patrick's Day: Northern Ireland"),
    (date(2026, 7, 13), "Battle of the Boyne (12 July is a Sunday): Northern Ireland"),
    (date(2026, 8, 3), "Summer bank holiday: Scotland"),
    (date(2026, 8, 31), "Summer bank holiday: England, Wales and Northern Ireland"),
    (date(2026, 11, 30), "St Andrew's Day: Scotland"),
    (date(2026, 12, 5), "a Saturday"),
    (date(2026, 12, 6), "a Sunday"),
])
def test_s123_a_bank_holiday_in_any_part_of_the_uk_or_a_weekend_is_not_a_working_day(day, why):
    assert not is_working_day(day), why


@pytest.mark.parametrize("day", [date(2025, 12, 24), date(2025, 12, 29), date(2026, 4, 7),
                                 date(2026, 12, 4), date(2027, 1, 5)])
def test_s123_an_ordinary_weekday_is_a_working_day(day):
    assert is_working_day(day)


def test_s123_the_2_january_holiday_is_scottish_only_so_the_union_of_the_four_parts_matters():
    assert date(2026, 1, 2) not in holidays.UK(subdiv="ENG", years=2026)
    assert date(2026, 1, 2) in holidays.UK(subdiv="SCT", years=2026)


def test_s123_the_christmas_new_year_run_2025_26_counted_by_hand():
    """From Saturday 20 December 2025 for 18 days: Sat 20, Sun 21 weekend; Mon 22, Tue 23,
    Wed 24 working; Thu 25 Christmas Day; Fri 26 Boxing Day; Sat 27, Sun 28 weekend; Mon 29,
    Tue 30, Wed 31 working; Thu 1 January New Year's Day; Fri 2 January a Scottish bank
    holiday; Sat 3, Sun 4 weekend; Mon 5, Tue 6 working."""
    span = [date(2025, 12, 20) + timedelta(days=n) for n in range(18)]
    assert [d for d in span if is_working_day(d)] == [
        date(2025, 12, 22), date(2025, 12, 23), date(2025, 12, 24), date(2025, 12, 29),
        date(2025, 12, 30), date(2025, 12, 31), date(2026, 1, 5), date(2026, 1, 6)]
    assert working_days_between(date(2025, 12, 20), date(2026, 1, 6)) == 8


def test_counting_after_and_before_skips_the_start_day_and_non_working_days():
    """After Wednesday 2 December 2026: Thu 3 (1), Fri 4 (2), Mon 7 (3). Before Monday 7
    December: Fri 4 (1), Thu 3 (2). Easter 2026 backwards from Tuesday 7 April: Mon 6 Easter
    Monday and Fri 3 Good Friday are skipped, so the 1st working day before is Thu 2 April."""
    assert working_days_after(date(2026, 12, 2), 1) == date(2026, 12, 3)
    assert working_days_after(date(2026, 12, 2), 3) == date(2026, 12, 7)
    assert working_days_before(date(2026, 12, 7), 1) == date(2026, 12, 4)
    assert working_days_before(date(2026, 12, 7), 2) == date(2026, 12, 3)
    assert working_days_before(date(2026, 4, 7), 1) == date(2026, 4, 2)


def test_the_working_day_on_or_after_a_day():
    """A working day is itself; Saturday 5 December 2026 moves to Monday 7; Good Friday 3 April
    2026 moves past Easter Monday to Tuesday 7 April."""
    assert working_day_on_or_after(date(2026, 12, 4)) == date(2026, 12, 4)
    assert working_day_on_or_after(date(2026, 12, 5)) == date(2026, 12, 7)
    assert working_day_on_or_after(date(2026, 4, 3)) == date(2026, 4, 7)


def test_the_count_includes_both_ends():
    """Monday 7 to Friday 11 December 2026 is five working days; a weekend alone is none."""
    assert working_days_between(date(2026, 12, 7), date(2026, 12, 11)) == 5
    assert working_days_between(date(2026, 12, 5), date(2026, 12, 6)) == 0


def test_a_count_below_one_is_refused():
    with pytest.raises(ValueError):
        working_days_after(date(2026, 12, 2), 0)
