"""Standstill under both regimes, each expected last day worked out by hand in the docstring.

- Procurement Act 2023 s.51: eight working days *beginning with* the day the notice is
  published (day 1 is that day when it is a working day, else the next working day); it ends
  at midnight at the end of day 8.
- Public Contracts Regulations 2015 reg 87: ends at midnight at the end of the 10th
  day after the notice is sent; where that day is not a working day, at the end of the next
  working day.

Working days are the UK-wide ones of s.123 (tests/test_working_days.py). The stored end is
00:00 UK time on the day after the last day, in UTC (GMT in winter, BST in summer).
"""
from datetime import date, datetime, timezone

import pytest

from marketplace.purchasing.models import StandstillRule
from marketplace.purchasing.standstill import last_day, recorded, standstill_end

PA = StandstillRule.WORKING_DAYS_8
PCR = StandstillRule.CALENDAR_DAYS_10
UTC = timezone.utc


def _at(y, m, d, hour=10):
    return datetime(y, m, d, hour, tzinfo=UTC)


def test_pa2023_s51_across_a_weekend_the_notice_day_is_day_1():
    """Published Wednesday 2 December 2026: Wed 2 (1), Thu 3 (2), Fri 4 (3), Sat 5 and Sun 6
    skipped, Mon 7 (4), Tue 8 (5), Wed 9 (6), Thu 10 (7), Fri 11 (8). Ends at midnight at the
    end of Friday 11 December (GMT): the first instant after is 00:00 UTC on 12 December."""
    assert last_day(PA, _at(2026, 12, 2)) == date(2026, 12, 11)
    assert standstill_end(PA, _at(2026, 12, 2)) == datetime(2026, 12, 12, tzinfo=UTC)


def test_pa2023_s51_across_a_bank_holiday():
    """Published Tuesday 25 August 2026: Tue 25 (1), Wed 26 (2), Thu 27 (3), Fri 28 (4), Mon 31
    the summer bank holiday (England, Wales, Northern Ireland) skipped, Tue 1 September (5),
    Wed 2 (6), Thu 3 (7), Fri 4 (8). BST: ends 00:00 BST 5 September = 23:00 UTC 4 September."""
    assert last_day(PA, _at(2026, 8, 25)) == date(2026, 9, 4)
    assert standstill_end(PA, _at(2026, 8, 25)) == datetime(2026, 9, 4, 23, tzinfo=UTC)


def test_pa2023_s51_across_christmas_and_new_year_with_scotlands_2_january():
    """Published Friday 19 December 2025: Fri 19 (1), Mon 22 (2), Tue 23 (3), Wed 24 (4), Thu
    25 Christmas Day and Fri 26 Boxing Day skipped, Mon 29 (5), Tue 30 (6), Wed 31 (7), Thu 1
    January and Fri 2 January (Scotland) skipped, Mon 5 January 2026 (8)."""
    assert last_day(PA, _at(2025, 12, 19, 15)) == date(2026, 1, 5)
    assert standstill_end(PA, _at(2025, 12, 19, 15)) == datetime(2026, 1, 6, tzinfo=UTC)


def test_pa2023_s51_across_easter():
    """Published Thursday 2 April 2026: Thu 2 (1), Fri 3 Good Friday and Mon 6 Easter Monday
    skipped, Tue 7 (2), Wed 8 (3), Thu 9 (4), Fri 10 (5), Mon 13 (6), Tue 14 (7), Wed 15 (8).
    BST: ends 23:00 UTC on Wednesday 15 April."""
    assert last_day(PA, _at(2026, 4, 2)) == date(2026, 4, 15)
    assert standstill_end(PA, _at(2026, 4, 2)) == datetime(2026, 4, 15, 23, tzinfo=UTC)


def test_pa2023_s51_a_notice_published_on_a_saturday_starts_on_the_next_working_day():
    """Published Saturday 5 December 2026: day 1 is Monday 7, Tue 8 (2), Wed 9 (3), Thu 10 (4),
    Fri 11 (5), Mon 14 (6), Tue 15 (7), Wed 16 (8)."""
    assert last_day(PA, _at(2026, 12, 5)) == date(2026, 12, 16)


def test_pa2023_s51_a_notice_published_on_good_friday_starts_after_easter_monday():
    """Published Good Friday 3 April 2026: day 1 is Tuesday 7 April (Easter Monday skipped),
    Wed 8 (2), Thu 9 (3), Fri 10 (4), Mon 13 (5), Tue 14 (6), Wed 15 (7), Thu 16 (8)."""
    assert last_day(PA, _at(2026, 4, 3)) == date(2026, 4, 16)


def test_pa2023_s51_the_day_of_publication_is_the_uk_day():
    """23:30 UTC on Thursday 2 July 2026 is 00:30 BST on Friday 3 July: day 1 is Friday 3, Mon
    6 (2), Tue 7 (3), Wed 8 (4), Thu 9 (5), Fri 10 (6), Mon 13 the Battle of the Boyne holiday
    (Northern Ireland) skipped, Tue 14 (7), Wed 15 (8)."""
    assert last_day(PA, datetime(2026, 7, 2, 23, 30, tzinfo=UTC)) == date(2026, 7, 15)


