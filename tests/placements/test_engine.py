"""The cost engine (issue 12 §6) and uplift rules (issue 12 §4): hand-worked figures, each with
its arithmetic, and properties checked against a slow day-by-day oracle.

The engine is pure, so these tests need no database: the module's own ``session`` fixture stands
in for the suite's autouse one (which would migrate a database for nothing)."""
from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.placements.engine import (
    FIFTY_TWO_WEEK, FIXED_ANNIVERSARY, FIXED_APRIL, INDEX_LINKED, NONE, TERM_TIME, Basis,
    Calendars, CostTerms, FeeStep, TermCalendar, UpliftRule, academic_year,
    academic_year_range, academic_year_ranges, add_fee_histories, annual_cost, anniversary,
    basis_for, cost, cumulative, fee_on, financial_year, financial_year_range,
    financial_year_ranges, index_reference_month, month_ranges, notice_end, parse_year_label,
    project_fees, round_half_up, split, total_pence, uplift_due_dates, uplift_fee,
    uplift_percent, validate_rule, validate_terms, weekdays_between, whole_life, year_label)

settings.register_profile("engine", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
ENGINE = settings.get_profile("engine")

D = date
DAY = timedelta(days=1)


@pytest.fixture
def session():
    """No database here: overrides the suite's autouse transaction fixture."""
    yield None


# A realistic 2026-27 calendar (1 Sep 2026 is a Tuesday), half-terms and the early May bank
# holiday (Mon 3 May 2027) as gaps between terms. Weekdays counted by hand:
#   Thu 3 Sep–Fri 23 Oct 2026: Thu, Fri + 7 full weeks (7 Sep … 19 Oct)  =  2 + 35 = 37
#   Mon 2 Nov–Fri 18 Dec 2026: 7 full weeks (2 Nov … 14 Dec)             =           35
#   Wed 6 Jan–Fri 12 Feb 2027: Wed–Fri + 5 full weeks (11 Jan … 8 Feb)   =  3 + 25 = 28
#   Mon 22 Feb–Thu 25 Mar 2027: 4 full weeks (22 Feb … 15 Mar) + Mon–Thu = 20 +  4 = 24
#   Mon 12 Apr–Fri 30 Apr 2027: 3 full weeks                             =           15
#   Tue 4 May–Fri 28 May 2027: Tue–Fri + 3 full weeks (10 … 24 May)      =  4 + 15 = 19
#   Mon 7 Jun–Tue 20 Jul 2027: 6 full weeks (7 Jun … 12 Jul) + Mon, Tue  = 30 +  2 = 32
#   37 + 35 + 28 + 24 + 15 + 19 + 32 = 190
TERMS_2026 = (
    (D(2026, 9, 3), D(2026, 10, 23)), (D(2026, 11, 2), D(2026, 12, 18)),
    (D(2027, 1, 6), D(2027, 2, 12)), (D(2027, 2, 22), D(2027, 3, 25)),
    (D(2027, 4, 12), D(2027, 4, 30)), (D(2027, 5, 4), D(2027, 5, 28)),
    (D(2027, 6, 7), D(2027, 7, 20)),
)
DEFAULT_2026 = TermCalendar(2026, TERMS_2026, "region")
# The provider's school: back on Tue 1 Sep (+ Tue, Wed = 2), on Mon 4 Jan (+ Mon, Tue = 2), and
# breaks up on Wed 21 Jul (+ 1): 190 + 5 = 195 days.
PROVIDER_2026 = TermCalendar(2026, (
    (D(2026, 9, 1), D(2026, 10, 23)), (D(2026, 11, 2), D(2026, 12, 18)),
    (D(2027, 1, 4), D(2027, 2, 12)), (D(2027, 2, 22), D(2027, 3, 25)),
    (D(2027, 4, 12), D(2027, 4, 30)), (D(2027, 5, 4), D(2027, 5, 28)),
    (D(2027, 6, 7), D(2027, 7, 21)),
), "Oak Tree School")
AY_2026 = academic_year_range(2026)


def flat(basis, start, last_day, weekly, calendars=Calendars(), **kwargs):
    return CostTerms(basis, start, last_day, (FeeStep(start, weekly),), calendars, **kwargs)


# --- counting, years, labels -----------------------------------------------------------------

def test_weekdays_between_counts_mondays_to_fridays_inclusive():
    # Tue 1 Sep–Mon 7 Sep 2026: Tue, Wed, Thu, Fri, Mon = 5.
    assert weekdays_between(D(2026, 9, 1), D(2026, 9, 7)) == 5
    assert weekdays_between(D(2026, 9, 5), D(2026, 9, 6)) == 0  # Sat, Sun
    assert weekdays_between(D(2026, 9, 4), D(2026, 9, 4)) == 1  # a Friday
    assert weekdays_between(D(2026, 9, 7), D(2026, 9, 6)) == 0  # b before a
    # 2026-27 has 365 days = 52 weeks + 1 day (Tue 1 Sep … Tue 31 Aug): 260 + 1.
    assert weekdays_between(*AY_2026) == 261
    assert [weekdays_between(a, b) for a, b in TERMS_2026] == [37, 35, 28, 24, 15, 19, 32]


@given(st.dates(D(2020, 1, 1), D(2032, 12, 31)), st.integers(-3, 800))
@ENGINE
def test_weekdays_between_agrees_with_counting_each_day(a, length):
    b = a + timedelta(days=length)
    by_day = sum(1 for n in range(length + 1) if (a + timedelta(days=n)).weekday() < 5)
    assert weekdays_between(a, b) == by_day


def test_years_and_labels():
    assert academic_year(D(2026, 9, 1)) == academic_year(D(2027, 8, 31)) == 2026
    assert academic_year(D(2026, 8, 31)) == 2025
    assert financial_year(D(2026, 4, 1)) == financial_year(D(2027, 3, 31)) == 2026
    assert financial_year(D(2026, 3, 31)) == 2025
    assert academic_year_range(2026) == (D(2026, 9, 1), D(2027, 8, 31))
    assert financial_year_range(2026) == (D(2026, 4, 1), D(2027, 3, 31))
    assert year_label(2026) == "2026-27"
    assert year_label(1999) == "1999-00"
    assert parse_year_label("2026-27") == 2026
    assert parse_year_label("1999-00") == 1999


@pytest.mark.parametrize("label, says", [
    ("2026-28", 'its label is "2026-27"'),
    ("26-27", "the first year in full"),
    ("2026/27", "a hyphen"),
    ("2026-2027", "the next year's last two digits"),
    ("", "is not a year label"),
])
def test_parse_year_label_says_what_is_wrong(label, says):
    with pytest.raises(ValueError, match=says):
        parse_year_label(label)


def test_ranges_are_consecutive_and_clipped():
    assert month_ranges(D(2027, 1, 15), D(2027, 3, 2)) == [
        (D(2027, 1, 15), D(2027, 1, 31)), (D(2027, 2, 1), D(2027, 2, 28)),
        (D(2027, 3, 1), D(2027, 3, 2))]
    assert financial_year_ranges(*AY_2026) == [
        (D(2026, 9, 1), D(2027, 3, 31)), (D(2027, 4, 1), D(2027, 8, 31))]
    assert academic_year_ranges(D(2026, 4, 1), D(2027, 3, 31)) == [
        (D(2026, 4, 1), D(2026, 8, 31)), (D(2026, 9, 1), D(2027, 3, 31))]
    assert month_ranges(D(2027, 1, 2), D(2027, 1, 1)) == []


def test_round_half_up_goes_towards_plus_infinity():
    assert round_half_up(Fraction(5, 2)) == 3
    assert round_half_up(Fraction(-5, 2)) == -2
    assert round_half_up(Fraction(7, 3)) == 2
    assert round_half_up(Fraction(-7, 3)) == -2
    assert round_half_up(Fraction(-8, 3)) == -3


def test_basis_for_placement_types():
    assert basis_for("residential_52") is FIFTY_TWO_WEEK
    assert basis_for("day") is TERM_TIME
    assert basis_for("residential_38") is TERM_TIME
    with pytest.raises(ValueError, match="no charging basis"):
        basis_for("respite")


def test_validate_terms_names_each_problem():
    errors = validate_terms(2026, [
        (D(2026, 9, 3), D(2026, 10, 23)),
        (D(2026, 10, 20), D(2026, 12, 18)),  # overlaps the first
        (D(2027, 2, 12), D(2027, 1, 6)),     # ends before it starts
        (D(2027, 6, 7), D(2027, 9, 3)),      # runs past 31 Aug 2027
    ])
    assert any("Terms 1 and 2 overlap" in e for e in errors)
    assert any("Term 3 ends (06 January 2027) before it starts" in e for e in errors)
    assert any("Term 4" in e and "not within the academic year 2026-27" in e for e in errors)
    assert validate_terms(2026, TERMS_2026) == []
    assert validate_terms(2026, reversed(TERMS_2026)) == []  # order given does not matter
    with pytest.raises(ValueError, match="overlap"):
        TermCalendar(2026, ((D(2026, 9, 3), D(2026, 10, 23)), (D(2026, 10, 23), D(2026, 11, 1))))
    with pytest.raises(ValueError, match="filed under 2027-28"):
        Calendars(default={2027: DEFAULT_2026})


def test_school_days_are_weekdays_in_term():
    assert DEFAULT_2026.total_school_days == 190
    # Half-term week Mon 26–Fri 30 Oct: none; Mon 19 Oct–Fri 6 Nov: 5 + 0 + 5 = 10.
    assert DEFAULT_2026.school_days(D(2026, 10, 26), D(2026, 10, 30)) == 0
    assert DEFAULT_2026.school_days(D(2026, 10, 19), D(2026, 11, 6)) == 10
    assert PROVIDER_2026.total_school_days == 195


# --- 1. a full academic year, term time -------------------------------------------------------

def test_full_academic_year_on_a_190_day_default_calendar_is_38_weeks():
    terms = flat(TERM_TIME, *AY_2026, 123457, Calendars(default={2026: DEFAULT_2026}))
    costing = whole_life(terms)
    # 123457 × 190 / 5 = 123457 × 38 = 4,691,366 exactly.
    assert costing.total_pence == 4_691_366 == 123457 * 38
    assert not costing.estimated
    [line] = costing.lines
    assert (line.from_, line.to, line.days, line.weekly_pence) == (*AY_2026, 190, 123457)
    assert line.basis == "term time: school days ÷ 5 (region default calendar 2026-27)"


def test_full_academic_year_without_a_calendar_is_estimated_as_38_weeks():
    costing = whole_life(flat(TERM_TIME, *AY_2026, 123457))
    # No calendar: 190 chargeable days × 365/365 of the year = 190; 123457 × 190 / 5 = 4,691,366.
    assert costing.total_pence == 4_691_366
    assert costing.estimated
    [line] = costing.lines
    assert line.estimated and line.days == Fraction(190)
    assert line.basis == ("term time: school days ÷ 5 "
                          "(estimated from 190 chargeable days, 2026-27)")
    # 1 Sep 2026–1 Mar 2027 (30+31+30+31+31+28+1 = 182 days) is estimated as
    # 190 × 182/365 = 6916/73 school days: 123457 × (6916/73)/5 = 853,828,612/365
    # = 2,339,256 r 172 = 2,339,256.47 → 2,339,256.
    half = cost(flat(TERM_TIME, *AY_2026, 123457), D(2026, 9, 1), D(2027, 3, 1))
    assert half.lines[0].days == Fraction(6916, 73) == Fraction(190 * 182, 365)
    assert half.total_pence == 2_339_256


def test_chargeable_days_is_a_setting():
    # 195 chargeable days: 100000 × 195 / 5 = 3,900,000.
    costing = whole_life(flat(TERM_TIME, *AY_2026, 100000, Calendars(chargeable_days=195)))
    assert costing.total_pence == 3_900_000
    assert "estimated from 195 chargeable days" in costing.lines[0].basis


# --- 2. a 52-week year -------------------------------------------------------------------------

def test_52_week_academic_year_is_365_sevenths():
    # £3,500.00 a week: 350000 × 365 / 7 = 50000 × 365 = 18,250,000 exactly.
    assert whole_life(flat(FIFTY_TWO_WEEK, *AY_2026, 350000)).total_pence == 18_250_000
    # 100001 × 365 / 7 = 36,500,365 / 7 = 5,214,337 r 6 = 5,214,337.857… → 5,214,338.
    costing = whole_life(flat(FIFTY_TWO_WEEK, *AY_2026, 100001))
    assert costing.total_pence == 5_214_338
    [line] = costing.lines
    assert (line.days, line.basis) == (365, "52 weeks: calendar days ÷ 7")


def test_52_week_year_across_29_february_is_366_sevenths():
    # 1 Sep 2027–31 Aug 2028 holds 29 Feb 2028: 366 days.
    # 100001 × 366 / 7 = 36,600,366 / 7 = 5,228,623 r 5 = 5,228,623.714… → 5,228,624.
    costing = whole_life(flat(FIFTY_TWO_WEEK, *academic_year_range(2027), 100001))
    assert costing.total_pence == 5_228_624
    assert costing.lines[0].days == 366


def test_annual_cost_is_the_first_twelve_months_at_a_flat_fee():
    # From 1 Sep 2026 to 31 Aug 2027: 365 days, 100001 × 365/7 → 5,214,338 (above).
    assert annual_cost(FIFTY_TWO_WEEK, 100001, D(2026, 9, 1), Calendars()) == 5_214_338
    # From 1 Sep 2027: 366 days → 5,228,624 (above).
    assert annual_cost(FIFTY_TWO_WEEK, 100001, D(2027, 9, 1), Calendars()) == 5_228_624
    # From 29 Feb 2028: its anniversary is 28 Feb 2029, so 29 Feb 2028–27 Feb 2029, 365 days.
    assert annual_cost(FIFTY_TWO_WEEK, 700, D(2028, 2, 29), Calendars()) == 700 * 365 // 7
    # Term time on the default calendar: 190 school days, 123457 × 38 = 4,691,366.
    assert annual_cost(TERM_TIME, 123457, D(2026, 9, 1),
                       Calendars(default={2026: DEFAULT_2026})) == 4_691_366


# --- 3. a fee change on 1 April ---------------------------------------------------------------

def test_an_uplift_on_1_april_splits_the_year():
    fees = (FeeStep(D(2026, 9, 1), 100000), FeeStep(D(2027, 4, 1), 102500))
    costing = whole_life(CostTerms(FIFTY_TWO_WEEK, *AY_2026, fees))
    # 1 Sep 2026–31 Mar 2027: 30+31+30+31+31+28+31 = 212 days; 1 Apr–31 Aug 2027: 153.
    # C(31 Mar) = 100000 × 212/7 = 21,200,000/7 = 3,028,571.43 → 3,028,571.
    # C(31 Aug) = (21,200,000 + 102500 × 153)/7 = 36,882,500/7 = 5,268,928.57 → 5,268,929.
    # Second line = 5,268,929 − 3,028,571 = 2,240,358 (alone it would be
    # 15,682,500/7 = 2,240,357.14 → 2,240,357, a penny short of the whole).
    first, second = costing.lines
    assert (first.from_, first.to, first.days, first.weekly_pence, first.amount_pence) == (
        D(2026, 9, 1), D(2027, 3, 31), 212, 100000, 3_028_571)
    assert (second.from_, second.to, second.days, second.weekly_pence, second.amount_pence) == (
        D(2027, 4, 1), D(2027, 8, 31), 153, 102500, 2_240_358)
    assert costing.total_pence == 5_268_929 == first.amount_pence + second.amount_pence
    assert cumulative(CostTerms(FIFTY_TWO_WEEK, *AY_2026, fees), D(2027, 3, 31)) == \
        Fraction(21_200_000, 7)


def test_an_uplift_on_1_april_term_time():
    fees = (FeeStep(D(2026, 9, 1), 100000), FeeStep(D(2027, 4, 1), 102500))
    terms = CostTerms(TERM_TIME, *AY_2026, fees, Calendars(default={2026: DEFAULT_2026}))
    # School days before 1 April: 37 + 35 + 28 + 24 = 124; after: 15 + 19 + 32 = 66.
    # 100000 × 124/5 = 2,480,000; 102500 × 66/5 = 1,353,000; total 3,833,000.
    costing = whole_life(terms)
    assert [(line.days, line.amount_pence) for line in costing.lines] == [
        (124, 2_480_000), (66, 1_353_000)]
    assert costing.total_pence == 3_833_000


def test_a_step_that_repeats_the_fee_starts_no_line():
    fees = (FeeStep(D(2026, 9, 1), 100000), FeeStep(D(2027, 1, 1), 100000))
    assert len(whole_life(CostTerms(FIFTY_TWO_WEEK, *AY_2026, fees)).lines) == 1


def test_the_first_step_is_the_start_fee_and_steps_apply_mid_week():
    # The first step dated after the start still sets the start fee; a step on Wed 16 Sep.
    fees = (FeeStep(D(2026, 9, 3), 7000), FeeStep(D(2026, 9, 16), 14000))
    terms = CostTerms(FIFTY_TWO_WEEK, D(2026, 9, 1), D(2026, 9, 30), fees)
    # 1–15 Sep: 15 days × 7000/7 = 15,000; 16–30 Sep: 15 days × 14000/7 = 30,000.
    assert [line.amount_pence for line in whole_life(terms).lines] == [15_000, 30_000]
    assert fee_on(fees, D(2026, 9, 1)) == 7000 and fee_on(fees, D(2026, 9, 16)) == 14000


# --- 4. ended early, notice charged in lieu ---------------------------------------------------

def test_an_early_end_with_notice_in_lieu_costs_as_if_it_ran_to_the_notice_end():
    # Notice of 6 weeks given Mon 1 Feb 2027 ends 1 Feb + 42 − 1 = Sun 14 Mar 2027; the child
    # left on Wed 10 Feb, so the charge runs until max(10 Feb, 14 Mar) = 14 Mar.
    given_on, ended_on = D(2027, 2, 1), D(2027, 2, 10)
    charge_until = max(ended_on, notice_end(given_on, 6))
    assert charge_until == D(2027, 3, 14)
    terms = flat(FIFTY_TWO_WEEK, D(2026, 9, 1), ended_on, 100001, charge_until=charge_until)
    costing = whole_life(terms)
    # 1 Sep 2026–10 Feb 2027: 30+31+30+31+31+10 = 163 days;
    #   C(10 Feb) = 100001 × 163/7 = 16,300,163/7 = 2,328,594.71 → 2,328,595.
    # 11 Feb–14 Mar: 18 + 14 = 32 days (195 in all);
    #   C(14 Mar) = 100001 × 195/7 = 19,500,195/7 = 2,785,742.14 → 2,785,742.
    # In lieu = 2,785,742 − 2,328,595 = 457,147.
    placed, in_lieu = costing.lines
    assert (placed.to, placed.days, placed.amount_pence) == (ended_on, 163, 2_328_595)
    assert "in lieu" not in placed.basis
    assert (in_lieu.from_, in_lieu.to, in_lieu.days, in_lieu.amount_pence) == (
        D(2027, 2, 11), D(2027, 3, 14), 32, 457_147)
    assert in_lieu.basis == "52 weeks: calendar days ÷ 7, in lieu of notice"
    assert costing.total_pence == 2_785_742
    ran_on = whole_life(flat(FIFTY_TWO_WEEK, D(2026, 9, 1), charge_until, 100001))
    assert ran_on.total_pence == costing.total_pence
    # Nothing after the charged period costs anything.
    after = cost(terms, D(2027, 3, 15), D(2027, 8, 31))
    assert (after.total_pence, after.estimated, after.lines) == (0, False, ())


def test_notice_in_lieu_term_time_counts_school_days():
    # Term time on the default calendar, left Fri 12 Feb 2027 (last day before half-term), notice
    # 4 weeks given Mon 8 Feb ends Sun 7 Mar. In lieu: 15–19 Feb half-term (0), 22 Feb–5 Mar
    # (10 school days); 10 × 100000/5 = 200,000.
    terms = flat(TERM_TIME, D(2026, 9, 1), D(2027, 2, 12), 100000,
                 Calendars(default={2026: DEFAULT_2026}), charge_until=notice_end(D(2027, 2, 8), 4))
    in_lieu = whole_life(terms).lines[-1]
    assert (in_lieu.days, in_lieu.amount_pence) == (10, 200_000)
    assert in_lieu.basis.endswith(", in lieu of notice")
    # Before: 37 + 35 + 28 = 100 school days → 2,000,000.
    assert whole_life(terms).total_pence == 2_200_000


def test_charge_until_not_after_the_last_day_changes_nothing():
    a = flat(FIFTY_TWO_WEEK, *AY_2026, 100001, charge_until=D(2027, 1, 1))
    assert whole_life(a) == whole_life(flat(FIFTY_TWO_WEEK, *AY_2026, 100001))


# --- 5. the provider's calendar is preferred ---------------------------------------------------

def test_the_providers_calendar_is_preferred_to_the_default():
    calendars = Calendars(provider={2026: PROVIDER_2026}, default={2026: DEFAULT_2026})
    costing = whole_life(flat(TERM_TIME, *AY_2026, 123457, calendars))
    # 195 school days: 123457 × 195/5 = 123457 × 39 = 4,814,823.
    assert costing.total_pence == 4_814_823
    [line] = costing.lines
    assert line.days == 195
    assert line.basis == "term time: school days ÷ 5 (provider's calendar 2026-27)"


def test_a_new_line_where_the_calendar_source_changes():
    # 1 Sep 2026–31 Dec 2027: 2026-27 on the default (190 days), 2027-28 has none, so
    # 1 Sep–31 Dec 2027 (122 days of 366) is estimated: 190 × 122/366 = 190/3 school days.
    # 100000 × 190/5 = 3,800,000; 100000 × (190/3)/5 = 3,800,000/3 = 1,266,666.67.
    # C(31 Dec 2027) = 5,066,666.67 → 5,066,667.
    terms = flat(TERM_TIME, D(2026, 9, 1), D(2027, 12, 31), 100000,
                 Calendars(default={2026: DEFAULT_2026}))
    costing = whole_life(terms)
    first, second = costing.lines
    assert (first.days, first.amount_pence, first.estimated) == (190, 3_800_000, False)
    assert (second.from_, second.days, second.amount_pence, second.estimated) == (
        D(2027, 9, 1), Fraction(190, 3), 1_266_667, True)
    assert costing.estimated and costing.total_pence == 5_066_667


def test_a_summer_holiday_has_no_line():
    # 21 Jul–31 Aug 2027 is after the last term: nothing to count, no line (the choice made:
    # stretches with no days counted are left out of the workings).
    terms = flat(TERM_TIME, *AY_2026, 100000, Calendars(default={2026: DEFAULT_2026}))
    assert cost(terms, D(2027, 7, 21), D(2027, 8, 31)).lines == ()
    assert cost(terms, D(2027, 7, 21), D(2027, 8, 31)).total_pence == 0


# --- 6. splits add up to the whole -------------------------------------------------------------

@pytest.mark.parametrize("weekly, whole, parts, naive", [
    # 100004 × 365/7 = 36,501,460/7 = 5,214,494.29 → 5,214,494.
    # Alone: × 212/7 = 21,200,848/7 = 3,028,692.57 → 3,028,693; × 153/7 = 15,300,612/7 =
    # 2,185,801.71 → 2,185,802; naive sum 5,214,495, a penny over. Engine: 3,028,693 and
    # 5,214,494 − 3,028,693 = 2,185,801.
    (100004, 5_214_494, [3_028_693, 2_185_801], [3_028_693, 2_185_802]),
    # 99999 × 365/7 = 36,499,635/7 = 5,214,233.57 → 5,214,234.
    # Alone: × 212/7 = 21,199,788/7 = 3,028,541.14 → 3,028,541; × 153/7 = 15,299,847/7 =
    # 2,185,692.43 → 2,185,692; naive sum 5,214,233, a penny short. Engine: 3,028,541 and
    # 5,214,234 − 3,028,541 = 2,185,693.
    (99999, 5_214_234, [3_028_541, 2_185_693], [3_028_541, 2_185_692]),
])
def test_financial_year_split_of_an_academic_year_adds_up(weekly, whole, parts, naive):
    terms = flat(FIFTY_TWO_WEEK, *AY_2026, weekly)
    halves = split(terms, financial_year_ranges(*AY_2026))
    assert [c.total_pence for c in halves] == parts
    assert sum(parts) == whole == whole_life(terms).total_pence
    assert [round_half_up(Fraction(weekly * days, 7)) for days in (212, 153)] == naive
    assert sum(naive) != whole
    months = split(terms, month_ranges(*AY_2026))
    assert len(months) == 12 and sum(c.total_pence for c in months) == whole


# --- 7. uplifts --------------------------------------------------------------------------------

def test_uplift_due_dates():
    april = UpliftRule(FIXED_APRIL, percent_bp=250)
    assert uplift_due_dates(april, D(2026, 9, 1), D(2029, 8, 31)) == [
        D(2027, 4, 1), D(2028, 4, 1), D(2029, 4, 1)]
    # Strictly after the start: a 1 April start has its first uplift a year later.
    assert uplift_due_dates(april, D(2026, 4, 1), D(2027, 4, 1)) == [D(2027, 4, 1)]
    assert uplift_due_dates(UpliftRule(INDEX_LINKED, index_code="CPI", reference_month=9),
                            D(2026, 3, 31), D(2026, 4, 1)) == [D(2026, 4, 1)]
    anniversary_rule = UpliftRule(FIXED_ANNIVERSARY, percent_bp=300)
    assert uplift_due_dates(anniversary_rule, D(2026, 9, 15), D(2028, 9, 14)) == [
        D(2027, 9, 15)]
    # A 29 Feb start: 28 Feb in other years, 29 Feb again in 2032.
    assert uplift_due_dates(anniversary_rule, D(2028, 2, 29), D(2032, 3, 1)) == [
        D(2029, 2, 28), D(2030, 2, 28), D(2031, 2, 28), D(2032, 2, 29)]
    assert anniversary(D(2028, 2, 29), 1) == D(2029, 2, 28)
    assert uplift_due_dates(UpliftRule(NONE), D(2026, 9, 1), D(2036, 9, 1)) == []


def test_index_reference_month_is_the_latest_before_the_due_month():
    due = D(2027, 4, 1)
    assert index_reference_month(UpliftRule(INDEX_LINKED, reference_month=9), due) == (2026, 9)
    assert index_reference_month(UpliftRule(INDEX_LINKED, reference_month=1), due) == (2027, 1)
    assert index_reference_month(UpliftRule(INDEX_LINKED, reference_month=3), due) == (2027, 3)
    assert index_reference_month(UpliftRule(INDEX_LINKED, reference_month=4), due) == (2026, 4)


def test_the_lower_of_one_and_a_half_percent_and_cpi_reviewed_above_three():
    rule = UpliftRule(INDEX_LINKED, index_code="CPI", reference_month=9, cap_bp=150,
                      review_above_bp=300)
    due = D(2027, 4, 1)  # follows September 2026's CPI
    high = uplift_percent(rule, due, {(2026, 9): 410})
    assert (high.percent_bp, high.review_triggered, high.index_missing, high.index_bp) == (
        150, True, False, 410)
    low = uplift_percent(rule, due, {(2026, 9): 120})
    assert (low.percent_bp, low.review_triggered, low.index_bp) == (120, False, 120)
    missing = uplift_percent(rule, due, {(2026, 8): 500})
    assert (missing.percent_bp, missing.index_missing, missing.index_bp) == (0, True, None)
    assumed = uplift_percent(rule, due, {}, assumed_bp=200)
    assert (assumed.percent_bp, assumed.index_missing, assumed.assumed) == (150, False, True)
    floored = uplift_percent(UpliftRule(INDEX_LINKED, index_code="CPI", reference_month=9,
                                        floor_bp=0), due, {(2026, 9): -30})
    assert floored.percent_bp == 0
    fixed = uplift_percent(UpliftRule(FIXED_APRIL, percent_bp=250), due, {})
    assert (fixed.percent_bp, fixed.index_bp, fixed.index_missing) == (250, None, False)


def test_validate_rule_messages():
    assert validate_rule(UpliftRule(FIXED_APRIL, percent_bp=250)) == []
    assert validate_rule(UpliftRule(INDEX_LINKED, index_code="CPI", reference_month=9,
                                    cap_bp=300, floor_bp=0)) == []
    assert validate_rule(UpliftRule(NONE)) == []
    assert validate_rule(UpliftRule(FIXED_APRIL)) == ["Enter the uplift percentage."]
    assert validate_rule(UpliftRule(FIXED_ANNIVERSARY, percent_bp=5001)) == [
        "The uplift percentage must be between -20% and 50%."]
    assert validate_rule(UpliftRule(FIXED_ANNIVERSARY, percent_bp=-2000)) == []
    assert validate_rule(UpliftRule(INDEX_LINKED, reference_month=13)) == [
        "Choose the index the uplift follows.", "The reference month must be a month, 1 to 12."]
    assert validate_rule(UpliftRule(INDEX_LINKED, index_code="CPI", reference_month=9,
                                    cap_bp=100, floor_bp=200)) == [
        "The cap (1%) is below the floor (2%)."]
    assert validate_rule(UpliftRule("negotiated"))[0].startswith("Unknown uplift kind")


def test_uplift_fee_rounds_half_up():
    # 1020 × 1.025 = 1045.5 → 1046; 1020 × 0.975 = 994.5 → 995 (towards +∞).
    assert uplift_fee(1020, 250) == 1046
    assert uplift_fee(1020, -250) == 995
    # 100000 × 1.025 = 102500 exactly.
    assert uplift_fee(100000, 250) == 102500


def test_project_fees_compounds_on_the_fee_in_force():
    fees = (FeeStep(D(2026, 9, 1), 100000),)
    rule = UpliftRule(FIXED_APRIL, percent_bp=250)
    # 100000 → 102500 (1 Apr 2027) → 102500 × 1.025 = 105062.5 → 105063 (2028)
    # → 105063 × 1.025 = 107689.575 → 107690 (2029).
    projected = project_fees(fees, rule, D(2026, 9, 1), D(2029, 8, 31), {})
    assert projected == (FeeStep(D(2026, 9, 1), 100000), FeeStep(D(2027, 4, 1), 102500),
                         FeeStep(D(2028, 4, 1), 105063), FeeStep(D(2029, 4, 1), 107690))
    # 2027's uplift already recorded as a step: not applied twice.
    recorded = fees + (FeeStep(D(2027, 4, 1), 102500),)
    assert project_fees(recorded, rule, D(2026, 9, 1), D(2029, 8, 31), {},
                        already_applied={D(2027, 4, 1)}) == projected
    # Index linked with no index and no assumption: no step projected.
    cpi = UpliftRule(INDEX_LINKED, index_code="CPI", reference_month=9)
    assert project_fees(fees, cpi, D(2026, 9, 1), D(2027, 8, 31), {}) == fees
    assert project_fees(fees, cpi, D(2026, 9, 1), D(2027, 8, 31), {}, assumed_bp=300) == (
        fees[0], FeeStep(D(2027, 4, 1), 103000))


def test_components_are_uplifted_apart_and_added():
    # Two components, 1020 and 1020, uplifted 2.5%: 1046 each (1045.5 up), 2092 in all —
    # whereas 2040 × 1.025 = 2091 exactly.
    rule = UpliftRule(FIXED_APRIL, percent_bp=250)
    education = project_fees((FeeStep(D(2026, 9, 1), 1020),), rule, D(2026, 9, 1),
                             D(2027, 8, 31), {})
    care = project_fees((FeeStep(D(2026, 9, 1), 1020),), rule, D(2026, 9, 1), D(2027, 8, 31), {})
    assert add_fee_histories(education, care) == (
        FeeStep(D(2026, 9, 1), 2040), FeeStep(D(2027, 4, 1), 2092))


def test_ranges_outside_the_charged_period_cost_nothing():
    terms = flat(FIFTY_TWO_WEEK, *AY_2026, 100001)
    before = cost(terms, D(2026, 1, 1), D(2026, 8, 31))
    assert (before.total_pence, before.lines) == (0, ())
    assert total_pence(terms, D(2025, 1, 1), D(2030, 1, 1)) == whole_life(terms).total_pence
    assert cumulative(terms, D(2026, 8, 31)) == 0
    assert Basis("52_week") is FIFTY_TWO_WEEK


# --- properties, against a day-by-day oracle ---------------------------------------------------

def _terms_strategy(year):
    first, last = academic_year_range(year)
    days = (last - first).days + 1
    return st.lists(st.integers(0, days - 1), max_size=12, unique=True).map(
        lambda offsets: tuple(
            (first + timedelta(days=a), first + timedelta(days=b))
            for a, b in zip(sorted(offsets)[::2], sorted(offsets)[1::2])))


@st.composite
def placements(draw):
    basis = draw(st.sampled_from([TERM_TIME, FIFTY_TWO_WEEK]))
    start = draw(st.dates(D(2024, 1, 1), D(2028, 12, 31)))
    last_day = start + timedelta(days=draw(st.integers(1, 1200)) - 1)
    charge_until = None
    if draw(st.booleans()):
        charge_until = last_day + timedelta(days=draw(st.integers(-5, 120)))
    end = max(last_day, charge_until or last_day)
    span = (end - start).days
    offsets = draw(st.lists(st.integers(-30, span + 30), min_size=0, max_size=4, unique=True))
    dates = sorted({start + timedelta(days=draw(st.integers(-30, 0)))} |
                   {start + timedelta(days=o) for o in offsets})
    fees = tuple(FeeStep(d, draw(st.integers(0, 2_000_000))) for d in dates)
    provider, default = {}, {}
    for year in range(academic_year(start), academic_year(end) + 1):
        which = draw(st.sampled_from(["provider", "default", "both", "none"]))
        if which in ("provider", "both"):
            provider[year] = TermCalendar(year, draw(_terms_strategy(year)), "provider")
        if which in ("default", "both"):
            default[year] = TermCalendar(year, draw(_terms_strategy(year)), "region")
    chargeable = draw(st.sampled_from([190, 195, 0, 7]))
    return CostTerms(basis, start, last_day, fees, Calendars(provider, default, chargeable),
                     charge_until)


def oracle(terms):
    """C(d) for each day of the charged period, adding each day's exact cost one at a time."""
    end = max(terms.last_day, terms.charge_until or terms.last_day)
    c, day, by_day = Fraction(0), terms.start, {}
    while day <= end:
        fee = fee_on(terms.fees, day)
        if terms.basis is FIFTY_TWO_WEEK:
            c += Fraction(fee, 7)
        else:
            year = academic_year(day)
            calendar = terms.calendars.provider.get(year) or terms.calendars.default.get(year)
            if calendar is not None:
                if day.weekday() < 5 and any(a <= day <= b for a, b in calendar.terms):
                    c += Fraction(fee, 5)
            else:
                first, last = academic_year_range(year)
                c += Fraction(fee * terms.calendars.chargeable_days,
                              5 * ((last - first).days + 1))
        by_day[day] = c
        day += DAY
    return by_day


def oracle_cost(by_day, terms, a, b):
    def rounded_c(d):
        if d < terms.start:
            return 0
        return round_half_up(by_day.get(d, by_day[max(by_day)]))
    return rounded_c(b) - rounded_c(a - DAY) if b >= a else 0


@given(placements(), st.data())
@ENGINE
def test_engine_agrees_with_the_day_by_day_oracle(terms, data):
    by_day = oracle(terms)
    end = max(by_day)
    whole = whole_life(terms)
    assert whole.total_pence == round_half_up(by_day[end])
    assert sum(line.amount_pence for line in whole.lines) == whole.total_pence
    for d in (terms.start, terms.last_day, end, terms.start + (end - terms.start) // 2):
        assert cumulative(terms, d) == by_day[d]
    a = data.draw(st.dates(terms.start - timedelta(days=20), end + timedelta(days=20)))
    b = data.draw(st.dates(a - DAY, end + timedelta(days=20)))
    part = cost(terms, a, b)
    assert part.total_pence == oracle_cost(by_day, terms, a, b) == total_pence(terms, a, b)
    assert sum(line.amount_pence for line in part.lines) == part.total_pence
    # Lines are consecutive stretches inside the range, each counting what the oracle counts.
    for line in part.lines:
        assert max(a, terms.start) <= line.from_ <= line.to <= min(b, end)
        assert line.days > 0
    for earlier, later in zip(part.lines, part.lines[1:]):
        assert earlier.to < later.from_
    assert part.estimated == any(line.estimated for line in part.lines)


@given(placements(), st.lists(st.integers(0, 1400), max_size=8))
@ENGINE
def test_consecutive_ranges_add_up_to_the_whole(terms, cuts):
    end = terms.charged_until
    first, last = terms.start - timedelta(days=3), end + timedelta(days=3)
    points = sorted({first + timedelta(days=c) for c in cuts if first + timedelta(days=c) <= last})
    bounds = [first] + [p for p in points if p > first] + [last + DAY]
    ranges = [(a, b - DAY) for a, b in zip(bounds, bounds[1:])]
    whole = whole_life(terms).total_pence
    assert sum(c.total_pence for c in split(terms, ranges)) == whole
    for ranges_of in (month_ranges, financial_year_ranges, academic_year_ranges):
        assert sum(c.total_pence for c in split(terms, ranges_of(terms.start, end))) == whole


@given(placements(), st.lists(st.integers(-10, 1400), min_size=2, max_size=8))
@ENGINE
def test_cost_to_a_later_day_is_never_less(terms, offsets):
    days = sorted(terms.start + timedelta(days=o) for o in offsets)
    totals = [cost(terms, terms.start, d).total_pence for d in days]
    assert totals == sorted(totals)  # every fee drawn is 0 or more
