"""Placements' money through the one cost engine (issue 12 §6): this module turns stored rows
(a placement, its fee changes, the term calendars) into the engine's terms and back into the
figures the pages, the API and the forecasts show. There is no other formula: an offer's annual
cost and whole-life value, a placement's costs over any range and its whole-life value all come
from :mod:`.engine` through here."""
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from sqlalchemy import select

from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..purchasing.services import get_system
from . import engine
from .models import PlacementFeeChange


def chargeable_days():
    """The system's chargeable school days a year (190 = 38 weeks unless the host changed it)."""
    system = get_system()
    return system.chargeable_school_days if system else engine.DEFAULT_CHARGEABLE_DAYS


def calendars_for(provider_ids):
    """Each provider's term calendars with the region's default, as the engine's ``Calendars``
    (keyed by provider id; None for a named provider not registered here)."""
    from .calendars import calendars_for as stored_calendars
    return stored_calendars(provider_ids)


def basis_of(placement_type):
    """The engine's charging basis for a placement type; Conflict for an hourly type, which is
    charged by the hours a provider invoices, not by the week."""
    try:
        return engine.basis_for(placement_type.value)
    except ValueError:
        raise Conflict(f"a {placement_type.label.lower()} placement is charged by the hour, so it "
                       "has no weekly cost to work out") from None


def fee_changes_of(placement_ids):
    """The fee changes of these placements, in the order they apply: by date, then as
    recorded (of two on one date, the later recorded wins). One statement."""
    rows = db.session.scalars(select(PlacementFeeChange).where(
        PlacementFeeChange.placement_id.in_(list(placement_ids))
    ).order_by(PlacementFeeChange.placement_id, PlacementFeeChange.effective_from,
               PlacementFeeChange.id)).all()
    by_placement = {}
    for row in rows:
        by_placement.setdefault(row.placement_id, []).append(row)
    return by_placement


def fee_steps(placement, changes, name="weekly_total_pence"):
    """The placement's weekly fee history for the engine (issue 12 §3): the fees agreed at the
    start, then each change's from its effective date (one dated before the start counts from
    the start; of two on a date, the later recorded). ``name`` picks the weekly total or one
    fee component (``core_weekly_pence``...)."""
    return tuple(engine.FeeStep(day, weekly) for day, weekly in fee_pairs(placement, changes, name))


def fee_pairs(placement, changes, name="weekly_total_pence"):
    """:func:`fee_steps` as (effective_from, weekly pence) pairs, for the engine's fast path
    (``engine.range_totals``, ``engine.apply_uplifts``): the same history, without FeeSteps."""
    start = placement.start_date
    if not changes:
        return [(start, getattr(placement, name))]
    by_date = {start: getattr(placement, name)}
    for change in changes:
        effective_from = change.effective_from
        by_date[effective_from if effective_from > start else start] = getattr(change, name)
    return sorted(by_date.items())


def cost_terms(placement, changes, calendars, *, fees=None):
    """The engine's terms for a placement: its basis, start, last day (ended early or its end
    date), fee history (or ``fees`` given, e.g. with projected uplifts), calendars and any
    charge in lieu of notice."""
    return engine.CostTerms(
        basis=basis_of(placement.placement_type), start=placement.start_date,
        last_day=placement.last_day, fees=fees or fee_steps(placement, changes),
        calendars=calendars, charge_until=placement.charge_until)


def terms_of(placement):
    """The engine's terms for one placement, read from the database (three statements)."""
    changes = fee_changes_of([placement.id]).get(placement.id, [])
    calendars = calendars_for([placement.provider_id])[placement.provider_id]
    return cost_terms(placement, changes, calendars)


def whole_life_of(placement):
    """What the placement costs over its whole length, at the fees known (issue 12 §7)."""
    return engine.whole_life(terms_of(placement))


def refresh_value(placement):
    """Keep the placement's stored whole-life value current after its fees or end changed."""
    try:
        placement.total_value_pence = whole_life_of(placement).total_pence
    except Conflict:  # charged by the hour: no weekly cost to work out
        placement.total_value_pence = 0
    return placement


@dataclass(frozen=True)
class Values:
    """What an offer's fees come to: the first year's cost and the cost over the whole length,
    both at the fees offered (no uplifts), and whether either was estimated for want of a term
    calendar."""

    annual_pence: int
    whole_life_pence: int
    estimated: bool
    weeks: Fraction  # the weeks the first year's cost counts (school days ÷ 5, days ÷ 7)


def a_year(basis, weekly_pence, start, calendars):
    """The terms and range of "a year" of a placement from ``start`` at a flat fee: for a
    term-time type the whole academic year it starts in (its school days ÷ 5 = the chargeable
    weeks, 38 on a 190-day calendar or estimate); for a 52-week type the 12 months from the
    start (365 or 366 days ÷ 7)."""
    if basis == engine.TERM_TIME:
        first, last = engine.academic_year_range(engine.academic_year(start))
    else:
        first, last = start, engine.anniversary(start, 1) - timedelta(days=1)
    terms = engine.CostTerms(basis=basis, start=first, last_day=last,
                             fees=(engine.FeeStep(first, weekly_pence),), calendars=calendars)
    return terms, first, last


def offer_values(placement_type, weekly_pence, start, last_day, provider_id):
    """An offer's annual cost and whole-life value (issue 12 §7): the engine's cost of a year
    (see :func:`_a_year`) and of the whole placement, on the provider's calendars (else the
    region's, else estimated), at the fees offered."""
    try:
        basis = engine.basis_for(placement_type.value)
    except ValueError:
        return Values(0, 0, False, Fraction(0))
    calendars = calendars_for([provider_id])[provider_id]
    terms = engine.CostTerms(basis=basis, start=start, last_day=last_day,
                             fees=(engine.FeeStep(start, weekly_pence),), calendars=calendars)
    year = engine.cost(*a_year(basis, weekly_pence, start, calendars))
    whole = engine.whole_life(terms)
    per_week = 7 if basis == engine.FIFTY_TWO_WEEK else 5
    weeks = sum((Fraction(line.days) for line in year.lines), Fraction(0)) / per_week
    return Values(year.total_pence, whole.total_pence, year.estimated or whole.estimated, weeks)


def parse_range(from_text, to_text, placement):
    """A costing range from the API's ``from`` and ``to`` (ISO dates, inclusive); each defaults
    to the placement's own first and last charged day. ValidationFailed naming the field."""
    errors, values = {}, {}
    for field, text, default in (("from", from_text, placement.start_date),
                                 ("to", to_text, placement.charge_until or placement.last_day)):
        if text in (None, ""):
            values[field] = default
            continue
        try:
            values[field] = date.fromisoformat(text)
        except (TypeError, ValueError):
            errors[field] = f"Enter {field} as a date like 2026-09-01"
    if not errors and values["to"] < values["from"]:
        errors["to"] = "The end of the range must be the same as or after its start"
    if errors:
        raise ValidationFailed(errors)
    return values["from"], values["to"]


def refresh_placement_values():
    """Work out, through the engine, the whole-life value of every placement that has none yet
    (those made before values were kept: migration 0016). Each authority's in its own scope;
    returns how many were worked out."""
    from sqlalchemy import select as select_

    import tenants

    from .models import Placement

    done = 0
    for authority in db.session.scalars(select_(tenants.Authority)).all():
        with tenants.scoped_to(authority):
            for placement in db.session.scalars(select_(Placement).where(
                    Placement.total_value_pence == 0)).all():
                refresh_value(placement)
                done += 1
            db.session.commit()
    return done