def test_pcr2015_reg87_a_10th_day_on_a_weekend_is_carried_to_the_next_working_day():
    """Sent Wednesday 2 December 2026: the 10th day after is Saturday 12 December, not a
    working day; Sunday 13 is not either; it ends at the end of Monday 14 December."""
    assert last_day(PCR, _at(2026, 12, 2)) == date(2026, 12, 14)
    assert standstill_end(PCR, _at(2026, 12, 2)) == datetime(2026, 12, 15, tzinfo=UTC)


def test_pcr2015_reg87_a_10th_day_on_a_bank_holiday_is_carried_forward():
    """Sent Friday 21 August 2026: the 10th day after is Monday 31 August, the summer bank
    holiday; it ends at the end of Tuesday 1 September (BST: 23:00 UTC on 1 September)."""
    assert last_day(PCR, _at(2026, 8, 21)) == date(2026, 9, 1)
    assert standstill_end(PCR, _at(2026, 8, 21)) == datetime(2026, 9, 1, 23, tzinfo=UTC)


def test_pcr2015_reg87_a_10th_day_on_christmas_day_is_carried_past_boxing_day():
    """Sent Tuesday 15 December 2026: the 10th day after is Friday 25 December (Christmas Day);
    Sat 26, Sun 27, and Mon 28 (Boxing Day, substitute) are not working days; it ends at the
    end of Tuesday 29 December, never taking effect on Boxing Day."""
    assert last_day(PCR, _at(2026, 12, 15)) == date(2026, 12, 29)
    assert standstill_end(PCR, _at(2026, 12, 15)) == datetime(2026, 12, 30, tzinfo=UTC)


def test_pcr2015_reg87_a_10th_day_on_scotlands_2_january_is_carried_forward():
    """Sent Tuesday 23 December 2025: the 10th day after is Friday 2 January 2026, a bank
    holiday in Scotland; Sat 3 and Sun 4 follow; it ends at the end of Monday 5 January."""
    assert last_day(PCR, _at(2025, 12, 23)) == date(2026, 1, 5)


def test_pcr2015_reg87_a_10th_day_on_good_friday_is_carried_past_easter_monday():
    """Sent Tuesday 24 March 2026: the 10th day after is Good Friday 3 April; Sat 4, Sun 5 and
    Easter Monday 6 April follow; it ends at the end of Tuesday 7 April."""
    assert last_day(PCR, _at(2026, 3, 24)) == date(2026, 4, 7)


def test_pcr2015_reg87_a_10th_day_on_a_working_day_stays():
    """Sent Friday 19 December 2025: the 10th day after is Monday 29 December, a working day
    (Boxing Day was Friday 26); ends at 00:00 UTC on Tuesday 30 December."""
    assert standstill_end(PCR, _at(2025, 12, 19, 15)) == datetime(2025, 12, 30, tzinfo=UTC)


def test_pcr2015_reg87_a_notice_sent_on_a_saturday_counts_calendar_days_from_it():
    """Sent Saturday 5 December 2026: the 10th day after is Tuesday 15 December, a working
    day."""
    assert last_day(PCR, _at(2026, 12, 5)) == date(2026, 12, 15)


def test_no_standstill_ends_when_notified():
    assert standstill_end(StandstillRule.NONE, _at(2026, 12, 2)) == _at(2026, 12, 2)
    assert last_day(StandstillRule.NONE, _at(2026, 12, 2)) is None


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError):
        standstill_end(PA, datetime(2026, 12, 2, 10))


def test_the_recorded_standstill_names_the_last_day_not_the_instant_after_it():
    """A summer end (23:00 UTC on 4 September 2026 = 00:00 BST on 5 September) is described
    by its last day, Friday 4 September, never as "1am" or "00:00 on 5 September"."""
    standstill = recorded(PA, datetime(2026, 9, 4, 23, tzinfo=UTC))
    assert standstill.last_day == date(2026, 9, 4)
    assert standstill.summary == "Until midnight at the end of Friday 4 September 2026"
    assert standstill.sentence("the admission takes effect") == (
        "Standstill of 8 working days (Procurement Act 2023) runs until midnight at the end of "
        "Friday 4 September 2026; then the admission takes effect.")


def test_a_recorded_rule_of_none_never_reads_as_a_standstill():
    notified = _at(2026, 12, 2)
    standstill = recorded(StandstillRule.NONE, notified)
    assert not standstill.applies and standstill.summary == "No standstill applies"
    # A window records no rule: an end no later than the notice means none applied.
    assert not recorded(None, notified, started_at=notified).applies
    assert recorded(None, datetime(2026, 12, 12, tzinfo=UTC), started_at=notified).until == (
        "midnight at the end of Friday 11 December 2026")
