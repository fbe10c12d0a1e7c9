"""A block contract's value (issue 13 §3, DESIGN §3 "Block contracts and contract register"):
hand-worked figures, each with its arithmetic, and properties checked against a slow
day-by-day oracle.

Pure, so no database: the module's own ``session`` fixture stands in for the suite's autouse
one, as in tests/placements/test_engine.py."""
from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.contracts import value
from marketplace.contracts.value import FROM_FIRST_ANNIVERSARY, FROM_YEAR_ONE
from marketplace.placements import engine
from marketplace.placements.engine import UpliftRule

settings.register_profile("contract_value", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
VALUE = settings.get_profile("contract_value")

D = date
DAY = timedelta(days=1)
ANNIVERSARY_2_5 = UpliftRule(engine.FIXED_ANNIVERSARY, percent_bp=250)
# The check figure's year rates, each 2.5% on the last, rounded half-up to the penny:
# 91,650,200 × 1.025 = 93,941,455; × 1.025 = 96,289,991.375 → 96,289,991; → 98,697,240.78 →
# 98,697,241; → 101,164,672.03 → 101,164,672; → 103,693,788.8 → 103,693,789; →
# 106,286,133.7 → 106,286,134.
CHECK_RATES = [91650200, 93941455, 96289991, 98697241, 101164672, 103693789, 106286134]


@pytest.fixture
def session():
    """No database here: overrides the suite's autouse transaction fixture."""
    yield None


def _check_figure(convention, decisions=(False, False, False)):
    return value.forecast(D(2026, 9, 1), 91650200, ANNIVERSARY_2_5, convention,
                          initial_months=48, extensions=[(12, taken) for taken in decisions])


def test_issue_13_s3_check_figure_uplifted_from_the_first_anniversary():
    """DESIGN §3's seed check: £916,502 a year, 2.5% on each anniversary, 48 months plus three
    12-month options from 1 September 2026 is £6,917,234.82 with every option taken ("in the
    region of £7,000,000", issue 13 §3). Each full contract year is exactly its rate."""
    result = _check_figure(FROM_FIRST_ANNIVERSARY)
    assert [row.value_pence for row in result.years] == CHECK_RATES
    assert all(row.full_year for row in result.years)
    assert [(row.first, row.last) for row in result.years[:2]] == [
        (D(2026, 9, 1), D(2027, 8, 31)), (D(2027, 9, 1), D(2028, 8, 31))]
    assert [row.period.term for row in result.years] == [
        "initial"] * 4 + ["extension 1", "extension 2", "extension 3"]
    assert result.with_all_extensions_pence == sum(CHECK_RATES) == 691723482
    # The initial term: the first four rates, 380,578,887p = £3,805,788.87.
    assert result.initial_term_pence == sum(CHECK_RATES[:4]) == 380578887
    # Nothing taken yet: committed is the initial term.
    assert result.committed_pence == 380578887
    assert result.estimated is False


def test_issue_13_s3_committed_counts_the_extensions_taken():
    """Committed = the initial term and the extensions taken so far (issue 13 §3): one taken
    adds year 5's rate."""
    result = _check_figure(FROM_FIRST_ANNIVERSARY, (True, False, False))
    assert result.committed_pence == sum(CHECK_RATES[:5]) == 481743559
    assert [row.committed for row in result.years] == [True] * 5 + [False, False]
    assert result.committed_end == D(2031, 8, 31)


def test_issue_13_s3_check_figure_uplifted_from_year_one():
    """The same contract uplifted from year one (issue 13 §3: say which convention): year one
    is already 91,650,200 × 1.025 = 93,941,455, and year 7 is 106,286,134 × 1.025 =
    108,943,287.35 → 108,943,287; total 709,016,569p = £7,090,165.69."""
    result = _check_figure(FROM_YEAR_ONE)
    assert [row.value_pence for row in result.years] == CHECK_RATES[1:] + [108943287]
    assert result.with_all_extensions_pence == 709016569


def test_issue_13_s3_mid_term_start_split_by_financial_year_adds_up_exactly():
    """A 1 September start against budgets from 1 April (issue 13 §3): the 48-month initial
    term by financial year, the running total rounded at each 31 March.
    - 2026-27: 212 of year 1's 365 days: 91,650,200 × 212/365 = 53,232,444.93 → 53,232,445.
    - 2027-28: C(31 Mar 2028) = 91,650,200 + 93,941,455 × 213/366 (year 2 holds 29 Feb 2028)
      = 146,321,046.76 → 146,321,047; less 53,232,445 = 93,088,602.
    - 2028-29: C = 185,591,655 + 96,289,991 × 212/365 = 241,518,992.24 → 241,518,992;
      95,197,945.
    - 2029-30: C = 281,881,646 + 98,697,241 × 212/365 = 339,207,166.8 → 339,207,167;
      97,688,175.
    - 2030-31: to 31 Aug 2030, 380,578,887 − 339,207,167 = 41,371,720.
    They add up to the four contract years' 380,578,887 exactly."""
    result = _check_figure(FROM_FIRST_ANNIVERSARY)
    rows = result.financial_years
    assert [row.label for row in rows] == ["2026-27", "2027-28", "2028-29", "2029-30",
                                           "2030-31", "2031-32", "2032-33", "2033-34"]
    initial = [row.initial_term_pence for row in rows]
    assert initial == [53232445, 93088602, 95197945, 97688175, 41371720, 0, 0, 0]
    assert sum(initial) == result.initial_term_pence == 380578887
    assert [row.committed_pence for row in rows] == initial
    assert sum(row.value_pence for row in rows) == 691723482
    assert (rows[0].first, rows[0].last) == (D(2026, 9, 1), D(2027, 3, 31))
    assert (rows[-1].first, rows[-1].last) == (D(2033, 4, 1), D(2033, 8, 31))
    assert value.value_between(D(2026, 9, 1), 91650200, ANNIVERSARY_2_5,
                               FROM_FIRST_ANNIVERSARY, D(2027, 4, 1), D(2028, 3, 31)) == 93088602


def test_issue_13_s3_a_17_month_term_has_a_part_second_year_pro_rata_by_days():
    """A 17-month term from 1 September 2026 ends on 31 January 2028 (issue 13 §1: such terms
    occur). Year 2 (1 Sep 2027–31 Aug 2028) has 366 days; the term has 153 of them (30 + 31 +
    30 + 31 + 31): 93,941,455 × 153/366 = 39,270,608.25 → 39,270,608. A 12-month extension
    then runs 1 Feb 2028–31 Jan 2029: the rest of year 2 (213 days, 54,670,846.76: C(31 Aug
    2028) = 185,591,655 exactly, less 130,920,808 = 54,670,847) and 153 days of year 3 (365
    days): 96,289,991 × 153/365 = 40,362,653.6 → 40,362,654; in all 225,954,309."""
    result = value.forecast(D(2026, 9, 1), 91650200, ANNIVERSARY_2_5, initial_months=17,
                            extensions=[(12, True)])
    assert [(row.contract_year, row.first, row.last, row.value_pence, row.period.term,
             row.full_year) for row in result.years] == [
        (1, D(2026, 9, 1), D(2027, 8, 31), 91650200, "initial", True),
        (2, D(2027, 9, 1), D(2028, 1, 31), 39270608, "initial", False),
        (2, D(2028, 2, 1), D(2028, 8, 31), 54670847, "extension 1", False),
        (3, D(2028, 9, 1), D(2029, 1, 31), 40362654, "extension 1", False)]
    assert result.initial_term_pence == 91650200 + 39270608 == 130920808
    assert result.committed_pence == result.with_all_extensions_pence == 225954309


def test_issue_13_s3_a_fixed_1_april_rule_steps_inside_a_contract_year():
    """£100,000 a year, 2% each 1 April, 24 months from 1 September 2026 (issue 13 §3, the
    placements' rule "a fixed % each 1 April"). Year 1 (365 days): 212 days at 10,000,000 and
    153 at 10,200,000: 3,680,600,000/365 = 10,083,835.62 → 10,083,836. Year 2 (366 days): 213
    at 10,200,000 and 153 at 10,404,000: C = 20,369,114.30 → 20,369,114, so 10,285,278.
    By financial year: 2026-27 212 × 10,000,000/365 = 5,808,219.18 → 5,808,219; C(31 Mar
    2028) = 5,808,219.18 + 153 × 10,200,000/365 + 213 × 10,200,000/366 = 16,019,901.19 →
    16,019,901, so 2027-28 is 10,211,682; 2028-29 the rest, 4,349,213."""
    result = value.forecast(D(2026, 9, 1), 10000000,
                            UpliftRule(engine.FIXED_APRIL, percent_bp=200), initial_months=24)
    assert result.value.rates == (engine.FeeStep(D(2026, 9, 1), 10000000),
                                  engine.FeeStep(D(2027, 4, 1), 10200000),
                                  engine.FeeStep(D(2028, 4, 1), 10404000))
    assert [row.value_pence for row in result.years] == [10083836, 10285278]
    assert [(row.label, row.value_pence) for row in result.financial_years] == [
        ("2026-27", 5808219), ("2027-28", 10211682), ("2028-29", 4349213)]
    assert result.with_all_extensions_pence == 20369114


def test_issue_13_s3_index_linked_at_the_assumed_rate_where_the_index_is_unknown():
    """CPI at September, each 1 April, 36 months from 1 September 2026 at £100,000 (issue 12
    §4 via issue 13 §3). September 2026's CPI is known (3.8%): 1 April 2027 → 10,380,000.
    September 2027 and 2028 are not: the authority's assumed 2% → 10,587,600 on 1 April 2028,
    10,799,352 on 1 April 2029, and everything from 1 April 2028 is estimated. Year 1: 212 days
    at 10,000,000 + 153 at 10,380,000 over 365 = 10,159,287.67 → 10,159,288."""
    result = value.forecast(D(2026, 9, 1), 10000000,
                            UpliftRule(engine.INDEX_LINKED, index_code="CPI",
                                       reference_month=9),
                            initial_months=36, index_values={(2026, 9): 380}, assumed_bp=200)
    assert [step.weekly_pence for step in result.value.rates] == [
        10000000, 10380000, 10587600, 10799352]
    assert result.value.assumed_dates == (D(2028, 4, 1), D(2029, 4, 1))
    assert result.years[0].value_pence == 10159288
    assert [row.estimated for row in result.years] == [False, True, True]
    assert [(row.label, row.estimated) for row in result.financial_years] == [
        ("2026-27", False), ("2027-28", False), ("2028-29", True), ("2029-30", True)]
    assert result.estimated is True
    # With the index known throughout, nothing is estimated.
    known = value.forecast(D(2026, 9, 1), 10000000, result.value.rule, initial_months=36,
                           index_values={(2026, 9): 380, (2027, 9): 200, (2028, 9): 200},
                           assumed_bp=999)
    assert known.estimated is False
    assert known.with_all_extensions_pence == result.with_all_extensions_pence


def test_issue_13_s3_from_year_one_with_an_index_uses_the_month_before_the_start():
    """Uplifted from year one under an index-linked rule: the first rate follows the index at
    the reference month before the start (September 2025 for a 1 September 2026 start, 3.8%):
    10,000,000 → 10,380,000 from day one; unknown, the assumed rate, and all of it is
    estimated."""
    rule = UpliftRule(engine.INDEX_LINKED, index_code="CPI", reference_month=9)
    known = value.ContractValue(D(2026, 9, 1), 10000000, rule, FROM_YEAR_ONE,
                                last_day=D(2027, 3, 31), index_values={(2025, 9): 380})
    assert known.rate_on(D(2026, 9, 1)) == 10380000 and not known.estimated(
        D(2026, 9, 1), D(2027, 3, 31))
    assumed = value.ContractValue(D(2026, 9, 1), 10000000, rule, FROM_YEAR_ONE,
                                  last_day=D(2027, 3, 31), assumed_bp=200)
    assert assumed.rate_on(D(2026, 9, 1)) == 10200000
    assert assumed.estimated(D(2026, 9, 1), D(2026, 9, 1))


def test_issue_13_s1_a_terminated_contract_stops_at_its_termination():
    """Terminated early (issue 13 §1): nothing after ``terminated_on`` counts in any figure.
    Ended 28 February 2028 in year 2 (181 of its 366 days): 93,941,455 × 181/366 =
    46,457,386.2 → 46,457,386."""
    result = value.forecast(D(2026, 9, 1), 91650200, ANNIVERSARY_2_5, initial_months=48,
                            extensions=[(12, False)] * 3, terminated_on=D(2028, 2, 28))
    assert [(p.term, p.last) for p in result.terms] == [("initial", D(2028, 2, 28))]
    assert [row.value_pence for row in result.years] == [91650200, 46457386]
    assert (result.initial_term_pence == result.committed_pence
            == result.with_all_extensions_pence == 91650200 + 46457386 == 138107586)


def test_issue_13_s1_a_contract_terminated_before_it_started_is_worth_nothing():
    result = value.forecast(D(2026, 9, 1), 91650200, ANNIVERSARY_2_5, initial_months=48,
                            terminated_on=D(2026, 8, 31))
    assert (result.terms, result.years, result.financial_years) == ([], [], [])
    assert (result.initial_term_pence, result.committed_pence,
            result.with_all_extensions_pence, result.estimated) == (0, 0, 0, False)
    assert value.committed_value(D(2026, 9, 1), 91650200, ANNIVERSARY_2_5,
                                 FROM_FIRST_ANNIVERSARY, initial_months=48,
                                 terminated_on=D(2026, 8, 31)) == (0, False)


def test_issue_13_s1_terms_follow_end_to_end_from_the_start():
    """Each extension starts the day after the previous end, counted from the start so that
    month-end clamping never drifts (contracts.terms.end_after)."""
    found = value.periods(D(2027, 1, 31), 1, [(1, True), (12, False)])
    assert [(p.term, p.first, p.last, p.committed) for p in found] == [
        ("initial", D(2027, 1, 31), D(2027, 2, 27), True),
        ("extension 1", D(2027, 2, 28), D(2027, 3, 30), True),
        ("extension 2", D(2027, 3, 31), D(2028, 3, 30), False)]


def test_the_convention_is_said_in_words():
    assert "Year one is at the annual value" in value.describe_convention(
        FROM_FIRST_ANNIVERSARY)
    assert "from year one" in value.describe_convention(FROM_YEAR_ONE)


def test_contract_years_of_a_29_february_start():
    """A 29 February start's anniversaries in other years are 28 February (engine.anniversary):
    year 1 is 29 Feb 2028–27 Feb 2029 (365 days)."""
    assert value.contract_year_range(D(2028, 2, 29), 1) == (D(2028, 2, 29), D(2029, 2, 27))
    assert value.contract_year_of(D(2028, 2, 29), D(2029, 2, 28)) == 2
    assert value.contract_year_of(D(2028, 2, 29), D(2029, 2, 27)) == 1


# ---------------------------------------------------------------- properties

@st.composite
def rules(draw):
    kind = draw(st.sampled_from(engine.UPLIFT_KINDS))
    if kind in (engine.FIXED_APRIL, engine.FIXED_ANNIVERSARY):
        return UpliftRule(kind, percent_bp=draw(st.integers(-2000, 5000)))
    if kind == engine.INDEX_LINKED:
        cap = draw(st.none() | st.integers(0, 1000))
        return UpliftRule(kind, index_code="CPI", reference_month=draw(st.integers(1, 12)),
                          cap_bp=cap, floor_bp=draw(st.none() | st.integers(-500, 0)))
    return UpliftRule(engine.NONE)


@st.composite
def contracts(draw, max_months=60, max_options=4):
    start = draw(st.dates(D(2020, 1, 1), D(2035, 12, 31)))
    initial = draw(st.integers(1, max_months))
    options = draw(st.lists(st.integers(1, 24), max_size=max_options))
    taken = draw(st.integers(0, len(options)))
    extensions = [(months, n < taken) for n, months in enumerate(options)]
    terminated_on = None
    if draw(st.booleans()):
        end = engine.anniversary(start, 20)
        terminated_on = start + timedelta(days=draw(st.integers(0, (end - start).days)))
    index_values = draw(st.dictionaries(
        st.tuples(st.integers(2019, 2045), st.integers(1, 12)), st.integers(-200, 1500),
        max_size=30))
    return dict(start=start, annual_value_pence=draw(st.integers(0, 10**10)), rule=draw(rules()),
                convention=draw(st.sampled_from(value.CONVENTIONS)), initial_months=initial,
                extensions=extensions, terminated_on=terminated_on, index_values=index_values,
                assumed_bp=draw(st.none() | st.integers(-200, 1000)))


@settings(VALUE)
@given(contracts())
def test_issue_13_s3_contract_years_and_financial_years_add_up_to_the_same_totals(contract):
    """Whatever the start, terms, options, value, rule and convention: the contract-year rows
    and the financial-year rows each add up to the total with all extensions, the committed
    rows to the committed total and the initial term's to its total, to the penny (issue 13
    §3: "with the total of each")."""
    result = value.forecast(**contract)
    years, fys = result.years, result.financial_years
    assert sum(row.value_pence for row in years) == result.with_all_extensions_pence
    assert sum(row.value_pence for row in fys) == result.with_all_extensions_pence
    assert sum(row.committed_pence for row in fys) == result.committed_pence
    assert sum(row.value_pence for row in years if row.committed) == result.committed_pence
    assert sum(row.initial_term_pence for row in fys) == result.initial_term_pence
    assert sum(row.value_pence for row in years if row.period.number == 0) \
        == result.initial_term_pence
    # Consecutive, within the terms, and in order.
    assert years[0].first == contract["start"] and years[-1].last == result.terms[-1].last
    for earlier, later in zip(years, years[1:]):
        assert later.first == earlier.last + DAY
    for earlier, later in zip(fys, fys[1:]):
        assert later.first == earlier.last + DAY
    if contract["annual_value_pence"] and contract["rule"].kind == engine.NONE:
        assert result.committed_pence <= result.with_all_extensions_pence
    terminated_on = contract["terminated_on"]
    if terminated_on is not None:
        assert result.terms[-1].last <= terminated_on
    # What the authority's forecast counts for each financial year is the row's committed value.
    for row in fys[:3]:
        counted, _ = value.committed_value(**contract, first=row.first, last=row.last)
        assert counted == row.committed_pence


@settings(VALUE)
@given(contracts(), st.lists(st.integers(0, 8000), max_size=8))
def test_issue_13_s3_any_split_adds_up_to_the_whole(contract, cuts):
    """Any split of the term into consecutive ranges adds up to the value of the whole."""
    result = value.forecast(**contract)
    first, last = contract["start"], result.terms[-1].last
    span = (last - first).days
    points = sorted({first + timedelta(days=cut % (span + 1)) for cut in cuts} | {first})
    ranges = [(a, b - DAY) for a, b in zip(points, points[1:])] + [(points[-1], last)]
    assert sum(result.value.value(a, b) for a, b in ranges) == result.value.value(first, last)
    assert result.value.value(first, last) == result.with_all_extensions_pence


def _oracle(contract_value, d):
    """C(d) the slow way: every day from the start, rate(day) / days in its contract year."""
    total = Fraction(0)
    day = contract_value.start
    while day <= min(d, contract_value.last_day):
        k = value.contract_year_of(contract_value.start, day)
        a, b = value.contract_year_range(contract_value.start, k)
        total += Fraction(contract_value.rate_on(day), (b - a).days + 1)
        day += DAY
    return total


@settings(VALUE)
@given(contracts(max_months=30, max_options=2), st.integers(-5, 2000))
def test_issue_13_s3_the_cumulative_value_is_the_day_by_day_sum(contract, offset):
    """C(d) equals the day-by-day sum of rate(day) / N_k (the module's convention), for any
    day before, in or after the term."""
    result = value.forecast(**contract)
    d = contract["start"] + timedelta(days=offset)
    assert result.value.cumulative(d) == _oracle(result.value, d)


@settings(VALUE)
@given(st.dates(D(2020, 1, 1), D(2035, 12, 31)), st.integers(0, 10**10),
       st.integers(-2000, 5000), st.integers(1, 8), st.sampled_from(value.CONVENTIONS))
def test_issue_13_s3_a_full_contract_year_on_an_anniversary_rule_is_exactly_its_rate(
        start, annual, bp, years, convention):
    """Under an anniversary uplift (or none) every full contract year is exactly the rate in
    force from its first day, however long the year (365 or 366 days)."""
    for rule in (UpliftRule(engine.FIXED_ANNIVERSARY, percent_bp=bp), UpliftRule(engine.NONE)):
        result = value.forecast(start, annual, rule, convention, initial_months=12 * years)
        assert len(result.years) == years
        for row in result.years:
            assert row.full_year
            assert row.value_pence == result.value.rate_on(row.first)
