"""Forecasts: an authority's committed placement spend over a financial year (1 April–31 March,
how councils budget) or an academic year (1 September–31 August), with the actual to date
(issue 12 §10, DESIGN §3 "Spend and forecasts").

Who may do what:
- An authority's placement officers and managers read their own authority's forecast (scoping
  decides whose placements are counted: another authority's do not exist for them); providers
  and the host's other roles are refused.
- The authority's managers set the assumed rate index-linked uplifts are projected at.

Every figure is the one cost engine's (``engine.total_pence``, no workings): a placement's cost
over the year is that of its fee history with the uplifts its rule will still apply projected
(``engine.project_fees``, per fee component, then added up with ``engine.add_fee_histories``),
index-linked ones at the authority's assumed rate where the index value is not yet known.

The load is a fixed handful of statements however many placements the authority has: the
placements (with their provider's registered name), their fee changes, the term calendars,
the index values and the authority's setting.

Other committed spend (issue 13 §4: the block contracts) joins the forecast through an explicit
register of spend sources (:func:`register_spend_source`), so that this package never imports
the packages that spend: each source gives its own line, beside the placements' total; the
splits (type, provider, funder, framework) stay the placements'.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from operator import attrgetter, itemgetter
from typing import NamedTuple

from sqlalchemy import func, or_, select

import tenants

from .. import audit
from ..accounts.permissions import is_buyer, require_manager
from ..errors import Conflict, PermissionDenied, ValidationFailed
from ..extensions import db
from ..formatting import london_date
from ..purchasing.models import PlacementType
from . import costing, engine
from .models import ForecastSetting, IndexSeries, IndexValue, Placement, PlacementFeeChange

DEFAULT_ASSUMED_INDEX_BP = 200  # 2.00% a year unless the authority's manager sets another
FINANCIAL, ACADEMIC = "financial", "academic"
FEE_FIELDS = ("core_weekly_pence", "support_weekly_pence", "therapies_weekly_pence",
              "other_weekly_pence")
FUNDERS = (("education", "Education (high-needs block)", "funding_education_percent"),
           ("social_care", "Social care", "funding_social_care_percent"),
           ("health", "Health", "funding_health_percent"))
RATE_FIELD = "assumed_index_rate"
_FEES = attrgetter(*FEE_FIELDS)


# ---------------------------------------------------------------- the figures

@dataclass(frozen=True)
class Share:
    """One line of a split: its key (a placement type's value, a provider's id or name, a
    funder), what people read, its total over the year and whether any of it is estimated."""
    key: str
    name: str
    total_pence: int
    estimated: bool = False


@dataclass(slots=True)
class PlacementLine:
    """One placement's part of the forecast: its cost over the year (and to date), split by
    funder so that the three shares add up to its cost exactly."""
    placement_id: int
    reference: str
    provider: str
    provider_id: int | None
    placement_type: PlacementType
    off_framework: bool
    start_date: date
    charged_until: date
    total_pence: int
    actual_pence: int
    funders: tuple  # pence: education, social care, health (adding up to total_pence)
    estimated: bool


@dataclass(frozen=True)
class SpendLine:
    """One commitment of another kind counted in the year (issue 13 §4: a block contract): its
    id, reference, title and supplier, its committed value in the year and to date, and whether
    it is estimated."""
    id: int
    reference: str
    title: str
    supplier: str
    total_pence: int
    actual_pence: int
    estimated: bool = False


@dataclass(frozen=True)
class OtherSpend:
    """A spend source's line in the forecast (``key`` e.g. "block_contracts"), with its
    commitments."""
    key: str
    name: str
    lines: tuple = ()

    @property
    def total_pence(self):
        return sum(line.total_pence for line in self.lines)

    @property
    def actual_pence(self):
        return sum(line.actual_pence for line in self.lines)

    @property
    def estimated(self):
        return any(line.estimated for line in self.lines)


BLOCK_CONTRACTS = "block_contracts"
_SPEND_SOURCES = []


def register_spend_source(source):
    """Count another kind of committed spend in every forecast (issue 13 §4), registered
    explicitly by the app factory (``marketplace.create_app``) so that placements import none
    of the packages that spend. ``source(first_day, last_day, actual_to, assumed_bp,
    index_values)`` is called in the reader's scope for the year [first_day, last_day],
    ``actual_to`` the last day of the actual to date (None before the year starts),
    ``assumed_bp`` the authority's assumed index rate and ``index_values`` the index series
    already loaded ({code: {(year, month): bp}}); it returns an :class:`OtherSpend` (its lines
    within the year) and must run a fixed number of statements. Registering the same source
    again changes nothing."""
    if source not in _SPEND_SOURCES:
        _SPEND_SOURCES.append(source)
    return source


def _other_spend(first, last, actual_to, assumed_bp, index_values):
    """Every registered source's line for the year, in the order registered."""
    return tuple(source(first, last, actual_to, assumed_bp, index_values)
                 for source in _SPEND_SOURCES)


