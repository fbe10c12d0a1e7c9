"""Dates and times as GOV.UK writes them, in UK time: for pages and emails alike."""
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


def govuk_datetime(value):
    """24 November 2026 at 9:05am, in UK time."""
    if not value:
        return ""
    local = value.astimezone(LONDON)
    hour = local.hour % 12 or 12
    minutes = "" if local.minute == 0 else f":{local.minute:02d}"
    return f"{govuk_date(local)} at {hour}{minutes}{'am' if local.hour < 12 else 'pm'}"
