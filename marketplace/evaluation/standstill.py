"""When standstill ends after a decision is notified.

Convention (shown on the decision, letter and admission pages): days are counted in
Europe/London, starting with the day after the day of notification. Standstill runs to the end
(midnight) of its last day, and :func:`standstill_end` returns the first instant after it:
00:00 Europe/London on the following day. An admission's ``effective_at`` is that instant, so
the admission is active from the start of the day after the last standstill day.

- ``none``: no standstill; the admission is effective at the moment of notification.
- ``calendar_days_10`` (PCR 2015): the 10th calendar day after notification is the last day.
- ``working_days_8`` (Procurement Act 2023): the 8th working day after notification is the last
  day, where a working day is not a Saturday, Sunday, Christmas Day, Good Friday, or a bank
  holiday in any part of the UK (the union of England, Northern Ireland, Scotland and Wales in
  the ``holidays`` package).
"""
from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from ..purchasing.models import StandstillRule

LONDON = ZoneInfo("Europe/London")
UK_SUBDIVISIONS = ("ENG", "NIR", "SCT", "WLS")


@lru_cache(maxsize=32)
def _uk_bank_holidays(year):
    days = {}
    for subdivision in UK_SUBDIVISIONS:
        for day, name in holidays.UK(subdiv=subdivision, years=year).items():
            days.setdefault(day, name)
    return days


def uk_bank_holiday(day):
    """The holiday's name if ``day`` is a bank holiday in any part of the UK (Christmas Day and
    Good Friday are among them), else None."""
    return _uk_bank_holidays(day.year).get(day)


def is_working_day(day):
    """Not a Saturday, Sunday, or a bank holiday (incl. Christmas Day, Good Friday) anywhere in
    the UK."""
    return day.weekday() < 5 and uk_bank_holiday(day) is None


def working_days_after(day, count):
    """The ``count``-th working day after ``day`` (``day`` itself is not counted)."""
    counted = 0
    while counted < count:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def working_days_before(day, count):
    """The ``count``-th working day before ``day``."""
    counted = 0
    while counted < count:
        day -= timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def last_standstill_day(rule, notified_on):
    """The last day of standstill (a London date) for a decision notified on ``notified_on``;
    None when the rule has no standstill."""
    rule = StandstillRule(rule)
    if rule == StandstillRule.NONE:
        return None
    if rule == StandstillRule.CALENDAR_DAYS_10:
        return notified_on + timedelta(days=10)
    return working_days_after(notified_on, 8)


def _start_of(day):
    return datetime.combine(day, time(0), tzinfo=LONDON)


def standstill_end(rule, notified_at):
    """The instant standstill is over (UTC-aware): ``notified_at`` for no standstill, otherwise
    00:00 Europe/London on the day after the last standstill day (see the module docstring)."""
    if notified_at.tzinfo is None:
        raise ValueError("notified_at must be timezone-aware")
    last = last_standstill_day(rule, notified_at.astimezone(LONDON).date())
    if last is None:
        return notified_at
    return _start_of(last + timedelta(days=1)).astimezone(ZoneInfo("UTC"))


def describe(rule, notified_at):
    """Words for pages and letters: when standstill ends and the admission takes effect."""
    rule = StandstillRule(rule)
    if rule == StandstillRule.NONE:
        return "There is no standstill period: the admission takes effect when the decision is notified."
    last = last_standstill_day(rule, notified_at.astimezone(LONDON).date())
    return (f"Standstill ({rule.label}) runs until midnight at the end of "
            f"{last:%A} {last.day} {last:%B %Y}; the admission takes effect at 00:00 on "
            f"{(last + timedelta(days=1)):%A} {(last + timedelta(days=1)).day} "
            f"{(last + timedelta(days=1)):%B %Y} (UK time).")


__all__ = ["standstill_end", "last_standstill_day", "is_working_day", "uk_bank_holiday",
           "describe"]
