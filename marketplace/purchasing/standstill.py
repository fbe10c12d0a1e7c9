"""When standstill ends, under each rule a purchasing system may set, and the one way it is said.

Admissions (after a decision) and call-off awards share these rules. Days are UK days
(Europe/London) and working days are the UK-wide ones of :mod:`marketplace.working_days`.

- ``working_days_8`` - Procurement Act 2023 s.51: the period of eight working days beginning
  with the day on which the contract award notice is published. The day of the notice is day 1
  when it is a working day; when it is not (a Saturday, a bank holiday), day 1 is the next
  working day. Standstill runs to the end (midnight) of day 8.
- ``calendar_days_10`` - Public Contracts Regulations 2015 reg 87: the period ends at midnight
  at the end of the 10th day after the notice is sent electronically; where that day is not a
  working day, at midnight at the end of the next working day. Both regimes count in the same
  UK-wide calendar (DESIGN §3): a day that is a holiday anywhere only ever lengthens the period.
- ``none``: no standstill; the decision or award takes effect when it is notified.

Stored ends (``standstill_ends_at`` on decisions, windows and awards, ``effective_at`` on
admissions) are the first instant after the last day: 00:00 Europe/London on the next day, in
UTC. People are never shown that instant as a time (it reads "1am" in summer, or "00:00 on" a
day standstill does not cover): :class:`Standstill` names the last day the rule means.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from .. import working_days
from ..formatting import govuk_long_date
from .models import StandstillRule

LONDON = ZoneInfo("Europe/London")


def notice_day(notified_at):
    """The UK day a notice sent at ``notified_at`` (timezone-aware) was sent on."""
    if notified_at.tzinfo is None:
        raise ValueError("notified_at must be timezone-aware")
    return notified_at.astimezone(LONDON).date()


def last_day(rule, notified_at):
    """The last UK day of standstill for a notice at ``notified_at``; None for no standstill."""
    rule = StandstillRule(rule)
    day = notice_day(notified_at)
    if rule == StandstillRule.NONE:
        return None
    if rule == StandstillRule.WORKING_DAYS_8:
        # "Beginning with" the day of the notice: day 1 is that day (or the next working
        # day), so the last is 7 working days on from day 1.
        return working_days.working_days_after(working_days.working_day_on_or_after(day), 7)
    return working_days.working_day_on_or_after(day + timedelta(days=10))


def start_of(day):
    """00:00 Europe/London on ``day``, in UTC."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(timezone.utc)


def standstill_end(rule, notified_at):
    """The instant standstill is over (UTC): the start of the UK day after the last day, or
    ``notified_at`` itself when the rule has no standstill."""
    last = last_day(rule, notified_at)
    return notified_at if last is None else start_of(last + timedelta(days=1))


def last_day_of(ends_at):
    """The last UK day of a standstill stored as ending at ``ends_at`` (the start of the day
    after it)."""
    return (ends_at - timedelta(microseconds=1)).astimezone(LONDON).date()


@dataclass(frozen=True)
class Standstill:
    """A recorded standstill, as every page, letter, email and the API describe it."""

    rule: StandstillRule | None
    ends_at: datetime | None
    last_day: date | None

    @property
    def applies(self):
        return self.last_day is not None

    @property
    def until(self):
        """"midnight at the end of Friday 11 December 2026" (None when none applies)."""
        return f"midnight at the end of {govuk_long_date(self.last_day)}" if self.applies else None

    @property
    def summary(self):
        """For a summary list's "Standstill" row."""
        return f"Until {self.until}" if self.applies else "No standstill applies"

    def sentence(self, then):
        """A whole sentence: the rule, its last day, and ``then`` (what happens after it)."""
        if not self.applies:
            return f"There is no standstill period: {then} when notified."
        label = f" of {self.rule.label}" if self.rule else ""
        return f"Standstill{label} runs until {self.until}; then {then}."


def recorded(rule, ends_at, started_at=None):
    """The standstill a decision, award or window recorded: its own rule and end, never the
    system's current setting. ``rule`` may be None where none was recorded (a window); then
    standstill applies when the end is later than ``started_at``."""
    rule = StandstillRule(rule) if rule else None
    if ends_at is None or rule == StandstillRule.NONE or (
            rule is None and (started_at is None or ends_at <= started_at)):
        return Standstill(rule, ends_at, None)
    return Standstill(rule, ends_at, last_day_of(ends_at))


__all__ = ["Standstill", "last_day", "last_day_of", "notice_day", "recorded",
           "standstill_end", "start_of"]
