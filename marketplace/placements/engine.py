"""The cost engine: what a placement costs over any date range, exactly, with its workings
(issue 12 §6), and the uplift rules that move its fee (issue 12 §4).

Pure: no database, no Flask, standard library only. Every figure in the product (an offer's annual
cost, a placement's costs, forecasts, cost sharing) comes from here.

Money is integer pence and ``fractions.Fraction``; nothing is rounded mid-way. The exact cost from
the start to the end of day d, C(d), is rounded half-up to the penny, and the cost of [a, b] is
round(C(b)) − round(C(a − 1)), so any split of a range into consecutive sub-ranges (months,
financial years, academic years, terms) adds up to the whole to the penny (DESIGN, cost engine).

Internally C(d) is kept as an integer numerator over a fixed denominator per basis (7 for 52-week
placements, 5 × 365 × 366 for term-time ones), which makes it exact without Fraction arithmetic on
the hot path; a placement's segments (stretches of one fee, one calendar, one academic year, one
in-lieu status) are built once and cached on its :class:`CostTerms`. Work per range is
O(log(fee steps + terms + years)); building the segments is O(fee steps + terms + years).

Forecasts over thousands of placements need only totals: :func:`range_totals` gives exactly
:func:`total_pence`'s figures without building terms or segments, evaluating C at the ranges'
ends in one walk of the fee steps (and academic years), with each calendar's cumulative school
days tabled once; uplift projection likewise comes in two halves (:func:`uplift_schedule`, then
:func:`apply_uplifts` per component, :func:`project_components` to add them up), of which
:func:`project_fees` is the composition. Property tests hold each fast path to the general one
(tests/placements/test_engine_fast.py).
"""
from __future__ import annotations

import calendar as _calendar
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum
from fractions import Fraction
from functools import cached_property, lru_cache
from itertools import accumulate

ONE_DAY = timedelta(days=1)
DEFAULT_CHARGEABLE_DAYS = 190

# C(d)'s denominators. A term-time day costs fee/5 a school day, or, estimated, fee × chargeable
# / (5 × days in the academic year), which is 365 or 366: 5 × 365 × 366 holds all three exactly.
_YEAR_LCM = 365 * 366
_DENOMINATOR_52 = 7
_DENOMINATOR_TERM = 5 * _YEAR_LCM


# --- rounding and counting -------------------------------------------------------------------

def round_half_up(x: Fraction) -> int:
    """``x`` rounded to the nearest integer, halves upwards — towards +∞, also for negatives
    (−2.5 → −2), i.e. floor(x + ½). The only rounding the engine does (issue 12 §6)."""
    x = Fraction(x)
    return (2 * x.numerator + x.denominator) // (2 * x.denominator)


def _round_num(numerator: int, denominator: int) -> int:
    """round_half_up(numerator / denominator) without building a Fraction."""
    return (2 * numerator + denominator) // (2 * denominator)


def _weekdays_before(offset: int) -> int:
    """Weekdays among the days with offsets 0 … offset − 1, offset 0 being Monday 1 Jan 0001
    (ordinal 1)."""
    weeks, rest = divmod(offset, 7)
    return weeks * 5 + (rest if rest < 5 else 5)


def _weekdays_ord(a: int, b: int) -> int:
    """Weekdays in the ordinals [a, b] inclusive; 0 if b < a."""
    if b < a:
        return 0
    return _weekdays_before(b) - _weekdays_before(a - 1)


def weekdays_between(a: date, b: date) -> int:
    """The number of Mondays to Fridays from ``a`` to ``b`` inclusive, 0 if b < a; O(1)
    arithmetic on the dates' ordinals (issue 12 §6: school days are the weekdays in term)."""
    return _weekdays_ord(a.toordinal(), b.toordinal())


# --- years, labels and ranges ----------------------------------------------------------------

def academic_year(d: date) -> int:
    """The academic year containing ``d``, by its first calendar year: 1 Sep 2026–31 Aug 2027 is
    2026 (issue 12 §6)."""
    return d.year if d.month >= 9 else d.year - 1


def financial_year(d: date) -> int:
    """The financial year containing ``d``, by its first calendar year: 1 Apr 2026–31 Mar 2027 is
    2026 — how councils budget (issue 12 §6, DESIGN)."""
    return d.year if d.month >= 4 else d.year - 1


def academic_year_range(year: int) -> tuple[date, date]:
    """The first and last day of academic year ``year``: (1 Sep year, 31 Aug year+1)."""
    return date(year, 9, 1), date(year + 1, 8, 31)


def financial_year_range(year: int) -> tuple[date, date]:
    """The first and last day of financial year ``year``: (1 Apr year, 31 Mar year+1)."""
    return date(year, 4, 1), date(year + 1, 3, 31)


def year_label(year: int) -> str:
    """A financial or academic year's label: 2026 → "2026-27" (1999 → "1999-00")."""
    return f"{year}-{(year + 1) % 100:02d}"


_LABEL = re.compile(r"(\d{4})-(\d{2})")


def parse_year_label(label: str) -> int:
    """"2026-27" → 2026; ValueError, saying what is wrong, for anything else ("2026-28",
    "26-27", "2026/27", "2026-2027")."""
    text = (label or "").strip() if isinstance(label, str) else str(label)
    match = _LABEL.fullmatch(text)
    if not match:
        raise ValueError(
            f'"{text}" is not a year label: write the first year in full, a hyphen and the next '
            f'year\'s last two digits, e.g. "2026-27"')
    year = int(match.group(1))
    if int(match.group(2)) != (year + 1) % 100:
        raise ValueError(
            f'"{text}" is not a year: {year} is followed by {year + 1}, so its label is '
            f'"{year_label(year)}"')
    return year