@dataclass(frozen=True)
class Forecast:
    """What the forecast page, its downloads, the dashboard and the API show (issue 12 §10)."""
    kind: str  # FINANCIAL or ACADEMIC
    year: int
    first_day: date
    last_day: date
    today: date
    total_pence: int
    actual_to_date_pence: int
    by_type: list
    by_provider: list
    by_funder: list
    on_framework_pence: int
    off_framework_pence: int
    estimated: bool
    assumed_index_bp: int
    assumed_index_set: bool  # False: the default rate, no setting saved
    placements: list = field(default_factory=list)
    hourly_excluded: int = 0  # hourly placements: charged as invoiced, not forecast
    other_spend: tuple = ()  # OtherSpend lines from the registered sources (issue 13 §4)

    @property
    def block_contracts(self):
        """The block contracts' line (issue 13 §4), empty when none is registered or counted."""
        return next((other for other in self.other_spend if other.key == BLOCK_CONTRACTS),
                    OtherSpend(BLOCK_CONTRACTS, "Block contracts"))

    @property
    def all_committed_pence(self):
        """All committed spend in the year: the placements' total and every other line's."""
        return self.total_pence + sum(other.total_pence for other in self.other_spend)

    @property
    def all_actual_to_date_pence(self):
        return self.actual_to_date_pence + sum(other.actual_pence
                                               for other in self.other_spend)

    @property
    def all_estimated(self):
        return self.estimated or any(other.estimated for other in self.other_spend)

    @property
    def label(self):
        return engine.year_label(self.year)

    @property
    def kind_label(self):
        return "financial year" if self.kind == FINANCIAL else "academic year"

    @property
    def actual_to(self):
        """The last day the actual to date counts (None before the year starts)."""
        if self.today <= self.first_day:
            return None
        return min(self.today - timedelta(days=1), self.last_day)


# ---------------------------------------------------------------- reading the year

def parse_year(financial_year=None, academic_year=None):
    """(FINANCIAL or ACADEMIC, first calendar year) from exactly one of the two labels
    ("2026-27"); ValidationFailed naming the field otherwise."""
    given = [(name, value) for name, value in (("financial_year", financial_year),
                                               ("academic_year", academic_year))
             if value not in (None, "")]
    if not given:
        raise ValidationFailed({"financial_year": (
            'Give the financial year (financial_year) or the academic year (academic_year), '
            'e.g. "2026-27"')})
    if len(given) > 1:
        raise ValidationFailed({"academic_year": (
            "Give either the financial year or the academic year, not both")})
    name, value = given[0]
    try:
        year = engine.parse_year_label(value)
    except ValueError as error:
        raise ValidationFailed({name: str(error)}) from None
    if not 2000 <= year <= 2099:
        raise ValidationFailed({name: "Give a year from 2000-01 to 2099-00"})
    return (FINANCIAL if name == "financial_year" else ACADEMIC), year


