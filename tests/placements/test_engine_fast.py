"""The cost engine's fast path (issue 12 §6, §10: a forecast over 5,000 placements): the totals
forecasts use, and the fee projection split into a schedule and its application, are the same
functions as the general path — checked over random placements, fee histories, calendars and
ranges (Hypothesis, bounded by the engine's profile) and against the day-by-day oracle, so there
is still one formula, rounded half up on cumulative totals.

Pure, like tests/placements/test_engine.py: no database."""
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.placements.engine import (
    FIFTY_TWO_WEEK, FIXED_ANNIVERSARY, FIXED_APRIL, INDEX_LINKED, NONE, TERM_TIME, Calendars,
    CostTerms, FeeStep, TermCalendar, UpliftRule, academic_year_range, add_fee_histories,
    add_fee_pairs, apply_uplifts, fee_on, project_components, project_fees, project_flat,
    range_totals, total_pence, totals,
    uplift_due_dates, uplift_fee, uplift_percent, uplift_schedule)

from .test_engine import (AY_2026, DEFAULT_2026, ENGINE, PROVIDER_2026, _terms_strategy, oracle,
                          oracle_cost, placements)

D = date
DAY = timedelta(days=1)


@pytest.fixture
def session():
    """No database here: overrides the suite's autouse transaction fixture."""
    yield None


def pairs(fees):
    return [(step.effective_from, step.weekly_pence) for step in fees]


# --- hand-worked ---------------------------------------------------------------------------

def test_fast_totals_of_a_52_week_year_and_its_financial_year_split():
    # £1,000.01 a week, 1 Sep 2026–31 Aug 2027: 100001 × 365 / 7 = 5214337.857… → 5214338;
    # to 31 Mar 2027 (212 days): 100001 × 212 / 7 = 3028601.71… → 3028602; the rest
    # 5214338 − 3028602 = 2185736.
    terms = CostTerms(FIFTY_TWO_WEEK, *AY_2026, (FeeStep(AY_2026[0], 100001),))
    whole, autumn, summer = totals(terms, [AY_2026, (AY_2026[0], D(2027, 3, 31)),
                                           (D(2027, 4, 1), AY_2026[1])])
    assert (whole, autumn, summer) == (5214338, 3028602, 2185736)
    assert autumn + summer == whole


def test_fast_totals_on_the_default_and_the_providers_calendar():
    # 190 school days on the default: 38 weeks × £1,500 = £57,000; the provider's 195: 39 weeks.
    fees = [(AY_2026[0], 150000)]
    default = Calendars(default={2026: DEFAULT_2026})
    both = Calendars(provider={2026: PROVIDER_2026}, default={2026: DEFAULT_2026})
    assert range_totals(TERM_TIME, *AY_2026, fees, default, None, [AY_2026]) == [5700000]
    assert range_totals(TERM_TIME, *AY_2026, fees, both, None, [AY_2026]) == [5850000]
    # No calendar: estimated from 190 chargeable days over the 365-day year, 38 weeks again.
    assert range_totals(TERM_TIME, *AY_2026, fees, Calendars(), None, [AY_2026]) == [5700000]


def test_fast_totals_charge_in_lieu_and_ranges_outside():
    # Ended 31 Oct 2026, charged in lieu to 30 Nov 2026: 91 days of a 52-week £700 a week =
    # 70000 × 91 / 7 = 910000; a range wholly after it or reversed costs nothing.
    fees = [(D(2026, 9, 1), 70000)]
    got = range_totals(FIFTY_TWO_WEEK, D(2026, 9, 1), D(2026, 10, 31), fees, Calendars(),
                       D(2026, 11, 30), [(D(2026, 1, 1), D(2027, 12, 31)),
                                         (D(2026, 12, 1), D(2027, 1, 1)),
                                         (D(2026, 9, 5), D(2026, 9, 4))])
    assert got == [910000, 0, 0]
    with pytest.raises(ValueError, match="last day is before the start"):
        range_totals(FIFTY_TWO_WEEK, D(2026, 9, 1), D(2026, 8, 31), fees, Calendars(), None, [])