def month_ranges(a: date, b: date) -> list[tuple[date, date]]:
    """The consecutive sub-ranges of [a, b] clipped to each calendar month; [] if b < a."""
    ranges = []
    while a <= b:
        last = date(a.year, a.month, _calendar.monthrange(a.year, a.month)[1])
        ranges.append((a, min(last, b)))
        a = last + ONE_DAY
    return ranges


def _year_ranges(a, b, year_of, range_of):
    ranges = []
    while a <= b:
        last = range_of(year_of(a))[1]
        ranges.append((a, min(last, b)))
        a = last + ONE_DAY
    return ranges


def financial_year_ranges(a: date, b: date) -> list[tuple[date, date]]:
    """The consecutive sub-ranges of [a, b] clipped to each financial year (1 April–31 March);
    [] if b < a."""
    return _year_ranges(a, b, financial_year, financial_year_range)


def academic_year_ranges(a: date, b: date) -> list[tuple[date, date]]:
    """The consecutive sub-ranges of [a, b] clipped to each academic year (1 September–31
    August); [] if b < a."""
    return _year_ranges(a, b, academic_year, academic_year_range)


def _days_in_academic_year(year: int) -> int:
    return 366 if _calendar.isleap(year + 1) else 365


# An estimated term-time day's share of the numerator per pence of fee and chargeable day, by
# academic year: 365 × 366 ÷ the year's days (366 or 365).
_ESTIMATE_FACTOR = {year: _YEAR_LCM // _days_in_academic_year(year) for year in range(1900, 2200)}


# --- term calendars --------------------------------------------------------------------------

def validate_terms(year: int, terms: Iterable[tuple[date, date]]) -> list[str]:
    """Error messages for an academic year's terms, in words a person can act on (empty when
    they are fine): a term that ends before it starts, a term outside the academic year, terms
    that overlap (issue 12 §6). The order they are given in does not matter."""
    first, last = academic_year_range(year)
    errors = []
    terms = list(terms)
    for number, (start, end) in enumerate(terms, 1):
        if end < start:
            errors.append(f"Term {number} ends ({end:%d %B %Y}) before it starts "
                          f"({start:%d %B %Y}).")
        if start < first or end > last:
            errors.append(
                f"Term {number} ({start:%d %B %Y} to {end:%d %B %Y}) is not within the "
                f"academic year {year_label(year)} ({first:%d %B %Y} to {last:%d %B %Y}).")
    ordered = sorted((start, end, number) for number, (start, end) in enumerate(terms, 1))
    for (_, end, earlier), (start, _, later) in zip(ordered, ordered[1:]):
        if start <= end:
            errors.append(f"Terms {min(earlier, later)} and {max(earlier, later)} overlap.")
    return errors


@dataclass(frozen=True)
class TermCalendar:
    """One academic year's terms as (first day, last day) pairs, half-terms being the gaps
    between separate terms; ``source`` says whose calendar it is (e.g. the provider's name). Its
    school days are the weekdays inside its terms (issue 12 §6). The terms are kept sorted;
    ValueError if :func:`validate_terms` finds anything wrong."""
    academic_year: int
    terms: tuple[tuple[date, date], ...]
    source: str = ""

    def __post_init__(self):
        terms = tuple(sorted((start, end) for start, end in self.terms))
        errors = validate_terms(self.academic_year, terms)
        if errors:
            raise ValueError(" ".join(errors))
        object.__setattr__(self, "terms", terms)
        starts = [start.toordinal() for start, _ in terms]
        ends = [end.toordinal() for _, end in terms]
        prefix = [0]
        for start, end in zip(starts, ends):
            prefix.append(prefix[-1] + _weekdays_ord(start, end))
        object.__setattr__(self, "_starts", starts)
        object.__setattr__(self, "_ends", ends)
        object.__setattr__(self, "_prefix", prefix)

    def _through(self, d: int) -> int:
        """School days on or before the ordinal ``d``."""
        i = bisect_right(self._starts, d) - 1
        if i < 0:
            return 0
        end = self._ends[i]
        return self._prefix[i] + _weekdays_ord(self._starts[i], d if d < end else end)

    def _cumulative(self) -> tuple[int, list[int]]:
        """(o, table): table[d − o] is :meth:`_through`'s count for each ordinal d from the day
        before its academic year to its last day, built once per calendar and shared by every
        placement costed on it (the fast path, :func:`range_totals`)."""
        found = self.__dict__.get("_cumulative_table")
        if found is None:
            first, last = academic_year_range(self.academic_year)
            offset = first.toordinal() - 1
            flags = [0] * (last.toordinal() - offset + 1)
            for start, end in zip(self._starts, self._ends):
                for o in range(start, end + 1):
                    if (o + 6) % 7 < 5:  # date.fromordinal(o).weekday() < 5
                        flags[o - offset] = 1
            found = (offset, list(accumulate(flags)))
            object.__setattr__(self, "_cumulative_table", found)
        return found

    @property
    def total_school_days(self) -> int:
        """The weekdays in all its terms."""
        return self._prefix[-1]

    def school_days(self, a: date, b: date) -> int:
        """Weekdays inside its terms from ``a`` to ``b`` inclusive (0 if b < a)."""
        if b < a:
            return 0
        return self._through(b.toordinal()) - self._through(a.toordinal() - 1)


PROVIDER = "provider"
DEFAULT = "default"
ESTIMATED = "estimated"


@dataclass(frozen=True)
class Calendars:
    """The term calendars a term-time placement is costed on, by academic year: the provider's
    (the school's) own, else the region's default, else an estimate from ``chargeable_days`` (a
    system setting, 190 = 38 weeks) (issue 12 §6)."""
    provider: Mapping[int, TermCalendar] = field(default_factory=dict)
    default: Mapping[int, TermCalendar] = field(default_factory=dict)
    chargeable_days: int = DEFAULT_CHARGEABLE_DAYS

    def __post_init__(self):
        for name in ("provider", "default"):
            for year, calendar in getattr(self, name).items():
                if calendar.academic_year != year:
                    raise ValueError(f"the {name} calendar filed under {year_label(year)} is for "
                                     f"{year_label(calendar.academic_year)}")
        if self.chargeable_days < 0:
            raise ValueError("chargeable days cannot be negative")

    def calendar_for(self, year: int) -> tuple[TermCalendar | None, str]:
        """The calendar for academic year ``year`` and where it came from: (the provider's,
        PROVIDER), else (the default, DEFAULT), else (None, ESTIMATED)."""
        calendar = self.provider.get(year)
        if calendar is not None:
            return calendar, PROVIDER
        calendar = self.default.get(year)
        if calendar is not None:
            return calendar, DEFAULT
        return None, ESTIMATED


# --- bases, fees, terms ----------------------------------------------------------------------

class Basis(str, Enum):
    """How a placement type is charged (issue 12 §6): all year by calendar days, or term time by
    school days."""
    TERM_TIME = "term_time"
    FIFTY_TWO_WEEK = "52_week"


TERM_TIME = Basis.TERM_TIME
FIFTY_TWO_WEEK = Basis.FIFTY_TWO_WEEK

_BASIS_BY_TYPE = {
    "residential_52": FIFTY_TWO_WEEK,
    "day": TERM_TIME,
    "residential_38": TERM_TIME,
}


def basis_for(placement_type_value: str) -> Basis:
    """The charging basis of a placement type (DESIGN: types are data): "residential_52" is
    52-week; "day" and "residential_38" are term time. ValueError for any other."""
    try:
        return _BASIS_BY_TYPE[placement_type_value]
    except KeyError:
        raise ValueError(f"no charging basis for placement type {placement_type_value!r}") \
            from None


@dataclass(frozen=True, slots=True)
class FeeStep:
    """A weekly fee in force from ``effective_from`` until the next step (issue 12 §6)."""
    effective_from: date
    weekly_pence: int


def fee_on(fees: tuple[FeeStep, ...], d: date) -> int:
    """The weekly fee on ``d``: the last step with effective_from ≤ d; before the first step,
    the first (the start fee) (issue 12 §6)."""
    current = fees[0].weekly_pence
    for step in fees:
        if step.effective_from > d:
            break
        current = step.weekly_pence
    return current


def add_fee_histories(*histories: tuple[FeeStep, ...]) -> tuple[FeeStep, ...]:
    """The total weekly fee of several fee components (each its own fee history, e.g. after
    :func:`project_fees` uplifted each component), as one history with a step wherever any
    component's fee changes (:func:`add_fee_pairs` on the steps' fields)."""
    return tuple(FeeStep(d, total) for d, total in add_fee_pairs(*(
        [(step.effective_from, step.weekly_pence) for step in history]
        for history in histories)))


def add_fee_pairs(*histories: Sequence[tuple[date, int]]) -> list[tuple[date, int]]:
    """:func:`add_fee_histories` on (effective_from, weekly pence) pairs, each history in date
    order: at each date any history steps, the sum of every non-empty history's fee on that
    date (:func:`fee_on`: before its first step, its first), a step left out where the total
    repeats the one before."""
    histories = [history for history in histories if history]
    dates = sorted({d for history in histories for d, _ in history})
    at = [0] * len(histories)
    fees = [history[0][1] for history in histories]
    steps = []
    for d in dates:
        total = 0
        for j, history in enumerate(histories):
            i = at[j]
            while i < len(history) and history[i][0] <= d:
                fees[j] = history[i][1]
                i += 1
            at[j] = i
            total += fees[j]
        if not steps or steps[-1][1] != total:
            steps.append((d, total))
    return steps


@dataclass(frozen=True)
class CostTerms:
    """What a placement's cost follows (issue 12 §6): its basis, the charged period from
    ``start`` to ``last_day`` inclusive (the end date, or the day it ended early), its fee
    history, its calendars, and ``charge_until``: when later than ``last_day``, the days after
    ``last_day`` up to it are charged too, in lieu of notice, on the same basis and fees."""
    basis: Basis
    start: date
    last_day: date
    fees: tuple[FeeStep, ...]
    calendars: Calendars = field(default_factory=Calendars)
    charge_until: date | None = None

    def __post_init__(self):
        if not isinstance(self.basis, Basis):
            object.__setattr__(self, "basis", Basis(self.basis))
        if not isinstance(self.fees, tuple):
            object.__setattr__(self, "fees", tuple(self.fees))
        if not self.fees:
            raise ValueError("a placement's cost needs at least one fee step")
        for earlier, later in zip(self.fees, self.fees[1:]):
            if later.effective_from <= earlier.effective_from:
                raise ValueError("fee steps must be in date order, one per date")
        if self.last_day < self.start:
            raise ValueError("the last day is before the start")

    @property
    def charged_until(self) -> date:
        """The last day charged: ``charge_until`` when later than ``last_day``, else
        ``last_day``."""
        if self.charge_until is not None and self.charge_until > self.last_day:
            return self.charge_until
        return self.last_day

    @cached_property
    def _table(self) -> _Table:
        """The segments, built on first use; so the terms and their calendars are treated as
        immutable once costed."""
        return _Table(self)


# --- workings --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Line:
    """One stretch of a costing's workings (issue 12 §6): from_ to ``to`` inclusive, charged on
    ``basis`` at ``weekly_pence``; ``days`` counted (school days for term time, calendar days for
    52-week, estimated school days as a Fraction when ``estimated``); ``amount_pence`` =
    round(C(to)) − round(C(from_ − 1)), so a costing's lines add up to its total."""
    from_: date
    to: date
    basis: str
    days: int | Fraction
    weekly_pence: int
    amount_pence: int
    estimated: bool


@dataclass(frozen=True, slots=True)
class Costing:
    """The cost of a placement from ``from_`` to ``to`` (as asked, inclusive) with its workings
    (issue 12 §6). ``estimated`` when any line is. Lines cover the part of the range inside the
    charged period; stretches with no days counted (a term-time placement's summer holiday, say)
    are left out, since they cost nothing."""
    from_: date
    to: date
    total_pence: int
    estimated: bool
    lines: tuple[Line, ...]


_IN_LIEU = "in lieu of notice"
# (calendar source, academic year, chargeable days, in lieu) → describe()'s answer: a few
# hundred keys at most, and the texts are the same for every placement.
_DESCRIPTIONS: dict = {}
_BASIS_52 = "52 weeks: calendar days ÷ 7"
_BASIS_TERM = "term time: school days ÷ 5"


class _Table:
    """A placement's segments (issue 12 §6): maximal stretches of one fee, one in-lieu status
    and, for term time, one academic year (so one calendar source); a line of workings never
    spans two. Per segment i, in parallel lists: first and last day (ordinals), its key (weekly
    fee, in lieu, academic year or None for 52-week), the numerator's rate per unit counted, its
    calendar (None: units are calendar days) and that calendar's school days before the segment,
    and C's numerator at the end of the segment before.
    C(d) = numerator(d) / denominator."""
    __slots__ = ("start", "end", "denominator", "chargeable", "firsts", "lasts", "keys", "rates",
                 "calendars", "bases", "cums", "total", "sources")

    def __init__(self, terms: CostTerms):
        start = terms.start.toordinal()
        last_day = terms.last_day.toordinal()
        end = terms.charged_until.toordinal()
        term_time = terms.basis is TERM_TIME
        calendars = terms.calendars
        chargeable = calendars.chargeable_days
        self.start, self.end, self.chargeable = start, end, chargeable
        self.denominator = _DENOMINATOR_TERM if term_time else _DENOMINATOR_52

        # What changes, and when: (day, 0, new fee), (day, 1, in lieu), (day, 2, academic year).
        fees = terms.fees
        fee = fees[0].weekly_pence
        events = []
        for step in fees:
            o = step.effective_from.toordinal()
            if o <= start:
                fee = step.weekly_pence
            elif o <= end:
                events.append((o, 0, step.weekly_pence))
        if end > last_day:
            events.append((last_day + 1, 1, True))
        year = academic_year(terms.start) if term_time else None
        if term_time:
            for y in range(year + 1, academic_year(terms.charged_until) + 1):
                events.append((date(y, 9, 1).toordinal(), 2, y))
        events.sort()

        firsts, keys = [start], [(fee, False, year)]
        state = [fee, False, year]
        for n, (o, what, value) in enumerate(events):
            state[what] = value
            if n + 1 < len(events) and events[n + 1][0] == o:
                continue  # apply every change on that day first
            key = tuple(state)
            if key != keys[-1]:  # a step that repeats the fee starts no new segment
                firsts.append(o)
                keys.append(key)

        self.firsts = firsts
        self.lasts = lasts = [o - 1 for o in firsts[1:]]
        lasts.append(end)
        self.keys = keys
        self.rates = rates = []
        self.calendars = cals = []
        self.bases = bases = []
        self.cums = cums = []
        cum = 0
        for i, (fee, in_lieu, year) in enumerate(keys):
            if not term_time:
                rate, calendar, units = fee, None, lasts[i] - firsts[i] + 1
                base = 0
            else:
                calendar = calendars.calendar_for(year)[0]
                if calendar is None:
                    rate = fee * chargeable * (_YEAR_LCM // _days_in_academic_year(year))
                    base = 0
                    units = lasts[i] - firsts[i] + 1
                else:
                    rate = fee * _YEAR_LCM
                    base = calendar._through(firsts[i] - 1)
                    units = calendar._through(lasts[i]) - base
            rates.append(rate)
            cals.append(calendar)
            bases.append(base)
            cums.append(cum)
            cum += rate * units
        self.total = cum
        self.sources = calendars  # for describe(); not the terms, so no reference cycle

    def describe(self, i: int) -> tuple[str, bool, int]:
        """Segment i's basis text, whether it is estimated, and (estimated) its academic year's
        days."""
        fee, in_lieu, year = self.keys[i]
        if year is None:
            source = None
        else:
            source = self.sources.calendar_for(year)[1]
        key = (source, year, self.chargeable, in_lieu)
        described = _DESCRIPTIONS.get(key)
        if described is None:
            if source is None:
                text, estimated, days = _BASIS_52, False, 0
            elif source == ESTIMATED:
                text = (f"{_BASIS_TERM} (estimated from {self.chargeable} chargeable days, "
                        f"{year_label(year)})")
                estimated, days = True, _days_in_academic_year(year)
            else:
                whose = "provider's" if source == PROVIDER else "region default"
                text = f"{_BASIS_TERM} ({whose} calendar {year_label(year)})"
                estimated, days = False, 0
            if in_lieu:
                text = f"{text}, {_IN_LIEU}"
            described = _DESCRIPTIONS[key] = (text, estimated, days)
        return described

    def _units(self, i: int, d: int) -> int:
        """Units counted in segment i from its first day to the ordinal d (inside it): school
        days on a calendar, else calendar days."""
        calendar = self.calendars[i]
        if calendar is None:
            return d - self.firsts[i] + 1
        return calendar._through(d) - self.bases[i]

    def numerator(self, d: int) -> int:
        """C(d) × denominator for the ordinal d."""
        if d < self.start:
            return 0
        if d >= self.end:
            return self.total
        i = bisect_right(self.firsts, d) - 1
        return self.cums[i] + self.rates[i] * self._units(i, d)

    def rounded(self, d: int) -> int:
        return _round_num(self.numerator(d), self.denominator)


# --- costing ---------------------------------------------------------------------------------

def cumulative(terms: CostTerms, d: date) -> Fraction:
    """C(d): the exact cost in pence from the start to the end of ``d`` — 0 before the start,
    the whole charged period's after it (issue 12 §6)."""
    table = terms._table
    return Fraction(table.numerator(d.toordinal()), table.denominator)


def total_pence(terms: CostTerms, from_: date, to: date) -> int:
    """The cost in pence of ``from_`` to ``to`` inclusive, round(C(to)) − round(C(from_ − 1)),
    without the workings: :func:`cost`'s total, for forecasts over many placements
    (issue 12 §6)."""
    a, b = from_.toordinal(), to.toordinal()
    if b < a:
        return 0
    table = terms._table
    return table.rounded(b) - table.rounded(a - 1)


# --- the fast path: totals only, for forecasts over thousands of placements ---------------------

_NEVER = date.max.toordinal() + 2


def range_totals(basis: Basis, start: date, last_day: date,
                 fees: Sequence[tuple[date, int]], calendars: Calendars,
                 charge_until: date | None, ranges: Iterable[tuple[date, date]]) -> list[int]:
    """The cost in pence of each (from, to) of ``ranges``, inclusive: the very figures of
    :func:`total_pence` on ``CostTerms(basis, start, last_day, fees, calendars, charge_until)``
    (``fees`` as (effective_from, weekly pence) pairs in date order, one per date), without
    building the terms, their FeeSteps or the segments the workings need (issue 12 §6, §10:
    forecasts over thousands of placements). Each is round(C(to)) − round(C(from − 1)),
    rounding half up on the cumulative totals; C is evaluated only at those days, walking the
    fee steps (and, term time, the academic years) once from the start up to the last of them,
    52-week stretches in closed form (fee × days) and school days looked up in each calendar's
    cumulative table (:meth:`TermCalendar._cumulative`). Tests check it against
    :func:`total_pence` and the day-by-day oracle (tests/placements/test_engine_fast.py)."""
    if last_day < start:
        raise ValueError("the last day is before the start")
    charged = charge_until if charge_until is not None and charge_until > last_day else last_day
    points, pairs = _plan(ranges if isinstance(ranges, tuple) else tuple(ranges))
    term_time = basis is TERM_TIME or basis == TERM_TIME.value
    values = _numerators(term_time, start, charged.toordinal(), fees, calendars, points)
    denominator = _DENOMINATOR_TERM if term_time else _DENOMINATOR_52
    twice = 2 * denominator
    return [0 if before is None else
            (2 * values[through] + denominator) // twice
            - (2 * values[before] + denominator) // twice
            for before, through in pairs]


@lru_cache(maxsize=256)
def _plan(ranges: tuple[tuple[date, date], ...]) -> tuple[list[int], list[tuple]]:
    """The days C is needed at for ``ranges`` (each range's day before and last day, as
    ordinals, ascending, once each) and, per range, the indices of its two in that list (None,
    None for a range that ends before it begins). The same few ranges serve a whole forecast."""
    ordinals = [(a.toordinal(), b.toordinal()) for a, b in ranges]
    points = sorted({o for a, b in ordinals if b >= a for o in (a - 1, b)})
    where = {o: i for i, o in enumerate(points)}
    return points, [(where[a - 1], where[b]) if b >= a else (None, None) for a, b in ordinals]


def _numerators(term_time: bool, start_date: date, end: int, fees, calendars: Calendars,
                points: list[int]) -> list[int]:
    """C(d) × the basis's denominator at each ordinal d of ``points`` (ascending) for a
    placement charged from ``start_date`` to the ordinal ``end``: the same sums as
    :class:`_Table`'s segments — a 52-week day costs its fee, a term-time school day on a
    calendar fee × 365 × 366, an estimated day fee × chargeable × (365 × 366 ÷ the academic
    year's days) — taken stretch by stretch (one fee and, term time, one academic year), and
    only up to the last point asked."""
    start = start_date.toordinal()
    values = []
    count = len(points)
    k = 0
    while k < count and points[k] < start:
        values.append(0)
        k += 1
    if k == count:
        return values
    # The fee on the start day: the last step on or before it, else the first (the start fee).
    steps = len(fees)
    i = 0
    fee = fees[0][1]
    while i < steps and fees[i][0].toordinal() <= start:
        fee = fees[i][1]
        i += 1
    next_fee = fees[i][0].toordinal() if i < steps else _NEVER
    if term_time:
        year = start_date.year if start_date.month >= 9 else start_date.year - 1
        next_year = _first_of_september(year + 1)
        chargeable = calendars.chargeable_days
        provider, default = calendars.provider, calendars.default
    else:
        next_year = _NEVER
    cum = 0
    first = start
    while True:
        boundary = next_fee if next_fee < next_year else next_year
        if boundary > end:
            boundary = end + 1
        last = boundary - 1
        table = None
        if not term_time:
            rate = fee
        else:
            calendar = provider.get(year)  # calendars.calendar_for(year)[0], inlined
            if calendar is None:
                calendar = default.get(year)
            if calendar is None:
                factor = _ESTIMATE_FACTOR.get(year) or _YEAR_LCM // _days_in_academic_year(year)
                rate = fee * chargeable * factor
            else:
                rate = fee * _YEAR_LCM
                offset, table = calendar._cumulative()
                before = table[first - 1 - offset]
        while k < count and points[k] <= last:
            d = points[k]
            units = d - first + 1 if table is None else table[d - offset] - before
            values.append(cum + rate * units)
            k += 1
        if k == count:
            return values
        cum += rate * (boundary - first if table is None else table[last - offset] - before)
        if boundary > end:
            break
        if boundary == next_fee:
            fee = fees[i][1]
            i += 1
            next_fee = fees[i][0].toordinal() if i < steps else _NEVER
        if boundary == next_year:
            year += 1
            next_year = _first_of_september(year + 1)
        first = boundary
    values.extend([cum] * (count - k))
    return values


@lru_cache(maxsize=512)
def _first_of_september(year: int) -> int:
    """The ordinal of 1 September ``year``: where academic year ``year`` begins."""
    return date(year, 9, 1).toordinal()


def totals(terms: CostTerms, ranges: Iterable[tuple[date, date]]) -> list[int]:
    """:func:`range_totals` for ``terms``: each range's :func:`total_pence`."""
    return range_totals(terms.basis, terms.start, terms.last_day,
                        [(step.effective_from, step.weekly_pence) for step in terms.fees],
                        terms.calendars, terms.charge_until, ranges)


def cost(terms: CostTerms, from_: date, to: date) -> Costing:
    """The cost of ``from_`` to ``to`` inclusive with its workings (issue 12 §6). Only days in
    the charged period cost anything (a range wholly outside it costs 0 with no lines); the
    total is round(C(to)) − round(C(from_ − 1)) and each line's amount likewise, so lines add up
    to the total and costs of consecutive ranges add up to the cost of their union."""
    table = terms._table
    a = max(from_.toordinal(), table.start)
    b = min(to.toordinal(), table.end)
    if b < a:
        return Costing(from_, to, 0, False, ())
    denominator = table.denominator
    firsts, lasts = table.firsts, table.lasts
    lines = []
    any_estimated = False
    i = bisect_right(firsts, a) - 1
    before = table.rounded(a - 1)
    opening = before
    while i < len(firsts) and firsts[i] <= b:
        first = firsts[i] if firsts[i] > a else a
        last = lasts[i] if lasts[i] < b else b
        through = table._units(i, last)
        units = through - (table._units(i, first - 1) if first > firsts[i] else 0)
        if units:  # a stretch with no days counted is left out: it costs nothing
            text, estimated, year_days = table.describe(i)
            days = Fraction(table.chargeable * units, year_days) if estimated else units
            if days:
                after = _round_num(table.cums[i] + table.rates[i] * through, denominator)
                any_estimated = any_estimated or estimated
                lines.append(Line(date.fromordinal(first), date.fromordinal(last), text, days,
                                  table.keys[i][0], after - before, estimated))
                before = after
        i += 1
    total = table.rounded(b) - opening
    return Costing(from_, to, total, any_estimated, tuple(lines))


def whole_life(terms: CostTerms) -> Costing:
    """The cost of the whole charged period: start to ``charge_until`` (in lieu of notice) or
    ``last_day`` (issue 12 §6)."""
    return cost(terms, terms.start, terms.charged_until)


def split(terms: CostTerms, ranges: Iterable[tuple[date, date]]) -> list[Costing]:
    """The costing of each of consecutive ``ranges`` (e.g. :func:`financial_year_ranges`); they
    add up to the cost of their union to the penny (issue 12 §6)."""
    return [cost(terms, a, b) for a, b in ranges]


def anniversary(start: date, years: int) -> date:
    """``start`` moved on ``years`` years; a 29 February start's anniversary in a year that is not
    a leap year is 28 February (issue 12 §4)."""
    year = start.year + years
    if start.month == 2 and start.day == 29 and not _calendar.isleap(year):
        return date(year, 2, 28)
    return start.replace(year=year)


def annual_cost(basis: Basis, weekly_pence: int, start: date, calendars: Calendars) -> int:
    """An offer's annual cost (issue 12 §6): the first 12 months from ``start`` — to the day
    before its first anniversary (:func:`anniversary`) — at the flat fee ``weekly_pence``. A
    52-week placement from 1 Sep 2026 costs weekly × 365/7; across a 29 February, × 366/7."""
    terms = CostTerms(basis, start, anniversary(start, 1) - ONE_DAY,
                      (FeeStep(start, weekly_pence),), calendars)
    table = terms._table
    return _round_num(table.total, table.denominator)


def notice_end(given_on: date, notice_weeks: int) -> date:
    """The last day of ``notice_weeks`` weeks' notice given on ``given_on``: given_on +
    7 × weeks − 1 day. A placement ended early in lieu of notice is charged until
    max(last_day, notice_end) (issue 12 §6)."""
    return given_on + timedelta(days=7 * notice_weeks - 1)


# --- uplifts (issue 12 §4) -------------------------------------------------------------------

NONE = "none"
FIXED_APRIL = "fixed_april"
FIXED_ANNIVERSARY = "fixed_anniversary"
INDEX_LINKED = "index_linked"
UPLIFT_KINDS = (NONE, FIXED_APRIL, FIXED_ANNIVERSARY, INDEX_LINKED)
MIN_PERCENT_BP, MAX_PERCENT_BP = -2000, 5000


@dataclass(frozen=True)
class UpliftRule:
    """How a placement's fee goes up (issue 12 §4): not at all, by a fixed percentage each 1 April
    or each anniversary of the start, or by an index (e.g. CPI) at a reference month, capped,
    floored and with a review trigger. Percentages in integer basis points (250 = 2.5%)."""
    kind: str
    percent_bp: int | None = None
    index_code: str | None = None
    reference_month: int | None = None
    cap_bp: int | None = None
    floor_bp: int | None = None
    review_above_bp: int | None = None
    notice_months: int = 2


def _percent(bp: int) -> str:
    return f"{bp / 100:g}%"


def validate_rule(rule: UpliftRule) -> list[str]:
    """Error messages for an uplift rule (empty when fine) (issue 12 §4): a known kind; a fixed
    percentage present and within −20%..+50%; for an index-linked rule an index code and a
    reference month 1–12; cap and floor within −20%..+50% and the cap not below the floor;
    notice months not negative."""
    errors = []
    bounds = f"between {_percent(MIN_PERCENT_BP)} and {_percent(MAX_PERCENT_BP)}"

    def in_bounds(bp):
        return MIN_PERCENT_BP <= bp <= MAX_PERCENT_BP

    if rule.kind not in UPLIFT_KINDS:
        return [f"Unknown uplift kind {rule.kind!r}: choose one of {', '.join(UPLIFT_KINDS)}."]
    if rule.kind in (FIXED_APRIL, FIXED_ANNIVERSARY):
        if rule.percent_bp is None:
            errors.append("Enter the uplift percentage.")
        elif not in_bounds(rule.percent_bp):
            errors.append(f"The uplift percentage must be {bounds}.")
    if rule.kind == INDEX_LINKED:
        if not rule.index_code:
            errors.append("Choose the index the uplift follows.")
        if rule.reference_month is None or not 1 <= rule.reference_month <= 12:
            errors.append("The reference month must be a month, 1 to 12.")
    for name, value in (("cap", rule.cap_bp), ("floor", rule.floor_bp)):
        if value is not None and not in_bounds(value):
            errors.append(f"The {name} must be {bounds}.")
    if rule.cap_bp is not None and rule.floor_bp is not None and rule.cap_bp < rule.floor_bp:
        errors.append(f"The cap ({_percent(rule.cap_bp)}) is below the floor "
                      f"({_percent(rule.floor_bp)}).")
    if rule.notice_months is not None and rule.notice_months < 0:
        errors.append("Notice months cannot be negative.")
    return errors


def uplift_due_dates(rule: UpliftRule, start: date, last_day: date) -> list[date]:
    """The dates an uplift falls due while a placement runs (issue 12 §4): each 1 April strictly
    after ``start`` up to ``last_day`` for fixed-April and index-linked rules; each anniversary of
    ``start`` up to ``last_day`` for fixed-anniversary ones (a 29 February start's anniversary is
    28 February in other years, 29 February in leap years); none for "none"."""
    dates = []
    if rule.kind in (FIXED_APRIL, INDEX_LINKED):
        year = start.year if start < date(start.year, 4, 1) else start.year + 1
        while date(year, 4, 1) <= last_day:
            dates.append(date(year, 4, 1))
            year += 1
    elif rule.kind == FIXED_ANNIVERSARY:
        years = 1
        while (due := anniversary(start, years)) <= last_day:
            dates.append(due)
            years += 1
    return dates


def index_reference_month(rule: UpliftRule, due: date) -> tuple[int, int]:
    """(year, month) of the index value an uplift due on ``due`` follows: the latest
    ``rule.reference_month`` wholly before the due date's month (issue 12 §4). Reference month 9
    for 1 April 2027 is September 2026; month 1 is January 2027; month 4 is April 2026."""
    month = rule.reference_month
    year = due.year if month < due.month else due.year - 1
    return year, month


@dataclass(frozen=True, slots=True)
class UpliftDecision:
    """The uplift due on a date (issue 12 §4): ``percent_bp`` to apply; ``review_triggered`` when
    the index is above the rule's review trigger; ``index_missing`` when the index value is not
    known and no assumption was given (then the percentage is 0); ``index_bp`` the index value
    used (None for fixed kinds); ``assumed`` when that value was the assumption."""
    percent_bp: int
    review_triggered: bool
    index_missing: bool
    index_bp: int | None
    assumed: bool = False


def uplift_percent(rule: UpliftRule, due: date, index_values: Mapping[tuple[int, int], int],
                   assumed_bp: int | None = None) -> UpliftDecision:
    """The uplift a rule gives on ``due`` (issue 12 §4). Fixed kinds: their percentage. Index
    linked: the index value at :func:`index_reference_month` (else ``assumed_bp``, else none
    and ``index_missing``), at most ``cap_bp`` and at least ``floor_bp``; the review is triggered
    when the index exceeds ``review_above_bp``. "The lower of 1.5% and CPI, reviewed when CPI
    exceeds 3%" (cap 150, review above 300): CPI 4.1% gives 1.5% and a review."""
    if rule.kind in (FIXED_APRIL, FIXED_ANNIVERSARY):
        return UpliftDecision(rule.percent_bp or 0, False, False, None)
    if rule.kind != INDEX_LINKED:
        return UpliftDecision(0, False, False, None)
    index_bp = index_values.get(index_reference_month(rule, due))
    assumed = False
    if index_bp is None:
        if assumed_bp is None:
            return UpliftDecision(0, False, True, None)
        index_bp, assumed = assumed_bp, True
    percent = index_bp
    if rule.cap_bp is not None and percent > rule.cap_bp:
        percent = rule.cap_bp
    if rule.floor_bp is not None and percent < rule.floor_bp:
        percent = rule.floor_bp
    review = rule.review_above_bp is not None and index_bp > rule.review_above_bp
    return UpliftDecision(percent, review, False, index_bp, assumed)


def uplift_fee(weekly_pence: int, percent_bp: int) -> int:
    """A weekly fee component uplifted by ``percent_bp``, rounded half-up to the penny:
    round(weekly × (10000 + bp) / 10000) (issue 12 §4). Apply it per fee component and add the
    uplifted components for the total."""
    return _round_num(weekly_pence * (10000 + percent_bp), 10000)


def project_fees(fees: tuple[FeeStep, ...], rule: UpliftRule, start: date, last_day: date,
                 index_values: Mapping[tuple[int, int], int], assumed_bp: int | None = None,
                 already_applied: Iterable[date] = ()) -> tuple[FeeStep, ...]:
    """A fee history for forecasts (issue 12 §4): the known steps plus a projected step on each
    uplift due date (:func:`uplift_due_dates`) not in ``already_applied``, each compounding on the
    fee in force that day (known steps included; a known step on a due date is uplifted in
    place). Known steps after a projected one keep their own amounts. A due date giving no change
    (0%, or a missing index with no assumption) adds no step. One fee component at a time:
    combine components with :func:`add_fee_histories`. It is :func:`apply_uplifts` of
    :func:`uplift_schedule`, the two halves forecasts use (the schedule once per placement,
    applied to each component)."""
    schedule = uplift_schedule(rule, start, last_day, index_values, assumed_bp, already_applied)
    return tuple(FeeStep(d, weekly) for d, weekly in apply_uplifts(
        [(step.effective_from, step.weekly_pence) for step in fees], schedule))


def project_components(histories: Iterable[Sequence[tuple[date, int]]],
                       schedule: Sequence[tuple[date, int]]) -> list[tuple[date, int]]:
    """The total weekly fee of several fee components, each uplifted on ``schedule`` (issue 12
    §4): ``add_fee_pairs(*(apply_uplifts(history, schedule) for history in histories))``.
    Where every history is one step on the same date (a placement with no fee changes: the
    common case) that is :func:`project_flat`; tests check the two give the same steps."""
    histories = [history for history in histories if history]
    if histories and all(len(history) == 1 for history in histories):
        since = histories[0][0][0]
        if all(history[0][0] == since for history in histories):
            return project_flat(since, [history[0][1] for history in histories], schedule)
    return add_fee_pairs(*(apply_uplifts(history, schedule) for history in histories))


def project_flat(since: date, fees: Sequence[int],
                 schedule: Sequence[tuple[date, int]]) -> list[tuple[date, int]]:
    """:func:`project_components` for components with one fee each from ``since`` (issue 12
    §4): each component compounded by each uplift in turn and rounded half up to the penny
    (:func:`uplift_fee`), a step wherever the total moves. Where an uplift is not after the one
    before (or ``since``), it falls back to the component-by-component path."""
    previous = since
    for due, _ in schedule:
        if due <= previous:
            return add_fee_pairs(*(apply_uplifts([(since, fee)], schedule) for fee in fees))
        previous = due
    total = sum(fees)
    steps = [(since, total)]
    for due, percent_bp in schedule:
        factor = 10000 + percent_bp
        fees = [(2 * fee * factor + 10000) // 20000 for fee in fees]  # uplift_fee, inlined
        total = sum(fees)
        if total != steps[-1][1]:
            steps.append((due, total))
    return steps


def uplift_schedule(rule: UpliftRule, start: date, last_day: date,
                    index_values: Mapping[tuple[int, int], int], assumed_bp: int | None = None,
                    already_applied: Iterable[date] = ()) -> list[tuple[date, int]]:
    """The uplifts :func:`project_fees` applies, in date order: (due date, percentage in basis
    points from :func:`uplift_percent`) for each of :func:`uplift_due_dates` not in
    ``already_applied`` (issue 12 §4)."""
    applied = set(already_applied)
    return [(due, uplift_percent(rule, due, index_values, assumed_bp).percent_bp)
            for due in uplift_due_dates(rule, start, last_day) if due not in applied]


def apply_uplifts(fees: Sequence[tuple[date, int]],
                  schedule: Iterable[tuple[date, int]]) -> list[tuple[date, int]]:
    """A fee history, as (effective_from, weekly pence) pairs in date order, with each
    (due date, basis points) of ``schedule`` applied in turn (issue 12 §4): the fee in force on
    the due date (:func:`fee_on`) uplifted (:func:`uplift_fee`) becomes a step on that date,
    replacing a known step there; no step where the uplift changes nothing."""
    steps = list(fees)
    for due, percent_bp in schedule:
        i = 0
        while i < len(steps) and steps[i][0] <= due:
            i += 1
        current = steps[i - 1][1] if i else steps[0][1]
        uplifted = _round_num(current * (10000 + percent_bp), 10000)
        if uplifted == current:
            continue
        if i and steps[i - 1][0] == due:
            steps[i - 1] = (due, uplifted)
        else:
            steps.insert(i, (due, uplifted))
    return steps