def current_financial_year(today=None):
    """The label of the financial year today (Europe/London) is in, e.g. "2026-27"."""
    return engine.year_label(engine.financial_year(today or london_date(tenants.utcnow())))


# ---------------------------------------------------------------- loading

class _Row(NamedTuple):
    """A placement's columns the forecast needs (a column select: no ORM objects, no joined
    loads), shaped like a Placement for ``costing.cost_terms`` and ``costing.fee_steps``. A named
    tuple: made and read in a fraction of a dataclass's time, 5,000 times a forecast."""
    id: int
    reference: str
    placement_type: PlacementType
    start_date: date
    end_date: date
    ended_on: date | None
    charge_until: date | None
    provider_id: int | None
    provider_name: str | None
    registered_name: str | None
    off_framework: bool
    funding_education_percent: int
    funding_social_care_percent: int
    funding_health_percent: int
    core_weekly_pence: int
    support_weekly_pence: int
    therapies_weekly_pence: int
    other_weekly_pence: int
    weekly_total_pence: int
    uplift_kind: str | None
    uplift_percent_bp: int | None
    uplift_index_code: str | None
    uplift_reference_month: int | None
    uplift_cap_bp: int | None
    uplift_floor_bp: int | None
    uplift_review_above_bp: int | None
    uplift_notice_months: int | None

    @property
    def last_day(self):
        return self.ended_on or self.end_date

    @property
    def provider_label(self):
        return self.registered_name or self.provider_name or "Unnamed provider"


class _Change(NamedTuple):
    placement_id: int
    effective_from: date
    core_weekly_pence: int
    support_weekly_pence: int
    therapies_weekly_pence: int
    other_weekly_pence: int
    weekly_total_pence: int
    uplift_due_on: date | None


_ROW_COLUMNS = tuple(name for name in _Row._fields if name != "registered_name")
_CHANGE_COLUMNS = _Change._fields


_BY_REFERENCE = itemgetter(1, 0)  # (reference, id)
_BY_DATE_THEN_ID = itemgetter(2, 0)  # a change's (effective_from, id)


def _in_year(first, last):
    """Placements charged on some day of [first, last]: started by its end, and their last day
    (or the end of a notice charged in lieu) not before its start."""
    return (Placement.start_date <= last,
            or_(func.coalesce(Placement.ended_on, Placement.end_date) >= first,
                Placement.charge_until >= first))


def _load(first, last):
    """The placements in the year, their fee changes by placement, the index values by code,
    the authority's assumed rate (and whether it was set): four statements, each scoped."""
    from ..providers import Provider

    rows = [_Row._make(values) for values in db.session.execute(
        select(*(getattr(Placement, name) for name in _ROW_COLUMNS[:9]), Provider.name,
               *(getattr(Placement, name) for name in _ROW_COLUMNS[9:]))
        .outerjoin(Provider, Provider.id == Placement.provider_id)
        .where(*_in_year(first, last)))]
    # Ordered here, not in SQL: the authority's rows come by its (organisation, start) index,
    # and no index walk over every authority's placements is needed to sort them.
    rows.sort(key=_BY_REFERENCE)
    # All the authority's fee changes (scoping picks them; the placements' ids are used here,
    # not in SQL): one scan whatever the planner knows of the tables, no list of ids to bind.
    wanted = {row.id for row in rows}
    changes = {}
    for values in db.session.execute(
            select(PlacementFeeChange.id,
                   *(getattr(PlacementFeeChange, name) for name in _CHANGE_COLUMNS))):
        if values[1] in wanted:
            changes.setdefault(values[1], []).append(values)
    # In the order they apply: by date, then as recorded (of two on a date the later wins).
    for placement_id, found in changes.items():
        found.sort(key=_BY_DATE_THEN_ID)
        changes[placement_id] = [_Change._make(values[1:]) for values in found]
    index_values = {}
    for code, year, month, value_bp in db.session.execute(
            select(IndexSeries.code, IndexValue.year, IndexValue.month, IndexValue.value_bp)
            .join(IndexSeries, IndexSeries.id == IndexValue.series_id)):
        index_values.setdefault(code, {})[(year, month)] = value_bp
    assumed = db.session.scalar(select(ForecastSetting.assumed_index_bp))
    return rows, changes, index_values, assumed


