"""Dates and times as GOV.UK writes them, in UK time: for pages and emails alike.

GOV.UK style writes "midday" and "midnight", never "12pm" or "12am". Midnight alone is
ambiguous (the start or the end of the day named?), so it is always tied to the day it ends:
"midnight at the end of 11 December 2026", the wording the standstill rules use as well.
"""
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import tenants

LONDON = ZoneInfo("Europe/London")


def london_date(at=None):
    """The calendar date in the UK at ``at`` (default now): the day deadlines, expiry dates and
    effective dates are counted in."""
    return (at or tenants.utcnow()).astimezone(LONDON).date()


def govuk_date(value):
    """1 April 2026."""
    return f"{value.day} {value:%B %Y}" if value else ""


def govuk_long_date(value):
    """Friday 11 December 2026."""
    return f"{value:%A} {govuk_date(value)}" if value else ""


def _starts_a_day(local):
    return local.timetz().replace(tzinfo=None) == time(0)


def govuk_datetime(value):
    """24 November 2026 at 9:05am; 4 December 2026 at midday; midnight at the end of 11
    December 2026 (for 00:00 on 12 December), in UK time."""
    if not value:
        return ""
    local = value.astimezone(LONDON)
    if _starts_a_day(local):
        return f"midnight at the end of {govuk_date(local.date() - timedelta(days=1))}"
    if local.hour == 12 and local.minute == 0:
        return f"{govuk_date(local)} at midday"
    hour = local.hour % 12 or 12
    minutes = "" if local.minute == 0 else f":{local.minute:02d}"
    return f"{govuk_date(local)} at {hour}{minutes}{'am' if local.hour < 12 else 'pm'}"


def govuk_from(value):
    """When something takes effect: the UK day itself when ``value`` is the start of it
    ("Saturday 12 December 2026", the whole day), else the moment (:func:`govuk_datetime`)."""
    if not value:
        return ""
    local = value.astimezone(LONDON)
    return govuk_long_date(local.date()) if _starts_a_day(local) else govuk_datetime(value)
