"""The forecast's fast path gives the general path's figures (issue 12 §10: one cost engine,
no second formula; a forecast over 5,000 placements in the benchmark): for a mix of placements
— day, 38-week and 52-week residential; fee changes, some of them uplifts already applied; each
kind of uplift rule, index-linked ones with and without the index known; providers with their
own term calendar, without one, and named only; some ended early with notice charged in lieu —
each forecast line equals the engine's general path worked out here on its own, placement by
placement (``engine.project_fees`` per component, ``engine.add_fee_histories``,
``costing.cost_terms``, ``engine.total_pence``), to the penny, estimated flags included."""
import random
from datetime import date, timedelta

import tenants
from marketplace.extensions import db
from marketplace.placements import costing, engine, forecasts
from marketplace.placements.calendars import ENGLAND_TERMS
from marketplace.placements.fees import rule_of
from marketplace.placements.models import (IndexSeries, IndexValue, Placement, TermCalendar,
                                           TermCalendarTerm)
from marketplace.purchasing.models import PlacementType

from .test_forecasts import make_placement

RULES = [None,
         {"uplift_kind": "fixed_april", "uplift_percent_bp": 250},
         {"uplift_kind": "fixed_anniversary", "uplift_percent_bp": 333},
         {"uplift_kind": "index_linked", "uplift_index_code": "CPI",
          "uplift_reference_month": 9, "uplift_cap_bp": 300},
         {"uplift_kind": "index_linked", "uplift_index_code": "CPI",
          "uplift_reference_month": 1, "uplift_floor_bp": 100}]
TYPES = [PlacementType.DAY, PlacementType.RESIDENTIAL_38, PlacementType.RESIDENTIAL_52]


def _calendar(owner, year, shift=0):
    with tenants.scoped_to(owner):
        calendar = TermCalendar(academic_year=year)
        for _, first, last in ENGLAND_TERMS[year]:
            calendar.terms.append(TermCalendarTerm(name="Term", starts_on=first + timedelta(shift),
                                                   ends_on=last + timedelta(shift)))
        db.session.add(calendar)
        db.session.commit()


def _mix(world):
    """48 placements of Manchester's, drawn from a fixed seed so the test is the same each
    run."""
    rng = random.Random(12)
    _calendar(world.host, 2026)  # the default for 2026-27 only: 2025-26 is estimated
    _calendar(world.provider, 2025, shift=1)  # Brookvale's own for both years
    _calendar(world.provider, 2026, shift=1)
    with tenants.scoped_to(world.host):
        series = IndexSeries(code="CPI", name="Consumer prices index")
        db.session.add(series)
        db.session.flush()
        db.session.add(IndexValue(series_id=series.id, year=2025, month=9, value_bp=410))
        db.session.commit()
    for n in range(48):
        start = date(2024, 9, 1) + timedelta(days=rng.randrange(0, 900))
        end = max(start + timedelta(days=rng.randrange(120, 900)),
                  date(2026, 4, 2) + timedelta(days=rng.randrange(0, 500)))
        core = rng.randrange(50000, 500000)
        support = rng.choice([0, 12345])
        rule = RULES[n % len(RULES)]
        changes = []
        if n % 3 == 0:
            changes.append((start + timedelta(days=rng.randrange(30, 400)),
                            core + rng.randrange(-3000, 20000), support))
        if rule and rule["uplift_kind"] == "fixed_april" and n % 2:
            due = date(start.year + (start.month >= 4), 4, 1)
            changes.append((due, core + 5000, support, due))
        provider = [world.provider, world.other_provider, None][n % 3]
        placement = make_placement(
            world.member, provider=provider, provider_name=None if provider else "Oak School",
            type_=TYPES[n % len(TYPES)], start=start, end=end, core=core, support=support,
            funding=[(100, 0, 0), (60, 30, 10), (33, 33, 34)][n % 3], off_framework=not provider,
            rule=rule, changes=changes)
        if n % 5 == 0:
            with tenants.scoped_to(world.member):
                row = db.session.get(Placement, placement.id)
                row.ended_on = max(start, date(2026, 4, 1)) + timedelta(days=rng.randrange(5, 200))
                if n % 10 == 0:
                    row.charge_until = row.ended_on + timedelta(days=rng.choice([20, 60]))
                db.session.commit()


def _as_first_written(placement, changes, calendars, index_values, assumed_bp, first, last,
                      actual_to):
    """(cost in the year, actual to date, estimated) by the general path, as the forecast first
    worked them out (before the fast path)."""
    rule = rule_of(placement)
    if engine.validate_rule(rule):
        rule = engine.UpliftRule(engine.NONE)
    index = index_values.get(rule.index_code, {})
    charged_until = max(placement.last_day, placement.charge_until or placement.last_day)
    horizon = min(charged_until, last)
    fees, assumed = costing.fee_steps(placement, changes), ()
    applied = {change.uplift_due_on for change in changes if change.uplift_due_on}
    due = [d for d in engine.uplift_due_dates(rule, placement.start_date, horizon)
           if d not in applied]
    if rule.kind != engine.NONE and due:
        histories = [engine.project_fees(history, rule, placement.start_date, horizon, index,
                                         assumed_bp, applied)
                     for history in (costing.fee_steps(placement, changes, name)
                                     for name in forecasts.FEE_FIELDS)
                     if any(step.weekly_pence for step in history)]
        if histories:
            fees = engine.add_fee_histories(*histories)
            if rule.kind == engine.INDEX_LINKED:
                assumed = tuple(d for d in due
                                if engine.index_reference_month(rule, d) not in index)
    terms = costing.cost_terms(placement, changes, calendars, fees=fees)
    pence = engine.total_pence(terms, first, last)
    to_date = engine.total_pence(terms, first, actual_to) if actual_to >= first else 0
    a, b = max(first, terms.start), min(last, terms.charged_until)
    estimated = b >= a and (any(d <= b for d in assumed) or (
        terms.basis == engine.TERM_TIME and any(
            calendars.calendar_for(year)[1] == engine.ESTIMATED
            for year in range(engine.academic_year(a), engine.academic_year(b) + 1))))
    return pence, to_date, estimated


def test_each_forecast_line_is_the_general_paths_figure(world, time_machine):
    time_machine.move_to("2026-12-02 10:00 +00:00", tick=False)
    _mix(world)
    first, last = engine.financial_year_range(2026)
    with tenants.scoped_to(world.member):
        result = forecasts.forecast(world.officer, financial_year="2026-27")
        placements = {p.id: p for p in db.session.scalars(db.select(Placement))}
        changes = costing.fee_changes_of(placements)
        calendars = costing.calendars_for({p.provider_id for p in placements.values()})
        index_values = {"CPI": {(2025, 9): 410}}
        expected = {
            pid: _as_first_written(p, changes.get(pid, []), calendars[p.provider_id],
                                   index_values, forecasts.DEFAULT_ASSUMED_INDEX_BP, first, last,
                                   date(2026, 12, 1))
            for pid, p in placements.items()}
    got = {line.placement_id: (line.total_pence, line.actual_pence, line.estimated)
           for line in result.placements}
    assert len(got) == 48
    assert got == expected
    # The mix is what it says: estimated and known lines, assumed-rate and in-lieu ones.
    assert {e for _, _, e in expected.values()} == {True, False}
    assert any(p.charge_until for p in placements.values())
    assert result.total_pence == sum(pence for pence, _, _ in expected.values())