# ---------------------------------------------------------------- projecting fees

_RULE_COLUMNS = attrgetter("uplift_kind", "uplift_percent_bp", "uplift_index_code",
                           "uplift_reference_month", "uplift_cap_bp", "uplift_floor_bp",
                           "uplift_review_above_bp", "uplift_notice_months")


def _rule_of(row, cache):
    """The placement's uplift rule, one per distinct set of columns (``cache``)."""
    key = _RULE_COLUMNS(row)
    rule = cache.get(key)
    if rule is None:
        rule = cache[key] = _rule_of_columns(row)
    return rule


def _rule_of_columns(row):
    """The placement's uplift rule for the engine (``fees.rule_of``). A stored rule the engine
    finds wrong (e.g. index-linked with no reference month) projects nothing rather than failing
    the whole forecast: the known fees stand."""
    from .fees import rule_of

    rule = rule_of(row)
    return rule if not engine.validate_rule(rule) else engine.UpliftRule(engine.NONE)


def projected_fees(row, changes, rule, index_values, assumed_bp, horizon, percents=None):
    """The weekly fee history a forecast costs up to ``horizon`` (issue 12 §4, §10), as
    (effective_from, weekly pence) pairs, and the due dates projected at the assumed rate: the
    known history (``costing.fee_pairs``), plus each uplift the rule still brings up to
    ``horizon`` (due dates already applied as fee changes are skipped), projected per fee
    component (``engine.apply_uplifts`` of the rule's schedule — ``engine.project_fees`` in two
    halves, each component rounded to the penny as the uplift job does) and added up
    (``engine.add_fee_pairs``), both by ``engine.project_components``. Fees after ``horizon``
    (the year's last day, or the last day charged if earlier) cannot change a cost up to it,
    so they are not projected. With nothing to project it is exactly the history the
    placement's own page costs. ``percents`` keeps each (rule, due date)'s percentage
    (``engine.uplift_percent``) and whether it is at the assumed rate, and the schedules of
    placements with no uplift applied yet, for the next placements with that rule in the same
    forecast (same index values, same assumed rate)."""
    if rule.kind == engine.NONE:
        return costing.fee_pairs(row, changes), ()
    if percents is None:
        percents = {}
    start = row.start_date
    applied = {change.uplift_due_on for change in changes if change.uplift_due_on}
    # Without uplifts already applied, the schedule follows from the rule, the horizon and,
    # for 1 April rules, only the first 1 April after the start: shared by many placements.
    key = None
    if not applied:
        key = (rule, horizon, start if rule.kind == engine.FIXED_ANNIVERSARY
               else start.year + (start.month >= 4))
        found = percents.get(key)
        if found is not None:
            schedule, assumed = found
            return _projected(row, changes, schedule, assumed)
    schedule, assumed = [], []
    for d in engine.uplift_due_dates(rule, start, horizon):
        if d in applied:
            continue
        found = percents.get((rule, d))
        if found is None:
            found = percents[(rule, d)] = (
                engine.uplift_percent(rule, d, index_values, assumed_bp).percent_bp,
                rule.kind == engine.INDEX_LINKED
                and engine.index_reference_month(rule, d) not in index_values)
        schedule.append((d, found[0]))
        if found[1]:
            assumed.append(d)
    assumed = tuple(assumed)
    if key is not None:
        percents[key] = (schedule, assumed)
    return _projected(row, changes, schedule, assumed)


