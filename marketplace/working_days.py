"""UK-wide working days: the one calendar every deadline and standstill is counted in.

Procurement Act 2023 s.123: a working day is not a Saturday, a Sunday, Christmas Day, Good
Friday, or a bank holiday under the Banking and Financial Dealings Act 1971 in any part of the
United Kingdom. The ``holidays`` package keeps the bank holidays of each part (England, Northern
Ireland, Scotland, Wales; Christmas Day and Good Friday are in every one), and the sum of the
four is "a bank holiday in any part of the UK": 2 January (Scotland), St Patrick's Day and the
Battle of the Boyne (Northern Ireland) and Easter Monday (not Scotland) included.

This module sits at the bottom of the house: it imports nothing from the domain packages, so
admissions, call-offs and the cost engine all count in the same calendar.
"""
from threading import Lock

UK_SUBDIVISIONS = ("ENG", "NIR", "SCT", "WLS")

# The sum fills in a year's holidays the first time a day of that year is asked about; the
# lock keeps two threads from filling in the same year at once. It is built on first use, not
# at import: the holidays package's country classes are a tenth of the app's start-up.
_UK = None
_LOCK = Lock()


def _uk():
    """The sum of the four parts' calendars; call with the lock held."""
    global _UK
    if _UK is None:
        import holidays

        _UK = sum(holidays.UK(subdiv=subdivision) for subdivision in UK_SUBDIVISIONS)
    return _UK


def is_working_day(day):
    """True unless ``day`` is a Saturday, Sunday or a bank holiday anywhere in the UK."""
    with _LOCK:
        return _uk().is_working_day(day)


def working_day_on_or_after(day):
    """``day`` itself when it is a working day, else the next working day."""
    with _LOCK:
        return _uk().get_nth_working_day(day, 0)


def working_days_after(day, count):
    """The ``count``-th working day after ``day`` (``day`` itself is not counted)."""
    if count < 1:
        raise ValueError("count must be at least 1")
    with _LOCK:
        return _uk().get_nth_working_day(day, count)


def working_days_before(day, count):
    """The ``count``-th working day before ``day`` (``day`` itself is not counted)."""
    if count < 1:
        raise ValueError("count must be at least 1")
    with _LOCK:
        return _uk().get_nth_working_day(day, -count)


def working_days_between(first, last):
    """How many working days there are from ``first`` to ``last``, both days included."""
    with _LOCK:
        return _uk().get_working_days_count(first, last)


__all__ = ["is_working_day", "working_day_on_or_after", "working_days_after",
           "working_days_before", "working_days_between"]
