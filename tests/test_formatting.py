"""Dates and times as GOV.UK style writes them, in UK time: "midday" and "midnight", never
"12pm" or "12am"; midnight is always tied to the day it ends, so it cannot be read as the
start of that day (GOV.UK style guide, "Times")."""
from datetime import datetime, timezone

import pytest

from marketplace.formatting import govuk_datetime, govuk_from, govuk_long_date

UTC = timezone.utc


@pytest.mark.parametrize("at, words", [
    (datetime(2026, 11, 24, 9, 5, tzinfo=UTC), "24 November 2026 at 9:05am"),
    (datetime(2026, 12, 4, 12, 0, tzinfo=UTC), "4 December 2026 at midday"),
    (datetime(2026, 12, 4, 12, 30, tzinfo=UTC), "4 December 2026 at 12:30pm"),
    (datetime(2026, 12, 4, 17, 0, tzinfo=UTC), "4 December 2026 at 5pm"),
    (datetime(2026, 12, 4, 0, 30, tzinfo=UTC), "4 December 2026 at 12:30am"),
    # 00:00 on 12 December (GMT) is the end of 11 December.
    (datetime(2026, 12, 12, 0, 0, tzinfo=UTC), "midnight at the end of 11 December 2026"),
    # BST: 23:00 UTC on 4 September is 00:00 on 5 September in the UK, the end of the 4th,
    # never "4 September 2026 at 11pm" or "5 September 2026 at 12am".
    (datetime(2026, 9, 4, 23, 0, tzinfo=UTC), "midnight at the end of 4 September 2026"),
    (datetime(2026, 7, 3, 11, 0, tzinfo=UTC), "3 July 2026 at midday"),  # BST
    (None, ""),
])
def test_govuk_style_times_say_midday_and_midnight(at, words):
    assert govuk_datetime(at) == words


def test_a_moment_taking_effect_at_the_start_of_a_uk_day_is_shown_as_that_day():
    """An admission effective at 00:00 UK time is effective for the whole of that day."""
    assert govuk_from(datetime(2026, 9, 4, 23, 0, tzinfo=UTC)) == "Saturday 5 September 2026"
    assert govuk_from(datetime(2026, 12, 12, 0, 0, tzinfo=UTC)) == "Saturday 12 December 2026"
    assert govuk_from(datetime(2026, 12, 2, 10, 0, tzinfo=UTC)) == "2 December 2026 at 10am"
    assert govuk_long_date(datetime(2026, 12, 11).date()) == "Friday 11 December 2026"
