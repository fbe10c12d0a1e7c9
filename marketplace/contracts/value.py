"""A block contract's value over time (issue 13 §3, DESIGN §3 "Block contracts and contract
register"): pure functions, no database, on the placements' cost engine (``placements.engine``:
its uplift rules, rounding and year ranges are reused here, not written again).

The convention:

- The annual value is a *rate* in pence a year. It steps on each uplift due date of the
  contract's rule (``engine.uplift_due_dates``, applied by ``engine.project_fees`` to the
  one-step history ``(FeeStep(start, annual_value_pence),)``, each uplift compounding on the rate
  in force and rounded half-up to the penny): on each anniversary of the start for a
  fixed-anniversary rule, on each 1 April after the start for a fixed-April or an index-linked
  one. With the uplift convention "from_year_one" the first rate is already uplifted once
  (``engine.uplift_fee(annual, engine.uplift_percent(rule, start, ...))``); with
  "from_first_anniversary" (the usual reading) year one is at the annual value.
- Contract year k (k = 1, 2, …) runs from ``anniversary(start, k − 1)`` to the day before
  ``anniversary(start, k)``: N_k days (365 or 366).
- Each day of contract year k accrues rate(day) / N_k pence, kept as an exact Fraction. The
  cumulative value C(d) to the end of day d is the sum of the days from the start to d, and the
  value of any range [a, b] is round_half_up(C(b)) − round_half_up(C(a − 1)): the cost engine's
  convention of rounding cumulative totals only (issue 12 §6), so any split of a range into
  consecutive parts (contract years, financial years, terms) adds up to the whole to the penny.
- A full contract year under an anniversary rule is therefore exactly its rate; a part year
  (a 17-month term's second year) is its rate pro rata by days, rate × days / N_k; a fixed
  1 April rule steps inside a contract year, each part at its own rate.
- Index-linked uplifts use the index value at the rule's reference month where it is known,
  else the assumed rate given (the authority's forecast setting); every figure from the first
  such due date on is then *estimated*.

Terms: the initial term and each extension option follow end to end (``contracts.terms``); the
*committed* value is the initial term's and the extensions taken so far, the value *with all
extensions* every option's (the maximum). A terminated contract stops at ``terminated_on``:
nothing after it is counted in any figure.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from ..placements import engine
from . import terms as term_dates

ONE_DAY = timedelta(days=1)
FROM_FIRST_ANNIVERSARY = "from_first_anniversary"
FROM_YEAR_ONE = "from_year_one"
CONVENTIONS = (FROM_FIRST_ANNIVERSARY, FROM_YEAR_ONE)
INITIAL = "initial"
EXTENSION = "extension"


def describe_convention(convention: str) -> str:
    """The convention in words, for the pages, the spreadsheet and the API (issue 13 §3)."""
    first = ("Year one is at the annual value and the uplift applies from the rule's first "
             "date after the start" if convention != FROM_YEAR_ONE else
             "The uplift applies from year one: the first year's rate is the annual value "
             "uplifted once, and each later uplift compounds on it")
    return (f"{first}. The value accrues day by day: each day of a contract year is that "
            "year's rate in force divided by the days in the contract year, so a full "
            "contract year under an anniversary uplift is exactly its rate and a part year is "
            "pro rata by days. Totals are rounded to the penny only as running totals, so the "
            "contract years and the financial years each add up to the whole exactly.")


def contract_year_of(start: date, d: date) -> int:
    """The contract year (from 1) containing ``d`` (on or after ``start``): the k with
    anniversary(start, k − 1) ≤ d < anniversary(start, k)."""
    k = max(1, d.year - start.year)
    while engine.anniversary(start, k) <= d:
        k += 1
    while k > 1 and engine.anniversary(start, k - 1) > d:
        k -= 1
    return k


def contract_year_range(start: date, k: int) -> tuple[date, date]:
    """Contract year k's first and last day: anniversary(start, k − 1) to the day before
    anniversary(start, k)."""
    return engine.anniversary(start, k - 1), engine.anniversary(start, k) - ONE_DAY


def contract_year_ranges(start: date, a: date, b: date) -> list[tuple[int, date, date]]:
    """(k, first, last) for each contract year meeting [a, b], clipped to it; [] if b < a."""
    ranges = []
    if b < a:
        return ranges
    k = contract_year_of(start, max(a, start))
    while True:
        first, last = contract_year_range(start, k)
        if first > b:
            break
        ranges.append((k, max(first, a), min(last, b)))
        k += 1
    return ranges


# ---------------------------------------------------------------- the rate and the value

class ContractValue:
    """A contract's rate history up to ``last_day`` and its exact cumulative value (the
    module's convention). Segments (one rate in one contract year) are built once; each figure
    is then a bisect and one Fraction."""

    def __init__(self, start: date, annual_value_pence: int, rule: engine.UpliftRule,
                 convention: str = FROM_FIRST_ANNIVERSARY, *, last_day: date,
                 index_values: Mapping[tuple[int, int], int] | None = None,
                 assumed_bp: int | None = None):
        if convention not in CONVENTIONS:
            raise ValueError(f"unknown uplift convention {convention!r}")
        if last_day < start:
            raise ValueError("the last day is before the start")
        index_values = index_values or {}
        self.start, self.last_day = start, last_day
        self.rule, self.convention = rule, convention
        first_rate = annual_value_pence
        self.year_one_assumed = False
        if convention == FROM_YEAR_ONE:
            decision = engine.uplift_percent(rule, start, index_values, assumed_bp)
            first_rate = engine.uplift_fee(annual_value_pence, decision.percent_bp)
            self.year_one_assumed = decision.assumed
        self.rates = engine.project_fees((engine.FeeStep(start, first_rate),), rule, start,
                                         last_day, index_values, assumed_bp)
        self.assumed_dates = ()
        if rule.kind == engine.INDEX_LINKED and assumed_bp is not None:
            self.assumed_dates = tuple(
                due for due in engine.uplift_due_dates(rule, start, last_day)
                if engine.index_reference_month(rule, due) not in index_values)
        self._build()

    def _build(self):
        """Segments [first, last] of one rate within one contract year, with the exact value
        accrued before each."""
        cuts = {self.start, self.last_day + ONE_DAY}
        cuts.update(step.effective_from for step in self.rates
                    if self.start < step.effective_from <= self.last_day)
        k = 1
        while (anniversary := engine.anniversary(self.start, k)) <= self.last_day:
            cuts.add(anniversary)
            k += 1
        points = sorted(cuts)
        self._firsts, self._per_day, self._before = [], [], []
        accrued = Fraction(0)
        for first, following in zip(points, points[1:]):
            year_first, year_last = contract_year_range(self.start,
                                                        contract_year_of(self.start, first))
            per_day = Fraction(engine.fee_on(self.rates, first),
                               (year_last - year_first).days + 1)
            self._firsts.append(first.toordinal())
            self._per_day.append(per_day)
            self._before.append(accrued)
            accrued += per_day * (following - first).days
        self._total = accrued

    def rate_on(self, d: date) -> int:
        """The rate (pence a year) in force on ``d``."""
        return engine.fee_on(self.rates, d)

    def cumulative(self, d: date) -> Fraction:
        """C(d): the exact value from the start to the end of ``d``; 0 before the start, the
        whole to ``last_day`` after it."""
        ordinal = d.toordinal()
        if ordinal < self._firsts[0]:
            return Fraction(0)
        if d >= self.last_day:
            return self._total
        i = bisect_right(self._firsts, ordinal) - 1
        return self._before[i] + self._per_day[i] * (ordinal - self._firsts[i] + 1)

    def value(self, a: date, b: date) -> int:
        """The value in pence of [a, b]: round(C(b)) − round(C(a − 1)); 0 if b < a."""
        if b < a:
            return 0
        return (engine.round_half_up(self.cumulative(b))
                - engine.round_half_up(self.cumulative(a - ONE_DAY)))

    def estimated(self, a: date, b: date) -> bool:
        """Whether the value of [a, b] rests on an assumed index rate: some day of it within
        the contract on or after an index-linked uplift projected at the assumed rate (or every
        day, when year one's uplift was)."""
        a, b = max(a, self.start), min(b, self.last_day)
        if b < a:
            return False
        return self.year_one_assumed or any(due <= b for due in self.assumed_dates)


def value_between(start: date, annual_value_pence: int, rule: engine.UpliftRule,
                  convention: str, a: date, b: date, *, last_day: date | None = None,
                  index_values=None, assumed_bp=None) -> int:
    """The value of [a, b] of a contract from ``start`` (running to ``last_day``, by default
    ``b``), under the module's convention."""
    value = ContractValue(start, annual_value_pence, rule, convention,
                          last_day=last_day or max(b, start), index_values=index_values,
                          assumed_bp=assumed_bp)
    return value.value(a, b)


# ---------------------------------------------------------------- terms

@dataclass(frozen=True)
class Period:
    """The initial term (number 0) or extension option n, from ``first`` to ``last``;
    ``committed`` when it is the initial term or a taken extension."""
    number: int
    first: date
    last: date
    committed: bool
    months: int

    @property
    def term(self) -> str:
        """"initial" or "extension 1", "extension 2", …"""
        return INITIAL if self.number == 0 else f"{EXTENSION} {self.number}"

    @property
    def label(self) -> str:
        return "Initial term" if self.number == 0 else f"Extension {self.number}"


def periods(start: date, initial_months: int, extensions: Iterable[tuple[int, bool]] = (),
            terminated_on: date | None = None) -> list[Period]:
    """The initial term and each extension option ((months, taken) in order) end to end
    (``contracts.terms.end_after``, counted from the start); a terminated contract's stop at
    ``terminated_on`` (those after it dropped, the one containing it cut short)."""
    found = []
    months = [initial_months]
    first = start
    options = [(initial_months, True), *extensions]
    for number, (length, taken) in enumerate(options):
        if number:
            months.append(length)
        last = term_dates.end_after(start, months[0], months[1:])
        found.append(Period(number, first, last, bool(taken), length))
        first = last + ONE_DAY
    if terminated_on is not None:
        found = [Period(p.number, p.first, min(p.last, terminated_on), p.committed, p.months)
                 for p in found if p.first <= terminated_on]
    return found


@dataclass(frozen=True)
class YearRow:
    """A contract year within one term (a 17-month term's second year is a part year, and a
    contract year an extension begins inside is split there), with its value."""
    contract_year: int
    first: date
    last: date
    period: Period
    value_pence: int
    estimated: bool
    full_year: bool

    @property
    def committed(self) -> bool:
        return self.period.committed


@dataclass(frozen=True)
class FinancialYearRow:
    """A financial year (1 April–31 March) of the contract: the value with all extensions, the
    initial term's and the committed value (initial term and extensions taken) in it."""
    year: int
    first: date
    last: date
    value_pence: int
    initial_term_pence: int
    committed_pence: int
    estimated: bool

    @property
    def label(self) -> str:
        return engine.year_label(self.year)


def year_rows(value: ContractValue, terms: list[Period]) -> list[YearRow]:
    """Each term's contract years, in order (they add up to the total over the terms)."""
    rows = []
    for period in terms:
        for k, a, b in contract_year_ranges(value.start, period.first, period.last):
            year_first, year_last = contract_year_range(value.start, k)
            rows.append(YearRow(k, a, b, period, value.value(a, b), value.estimated(a, b),
                                (a, b) == (year_first, year_last)))
    return rows


def _value_within(value, a, b, terms):
    return sum(value.value(max(a, p.first), min(b, p.last)) for p in terms)


def financial_year_rows(value: ContractValue, terms: list[Period]) -> list[FinancialYearRow]:
    """The financial years from the first term's start to the last term's end, each with its
    value over all the terms, the initial term's and the committed terms'."""
    if not terms:
        return []
    committed = [p for p in terms if p.committed]
    initial = [p for p in terms if p.number == 0]
    rows = []
    for a, b in engine.financial_year_ranges(terms[0].first, terms[-1].last):
        rows.append(FinancialYearRow(
            engine.financial_year(a), a, b, _value_within(value, a, b, terms),
            _value_within(value, a, b, initial), _value_within(value, a, b, committed),
            value.estimated(a, b)))
    return rows


@dataclass(frozen=True)
class ValueForecast:
    """A contract's forecast (issue 13 §3): its terms, contract-year rows over the maximum
    term, financial-year rows, and the three totals (``value`` None, and nothing else, for a
    contract terminated before it started)."""
    value: ContractValue | None
    terms: list[Period]
    years: list[YearRow]
    financial_years: list[FinancialYearRow]
    initial_term_pence: int
    committed_pence: int
    with_all_extensions_pence: int

    @property
    def estimated(self) -> bool:
        return any(row.estimated for row in self.years)

    @property
    def committed_end(self) -> date | None:
        ends = [p.last for p in self.terms if p.committed]
        return max(ends) if ends else None


def forecast(start: date, annual_value_pence: int, rule: engine.UpliftRule,
             convention: str = FROM_FIRST_ANNIVERSARY, *, initial_months: int,
             extensions: Iterable[tuple[int, bool]] = (), terminated_on: date | None = None,
             index_values=None, assumed_bp=None) -> ValueForecast:
    """The whole forecast of a contract from its columns (issue 13 §3): ``extensions`` are the
    options as (months, taken) in order. Totals: the initial term's; the committed (initial
    term and taken extensions, to ``terminated_on`` when terminated); with all extensions."""
    terms = periods(start, initial_months, extensions, terminated_on)
    if not terms:  # terminated before it started: worth nothing
        return ValueForecast(None, [], [], [], 0, 0, 0)
    value = ContractValue(start, annual_value_pence, rule, convention, last_day=terms[-1].last,
                          index_values=index_values, assumed_bp=assumed_bp)
    return ValueForecast(
        value, terms, year_rows(value, terms), financial_year_rows(value, terms),
        _value_within(value, start, terms[-1].last, [p for p in terms if p.number == 0]),
        _value_within(value, start, terms[-1].last, [p for p in terms if p.committed]),
        _value_within(value, start, terms[-1].last, terms))


def committed_terms(start, initial_months, extensions=(), terminated_on=None) -> list[Period]:
    """The committed terms: the initial term and the extensions taken, to ``terminated_on``
    when terminated."""
    return [p for p in periods(start, initial_months, extensions, terminated_on) if p.committed]


def value_within(contract_value: ContractValue, terms: list[Period], a: date,
                 b: date) -> tuple[int, bool]:
    """(the value of [a, b] within ``terms``, whether it is estimated)."""
    inside = [(max(a, p.first), min(b, p.last)) for p in terms]
    inside = [(x, y) for x, y in inside if x <= y]
    return (sum(contract_value.value(x, y) for x, y in inside),
            any(contract_value.estimated(x, y) for x, y in inside))


def committed_value(start, annual_value_pence, rule, convention, *, initial_months,
                    extensions=(), terminated_on=None, index_values=None, assumed_bp=None,
                    first: date | None = None, last: date | None = None) -> tuple[int, bool]:
    """(the committed value within [first, last] (the whole committed term by default),
    whether it is estimated): what the register's total and the authority's forecast count
    (issue 13 §3, §4)."""
    terms = committed_terms(start, initial_months, extensions, terminated_on)
    if not terms:
        return 0, False
    contract_value = ContractValue(start, annual_value_pence, rule, convention,
                                   last_day=terms[-1].last, index_values=index_values,
                                   assumed_bp=assumed_bp)
    return value_within(contract_value, terms, first or start, last or terms[-1].last)
