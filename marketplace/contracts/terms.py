"""A contract's dates (issue 13 §1–2): pure functions over dates and month counts, no database.

A term of N months from a start date ends the day before the same day-of-month N months later
(1 September 2026 + 17 months ends 31 January 2028); a start on a day the later month lacks
(31 January + 1 month) runs to that month's last day. Extensions follow the term end to end.
"""
import calendar
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months, clamped to the target month's last day
    (31 January + 1 month = 28 or 29 February)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_end(start: date, months: int) -> date:
    """The last day of a term of ``months`` months beginning on ``start``: the day before
    :func:`add_months` (12 months from 1 September 2026 end on 31 August 2027)."""
    if months < 1:
        raise ValueError("a term is at least one month")
    return add_months(start, months) - timedelta(days=1)


def end_after(start: date, initial_months: int, extension_months=()) -> date:
    """The last day of the initial term followed by each extension (months) in turn, counted
    from the start (so month-end clamping never drifts: 31 January + 1 + 1 months ends on
    30 March, not 27 March)."""
    return term_end(start, initial_months + sum(extension_months))


def decision_due(current_end: date, notice_months: int) -> date:
    """The date an extension must be decided by: ``notice_months`` before the day after the
    current end (default six months: a term ending 31 August is decided by 1 March)."""
    return add_months(current_end + timedelta(days=1), -notice_months)
