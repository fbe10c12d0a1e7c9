"""The Procurement Act 2023 s.49 reopening rule for open frameworks, as a pure function."""
from datetime import date

import pytest

from marketplace.windows.services import reopening_warnings

START, END = date(2025, 4, 1), date(2031, 3, 31)  # a six-year term


def test_a_plan_that_reopens_in_time_has_no_warnings():
    """First within 3 years of the start, the next within 5 years of it, to the end."""
    assert reopening_warnings(START, END, [date(2028, 3, 31)]) == []
    assert reopening_warnings(START, date(2033, 3, 31),
                              [date(2026, 1, 5), date(2031, 1, 5)]) == []


def test_the_first_opening_must_be_within_three_years_of_the_start():
    warnings = reopening_warnings(START, END, [date(2028, 4, 2)])
    assert warnings == [
        "No window opens between the start of the term on 1 April 2025 and 1 April 2028: the "
        "framework must reopen within 3 years of its start (the next window opens on "
        "2 April 2028)."]


def test_on_the_third_anniversary_itself_is_in_time():
    assert reopening_warnings(START, END, [date(2028, 4, 1)]) == []


def test_each_opening_must_be_within_five_years_of_the_previous_one():
    warnings = reopening_warnings(START, date(2033, 3, 31), [date(2026, 1, 5), date(2031, 1, 6)])
    assert warnings == [
        "No window opens between the opening on 5 January 2026 and 5 January 2031: the "
        "framework must reopen within 5 years of it (the next window opens on 6 January 2031)."]


def test_a_plan_that_stops_reopening_before_the_end_is_warned():
    warnings = reopening_warnings(START, date(2033, 3, 31), [date(2026, 1, 5)])
    assert warnings == [
        "No window is planned to open by 5 January 2031: the framework must reopen by then, as "
        "its term runs to 31 March 2033."]


def test_no_windows_at_all_is_warned():
    assert reopening_warnings(START, END, []) == [
        "No window is planned to open by 1 April 2028: the framework must reopen by then "
        "(within 3 years of its start), as its term runs to 31 March 2031."]


@pytest.mark.parametrize("term_end, warned", [(date(2033, 4, 1), False),
                                              (date(2033, 4, 2), True)])
def test_the_term_may_not_exceed_eight_years(term_end, warned):
    openings = [date(2026, 1, 5), date(2030, 1, 5)]
    warnings = reopening_warnings(START, term_end, openings)
    assert any("may last at most 8 years" in w for w in warnings) == warned


def test_order_of_the_openings_does_not_matter():
    openings = [date(2031, 1, 5), date(2026, 1, 5)]
    assert reopening_warnings(START, date(2033, 3, 31), openings) == []


def test_openings_after_the_end_of_the_term_do_not_count():
    warnings = reopening_warnings(START, END, [date(2032, 1, 1)])
    assert len(warnings) == 1 and "1 April 2028" in warnings[0]