def _projected(row, changes, schedule, assumed):
    """(the total weekly fee with ``schedule``'s uplifts applied to each fee component,
    ``assumed``) — ``engine.project_components``, ``engine.project_flat`` where there are no
    fee changes — or (the known history, ()) with nothing to project: no uplift due, or every
    component 0."""
    if not schedule:
        return costing.fee_pairs(row, changes), ()
    if not changes:  # one fee per component, from the start
        fees = [fee for fee in _FEES(row) if fee]
        if not fees:
            return costing.fee_pairs(row, changes), ()
        return engine.project_flat(row.start_date, fees, schedule), assumed
    histories = [history for history in (costing.fee_pairs(row, changes, name)
                                         for name in FEE_FIELDS)
                 if any(weekly for _, weekly in history)]
    if not histories:
        return costing.fee_pairs(row, changes), ()
    return engine.project_components(histories, schedule), assumed


def _estimated(basis, start, charged_until, calendars, assumed_dates, first, last):
    """Whether the cost of [first, last] is estimated: a term-time year with no calendar (the
    engine's estimate from the chargeable days), or an index-linked uplift in force in the range
    at the assumed rate."""
    a = first if first > start else start
    b = last if last < charged_until else charged_until
    if b < a:
        return False
    if assumed_dates and any(due <= b for due in assumed_dates):
        return True
    if basis != engine.TERM_TIME:
        return False
    return any(calendars.calendar_for(year)[1] == engine.ESTIMATED
               for year in range(engine.academic_year(a), engine.academic_year(b) + 1))


_ALL_EDUCATION = (100, 0, 0)