def test_fast_totals_before_the_first_step_charge_the_first_fee():
    # The first step dated after the start: its fee applies from the start (issue 12 §6).
    # 52-week, 1–21 Sep 2026 at £700 (from 11 Sep), £1,400 from 16 Sep: 15 days × 10,000 +
    # 6 × 20,000 = 270,000p.
    terms = CostTerms(FIFTY_TWO_WEEK, D(2026, 9, 1), D(2026, 9, 21),
                      (FeeStep(D(2026, 9, 11), 70000), FeeStep(D(2026, 9, 16), 140000)))
    assert totals(terms, [(D(2026, 9, 1), D(2026, 9, 21))]) == [270000] == [
        total_pence(terms, D(2026, 9, 1), D(2026, 9, 21))]
    term_time = CostTerms(TERM_TIME, *AY_2026, (FeeStep(D(2026, 10, 1), 150000),),
                          Calendars(default={2026: DEFAULT_2026}))
    assert totals(term_time, [AY_2026]) == [total_pence(term_time, *AY_2026)] == [5700000]


def test_cumulative_school_day_table_counts_what_the_calendar_counts():
    offset, table = DEFAULT_2026._cumulative()
    first, last = academic_year_range(2026)
    assert offset == first.toordinal() - 1 and len(table) == (last - first).days + 2
    assert table[-1] == DEFAULT_2026.total_school_days == 190
    assert DEFAULT_2026._cumulative() is DEFAULT_2026._cumulative()  # built once


# --- properties: the fast path is the general path -------------------------------------------

@given(placements(), st.lists(st.tuples(st.integers(-40, 1300), st.integers(-2, 400)),
                              min_size=1, max_size=5))
@ENGINE
def test_fast_totals_equal_the_engines_and_the_oracles(terms, spans):
    """issue 12 §6: every range's total is round(C(to)) − round(C(from − 1)), the same by the
    fast path, the segments and the day-by-day oracle."""
    ranges = [(terms.start + timedelta(days=a), terms.start + timedelta(days=a + length))
              for a, length in spans]
    by_day = oracle(terms)
    fast = totals(terms, ranges)
    assert fast == [total_pence(terms, a, b) for a, b in ranges]
    assert fast == [oracle_cost(by_day, terms, a, b) for a, b in ranges]


@given(placements(), st.lists(st.integers(0, 1400), max_size=8))
@ENGINE
def test_fast_totals_of_consecutive_ranges_add_up(terms, cuts):
    """Cumulative rounding (issue 12 §6): any split adds up to the whole to the penny."""
    end = terms.charged_until
    first = terms.start - 3 * DAY
    points = sorted({first + timedelta(days=c) for c in cuts if c <= (end - first).days})
    bounds = [first] + [p for p in points if p > first] + [end + 4 * DAY]
    ranges = [(a, b - DAY) for a, b in zip(bounds, bounds[1:])]
    assert sum(totals(terms, ranges)) == totals(terms, [(first, end + 3 * DAY)])[0] == \
        total_pence(terms, terms.start, end)


@given(st.integers(2024, 2029), st.data())
@ENGINE
def test_cumulative_table_equals_counting_through_each_day(year, data):
    calendar = TermCalendar(year, data.draw(_terms_strategy(year)))
    offset, table = calendar._cumulative()
    first, last = academic_year_range(year)
    for o in range(first.toordinal() - 1, last.toordinal() + 1):
        assert table[o - offset] == calendar._through(o)


# --- the fee projection's two halves ----------------------------------------------------------

def project_fees_as_first_written(fees, rule, start, last_day, index_values, assumed_bp=None,
                                  already_applied=()):
    """The projection before it was split in two (issue 12 §4), kept as the reference."""
    applied = set(already_applied)
    steps = list(fees)
    for due in uplift_due_dates(rule, start, last_day):
        if due in applied:
            continue
        current = fee_on(steps, due)
        uplifted = uplift_fee(current, uplift_percent(rule, due, index_values,
                                                      assumed_bp).percent_bp)
        if uplifted == current:
            continue
        steps = [step for step in steps if step.effective_from != due]
        steps.append(FeeStep(due, uplifted))
        steps.sort(key=lambda step: step.effective_from)
    return tuple(steps)