def split_by_funder(pence, percents):
    """``pence`` shared by whole ``percents`` summing to 100 (education, social care, health),
    to the penny and adding up to ``pence`` exactly: each share rounded down, then the pennies
    left over go one each to the largest remainders (ties: in the order given). Done per
    placement, so each placement's shares and the funder totals both add up (issue 12 §8)."""
    if percents == _ALL_EDUCATION:  # the default split: what the loop below gives, directly
        return (pence, 0, 0)
    exact = [pence * percent for percent in percents]
    shares = [part // 100 for part in exact]
    left = pence - sum(shares)
    if not left:  # nothing left over (always so for a single funder)
        return tuple(shares)
    for i in sorted(range(len(exact)), key=lambda i: (-(exact[i] % 100), i))[:left]:
        shares[i] += 1
    return tuple(shares)


# ---------------------------------------------------------------- the service

def _require_reader(actor):
    if not is_buyer(actor):
        raise PermissionDenied("only an authority's placement officers and managers read its "
                               "forecast")


class CostCache:
    """What :func:`placement_cost` works out once and reuses for the next placements of the same
    costing: each placement type's charging basis, each uplift rule, and each (rule, due date)'s
    percentage and schedule (same index values and assumed rate throughout)."""

    def __init__(self):
        self.bases, self.rules, self.percents = {}, {}, {}


def placement_cost(row, changes, index_by_code, assumed_bp, calendars, ranges, cache):
    """One placement's cost as every forecast figure is worked out (issue 12 §6, §10): its fee
    history with the uplifts its rule will still bring (:func:`projected_fees`), costed over
    each of ``ranges`` by the cost engine in one walk (``engine.range_totals``, the same figure
    as ``engine.total_pence`` of each). ``row`` has the columns of :data:`_ROW_COLUMNS`;
    ``ranges[0]`` is the year whose estimated flag is given. Returns (the costs in pence, one
    per range; the last day charged; estimated), or None for a placement charged by the hour
    (as invoiced, never forecast). The authority's forecast and the MoU's usage (spend) both
    cost placements here, so they cannot disagree."""
    placement_type = row.placement_type
    basis = cache.bases.get(placement_type, False)
    if basis is False:  # once per type: its charging basis (None: hourly)
        basis = None
        if placement_type.unit == "week":
            try:
                basis = costing.basis_of(placement_type)
            except Conflict:
                pass
        cache.bases[placement_type] = basis
    if basis is None:
        return None
    first, last = ranges[0]
    rule = _rule_of(row, cache.rules)
    last_day = row.ended_on or row.end_date
    charge_until = row.charge_until
    charged_until = (charge_until if charge_until is not None and charge_until > last_day
                     else last_day)
    fees, assumed = projected_fees(row, changes, rule, index_by_code.get(rule.index_code, {}),
                                   assumed_bp, min(charged_until, last), cache.percents)
    row_calendars = calendars[row.provider_id]
    costs = engine.range_totals(basis, row.start_date, last_day, fees, row_calendars,
                                charge_until, ranges)
    estimated = _estimated(basis, row.start_date, charged_until, row_calendars, assumed,
                           first, last)
    return costs, charged_until, estimated


def forecast(actor, financial_year=None, academic_year=None):
    """The authority's committed spend over a financial or an academic year (exactly one, a
    label like "2026-27"; ValidationFailed naming the field otherwise) for its placements
    charged in it, planned, active or ended (to their last day, or the end of a notice charged
    in lieu), with known fee changes and projected uplifts, split by placement type, provider,
    funder and on/off framework; and the actual to date: the year's first day to yesterday
    (Europe/London), the whole year once it is past, 0 before it starts (issue 12 §10). The
    authority's placement officers and managers only."""
    _require_reader(actor)
    kind, year = parse_year(financial_year, academic_year)
    first, last = (engine.financial_year_range if kind == FINANCIAL
                   else engine.academic_year_range)(year)
    today = london_date(tenants.utcnow())
    actual_to = min(today - timedelta(days=1), last)
    rows, changes_by_placement, index_by_code, setting_bp = _load(first, last)
    assumed_bp = DEFAULT_ASSUMED_INDEX_BP if setting_bp is None else setting_bp
    calendars = costing.calendars_for({row.provider_id for row in rows})

    lines, hourly = [], 0
    total = actual = on_framework = off_framework = 0
    any_estimated = False
    types, providers, funder_totals = {}, {}, [0, 0, 0]
    funder_estimated = False
    # The year, and the actual to date once the year has begun: engine.range_totals costs both
    # in one walk of each placement's fees (= engine.total_pence of each).
    ranges = ((first, last),) + (((first, actual_to),) if actual_to >= first else ())
    cache, provider_keys = CostCache(), {}
    funding_of = attrgetter(*(column for _, _, column in FUNDERS))
    for row in rows:
        placement_type = row.placement_type
        costed = placement_cost(row, changes_by_placement.get(row.id, ()), index_by_code,
                                assumed_bp, calendars, ranges, cache)
        if costed is None:  # charged by the hour, as invoiced: not forecast
            hourly += 1
            continue
        costs, charged_until, estimated = costed
        type_key = placement_type.value
        pence = costs[0]
        to_date = costs[1] if len(costs) > 1 else 0
        shares = split_by_funder(pence, funding_of(row))
        provider_id = row.provider_id
        named = (provider_id, row.registered_name, row.provider_name)
        found = provider_keys.get(named)
        if found is None:
            label = row.provider_label
            found = provider_keys[named] = (
                label, f"provider:{provider_id}" if provider_id else f"named:{label}")
        label, key = found
        lines.append(PlacementLine(row.id, row.reference, label, provider_id,
                                   placement_type, bool(row.off_framework), row.start_date,
                                   charged_until, pence, to_date, shares, estimated))
        total += pence
        actual += to_date
        if row.off_framework:
            off_framework += pence
        else:
            on_framework += pence
        any_estimated = any_estimated or estimated
        for i, share in enumerate(shares):
            funder_totals[i] += share
        funder_estimated = funder_estimated or estimated
        _add(types, type_key, placement_type, pence, estimated)
        _add(providers, key, label, pence, estimated)

    by_funder = [Share(key, label, pence, funder_estimated and pence > 0)
                 for (key, label, _), pence in zip(FUNDERS, funder_totals)]
    other = _other_spend(first, last, actual_to if actual_to >= first else None, assumed_bp,
                         index_by_code)
    return Forecast(kind, year, first, last, today, total, actual, _ranked(types),
                    _ranked(providers), by_funder, on_framework, off_framework, any_estimated,
                    assumed_bp, setting_bp is not None, lines, hourly, other_spend=other)


def _add(groups, key, name, pence, estimated):
    found = groups.get(key)
    if found is None:
        groups[key] = [name, pence, estimated]
    else:
        found[1] += pence
        found[2] = found[2] or estimated


def _ranked(groups):
    """A split's lines, largest total first, then by name."""
    named = [(key, getattr(name, "label", name), pence, estimated)
             for key, (name, pence, estimated) in groups.items()]
    return [Share(*share) for share in sorted(named, key=lambda s: (-s[2], s[1], s[0]))]


def dashboard_summary(actor):
    """The forecast for the current financial year, for the authority's dashboard (None for
    anyone who may not read it)."""
    if not is_buyer(actor):
        return None
    return forecast(actor, financial_year=current_financial_year())


# ---------------------------------------------------------------- the assumed rate

def assumed_rate(actor):
    """(the rate index-linked uplifts are projected at where the index is not yet known, in
    basis points; whether the authority set it) for its officers and managers."""
    _require_reader(actor)
    found = db.session.scalar(select(ForecastSetting.assumed_index_bp))
    return (DEFAULT_ASSUMED_INDEX_BP, False) if found is None else (found, True)


def parse_percent(text):
    """A percentage as people type it ("2.5", "-1", "3%") to basis points; ValidationFailed
    naming the field if it is not a number with at most two decimal places."""
    message = "Enter the assumed rate as a percentage, like 2.5"
    cleaned = (text or "").strip().rstrip("%").strip() if isinstance(text, str) else text
    try:
        hundredths = Decimal(str(cleaned)) * 100
    except (InvalidOperation, ValueError):
        raise ValidationFailed({RATE_FIELD: message}) from None
    if not hundredths.is_finite() or hundredths != hundredths.to_integral_value():
        raise ValidationFailed({RATE_FIELD: message})
    return int(hundredths)


def percent_text(bp):
    """Basis points as a percentage with two places: 200 → "2.00", -150 → "-1.50"."""
    sign = "-" if bp < 0 else ""
    whole, part = divmod(abs(bp), 100)
    return f"{sign}{whole}.{part:02d}"


def set_assumed_rate(actor, percent_bp):
    """Set the rate (basis points, −20% to +50%) at which the authority's forecasts project
    index-linked uplifts where the index value is not yet known (issue 12 §10), creating or
    updating its one ForecastSetting. The authority's managers only; bad input changes
    nothing. ``percent_bp`` may also be the percentage as typed ("2.5"), read by
    :func:`parse_percent` once the actor may set it."""
    require_manager(actor)
    if isinstance(percent_bp, str):
        percent_bp = parse_percent(percent_bp)
    if not isinstance(percent_bp, int) or isinstance(percent_bp, bool) or not (
            engine.MIN_PERCENT_BP <= percent_bp <= engine.MAX_PERCENT_BP):
        raise ValidationFailed({RATE_FIELD: "The assumed rate must be between -20% and 50%"})
    setting = db.session.scalars(select(ForecastSetting)).one_or_none()
    before = None if setting is None else {"assumed_index_bp": setting.assumed_index_bp}
    if setting is None:
        setting = ForecastSetting(assumed_index_bp=percent_bp)
        db.session.add(setting)
    else:
        setting.assumed_index_bp = percent_bp
        setting.updated_at = tenants.utcnow()
    db.session.flush()
    audit.record("forecast.assumed_rate_set", setting, before=before,
                 after={"assumed_index_bp": percent_bp})
    db.session.commit()
    return setting


# ---------------------------------------------------------------- downloads

def _pounds(pence):
    return Decimal(pence) / 100


def table_rows(result):
    """The download's rows (CSV and XLSX alike): the totals and splits, then one row per
    placement with its funder shares and its cost over the year."""
    yield [f"Forecast placement spend, {result.kind_label} {result.label} "
           f"({result.first_day.isoformat()} to {result.last_day.isoformat()})"]
    yield ["Total", result.total_pence]
    yield ["Actual to date", result.actual_to_date_pence]
    yield ["On framework", result.on_framework_pence]
    yield ["Off framework", result.off_framework_pence]
    for share in result.by_funder:
        yield [f"Funder: {share.name}", share.total_pence]
    for share in result.by_type:
        yield [f"Type: {share.name}", share.total_pence]
    yield ["Estimated", "yes" if result.estimated else "no"]
    yield ["Assumed index rate (%)", percent_text(result.assumed_index_bp)]
    for other in result.other_spend:  # issue 13 §4: beside the placements, not in the splits
        yield [other.name, other.total_pence]
        yield [f"{other.name}: actual to date", other.actual_pence]
    if result.other_spend:
        yield ["All committed spend", result.all_committed_pence]
    yield []
    yield list(PLACEMENT_COLUMNS)
    for line in result.placements:
        yield [line.reference, line.provider, line.placement_type.label,
               "Off framework" if line.off_framework else "On framework",
               *line.funders, line.total_pence, line.actual_pence,
               "yes" if line.estimated else "no"]
    for other in (other for other in result.other_spend if other.lines):
        yield []
        yield [other.name]
        yield list(OTHER_COLUMNS)
        for line in other.lines:
            yield [line.reference, line.title, line.supplier, line.total_pence,
                   line.actual_pence, "yes" if line.estimated else "no"]


PLACEMENT_COLUMNS = ("Reference", "Provider", "Type", "Framework", "Education (£)",
                     "Social care (£)", "Health (£)", "Cost in year (£)", "Actual to date (£)",
                     "Estimated")
OTHER_COLUMNS = ("Contract reference", "Title", "Supplier", "Value in year (£)",
                 "Actual to date (£)", "Estimated")
# Which cells of table_rows are money (pence to be shown as pounds): the summary's second cell,
# the placement rows' 5th to 9th, and the other spend's (block contracts') 4th and 5th.
_MONEY_COLUMNS = range(4, 9)
_OTHER_MONEY_COLUMNS = range(3, 5)


def _money_cells(rows):
    """table_rows with pence as pounds: (row, [(value, is_money)])."""
    money_columns = range(1, 2)
    for row in rows:
        if row and row[0] in (PLACEMENT_COLUMNS[0], OTHER_COLUMNS[0]):
            money_columns = (_MONEY_COLUMNS if row[0] == PLACEMENT_COLUMNS[0]
                             else _OTHER_MONEY_COLUMNS)
            yield [(value, False) for value in row]
            continue
        cells = []
        for i, value in enumerate(row):
            cells.append((value, isinstance(value, int) and i in money_columns))
        yield cells


def _safe_text(value):
    """Text a person typed (a reference, a provider's name) that a spreadsheet must never take
    for a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_bytes(result):
    """The forecast as CSV (UTF-8 with a byte-order mark, so spreadsheets read £ correctly):
    money as pounds with two places."""
    import csv
    import io

    from ..money import format_pounds

    out = io.StringIO()
    writer = csv.writer(out)
    for cells in _money_cells(table_rows(result)):
        writer.writerow([format_pounds(value) if money else _safe_text(value)
                         for value, money in cells])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(result):
    """The forecast as an XLSX workbook: a "Forecast" sheet with the totals and splits, then a
    row per placement; money as numbers of pounds (two decimal places), text never a formula.
    Written in openpyxl's write-only mode, so 5,000 placements take a moment, not minutes."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Forecast")
    for cells in _money_cells(table_rows(result)):
        row = []
        for value, money in cells:
            cell = WriteOnlyCell(sheet, value=_pounds(value) if money else value)
            if money:
                cell.number_format = "#,##0.00"
            elif cell.data_type == "f":  # text that others typed is never a formula
                cell.data_type = "s"
            row.append(cell)
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