def add_fee_histories_as_first_written(*histories):
    dates = sorted({step.effective_from for history in histories for step in history})
    steps = []
    for d in dates:
        total = sum(fee_on(history, d) for history in histories if history)
        if not steps or steps[-1].weekly_pence != total:
            steps.append(FeeStep(d, total))
    return tuple(steps)


@st.composite
def histories(draw, start):
    offsets = draw(st.lists(st.integers(-60, 1500), max_size=4, unique=True))
    dates = sorted({start} | {start + timedelta(days=o) for o in offsets})
    return tuple(FeeStep(d, draw(st.sampled_from([0, 1, 1020, 150000, 999_999])))
                 for d in dates)


@st.composite
def rules(draw):
    kind = draw(st.sampled_from([NONE, FIXED_APRIL, FIXED_ANNIVERSARY, INDEX_LINKED]))
    percent = draw(st.integers(-2000, 5000))
    if kind == INDEX_LINKED:
        return UpliftRule(kind, index_code="CPI", reference_month=draw(st.integers(1, 12)),
                          cap_bp=draw(st.none() | st.integers(0, 5000)),
                          floor_bp=draw(st.none() | st.integers(-2000, 0)))
    return UpliftRule(kind, percent_bp=percent)


@given(st.dates(D(2024, 1, 1), D(2028, 12, 31)), st.integers(0, 1500), rules(), st.data())
@ENGINE
def test_project_fees_is_its_schedule_applied(start, length, rule, data):
    """issue 12 §4: the projection as first written = apply_uplifts(uplift_schedule(...))."""
    last_day = start + timedelta(days=length)
    fees = data.draw(histories(start))
    index = data.draw(st.dictionaries(st.tuples(st.integers(2023, 2029), st.integers(1, 12)),
                                      st.integers(-500, 1200), max_size=12))
    assumed = data.draw(st.none() | st.integers(-2000, 5000))
    due = uplift_due_dates(rule, start, last_day)
    applied = set(data.draw(st.lists(st.sampled_from(due), unique=True))) if due else set()
    expected = project_fees_as_first_written(fees, rule, start, last_day, index, assumed, applied)
    assert project_fees(fees, rule, start, last_day, index, assumed, applied) == expected
    schedule = uplift_schedule(rule, start, last_day, index, assumed, applied)
    assert apply_uplifts(pairs(fees), schedule) == pairs(expected)


@given(st.dates(D(2024, 1, 1), D(2028, 12, 31)), st.data())
@ENGINE
def test_adding_fee_pairs_is_adding_fee_histories(start, data):
    components = [data.draw(histories(start)) for _ in range(data.draw(st.integers(0, 4)))]
    components.append(())  # an empty history counts for nothing
    expected = add_fee_histories_as_first_written(*components)
    assert add_fee_histories(*components) == expected
    assert add_fee_pairs(*(pairs(c) for c in components)) == pairs(expected)


@given(st.dates(D(2024, 1, 1), D(2028, 12, 31)), st.booleans(), st.data())
@ENGINE
def test_projecting_components_together_is_projecting_each_and_adding(start, flat, data):
    """issue 12 §4: each component uplifted and rounded to the penny on its own, then added —
    whether by the flat path (one fee each, no fee changes) or history by history."""
    count = data.draw(st.integers(1, 4))
    if flat:
        fees = data.draw(st.lists(st.sampled_from([0, 1, 1020, 33333, 150000, 999_999]),
                                  min_size=count, max_size=count))
        components = [[(start, fee)] for fee in fees]
    else:
        components = [pairs(data.draw(histories(start))) for _ in range(count)]
    # Mostly after the start and in order, as uplift_schedule gives them; sometimes not.
    dates = data.draw(st.lists(st.integers(-400, 1500), max_size=4, unique=True))
    if data.draw(st.booleans()):
        dates = sorted(d for d in dates if d > 0)
    schedule = [(start + timedelta(days=d), data.draw(st.integers(-2000, 5000)))
                for d in dates]
    expected = add_fee_pairs(*(apply_uplifts(history, schedule) for history in components))
    assert project_components(components, schedule) == expected
    if flat:
        assert project_flat(start, fees, schedule) == expected
