"""A financial year's usage per member authority (issue 14 §1): placement days and placement
spend from the cost engine, call-offs published, and the population the host entered.

This is the MoU run's cross-organisation read, the one place in the app that lifts tenant
scoping (``tenants.UNSCOPED``, see tenants/scoping.py): the host shares its costs by every
member's usage, which no member may read of another. It reads only what the shares need (per
placement: its dates, type and fees; per call-off: when it was published), keeps nothing but
one figure per authority and measure, and is called only by ``services`` for the host's
administrator.

Spend is the forecasts' figure, from the same function (``placements.forecasts.placement_cost``:
the fee history with its uplifts projected, costed by the engine over the year); there is no
second formula. Placement
days are the calendar days from a placement's start to its last day (the end date, or the day it
ended early) inside the year; a notice charged in lieu is spend, not days placed. Hourly
placements count their days but no spend (they are charged as invoiced, as in forecasts).
"""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, null, select

import tenants

from ..calloffs.models import CallOff
from ..extensions import db
from ..placements import costing, engine, forecasts
from ..placements.models import (ForecastSetting, IndexSeries, IndexValue, Placement,
                                 PlacementFeeChange)
from .models import PopulationFigure

LONDON = ZoneInfo("Europe/London")
_UNSCOPED = {tenants.UNSCOPED: True}


def _utc_start_of(day):
    """Midnight at the start of ``day`` in the UK, in UTC (a year's call-offs are those
    published on its days as the UK counts them)."""
    return datetime.combine(day, time(), LONDON).astimezone(timezone.utc)


def gather(financial_year, include_off_framework=True):
    """{authority id: {measure: figure}} for ``financial_year`` over every authority: placement
    days, placement spend (pence), call-offs published, population (where entered). Placements
    off framework are counted unless ``include_off_framework`` is False (the terms say). A fixed
    handful of statements however many authorities and placements."""
    first, last = engine.financial_year_range(financial_year)
    figures = {}

    def add(authority_id, measure, amount):
        per = figures.setdefault(authority_id, {tenants.PLACEMENT_DAYS: 0,
                                                tenants.PLACEMENT_SPEND: 0, tenants.CALLOFFS: 0})
        per[measure] = per.get(measure, 0) + amount

    # Lifting scoping (see the module docstring): every authority's placements in the year.
    names = forecasts._ROW_COLUMNS
    statement = (select(Placement.organisation_id,
                        *(getattr(Placement, name) for name in names[:9]),
                        null().label("registered_name"),
                        *(getattr(Placement, name) for name in names[9:]))
                 .where(*forecasts._in_year(first, last)))
    if not include_off_framework:
        statement = statement.where(Placement.off_framework.is_(False))
    rows = []
    for values in db.session.execute(statement, execution_options=_UNSCOPED):
        rows.append((values[0], forecasts._Row(*values[1:])))
    wanted = {row.id for _, row in rows}
    changes = {}
    for values in db.session.execute(
            select(PlacementFeeChange.id, *(getattr(PlacementFeeChange, name)
                                            for name in forecasts._CHANGE_COLUMNS)),
            execution_options=_UNSCOPED):
        if values[1] in wanted:
            changes.setdefault(values[1], []).append(values)
    for placement_id, found in changes.items():
        found.sort(key=lambda values: (values[2], values[0]))
        changes[placement_id] = [forecasts._Change(*values[1:]) for values in found]
    index_values = {}
    for code, year, month, value_bp in db.session.execute(
            select(IndexSeries.code, IndexValue.year, IndexValue.month, IndexValue.value_bp)
            .join(IndexSeries, IndexSeries.id == IndexValue.series_id)):
        index_values.setdefault(code, {})[(year, month)] = value_bp
    assumed = dict(db.session.execute(
        select(ForecastSetting.organisation_id, ForecastSetting.assumed_index_bp),
        execution_options=_UNSCOPED).all())
    published = db.session.execute(
        select(CallOff.organisation_id, func.count(CallOff.id))
        .where(CallOff.published_at >= _utc_start_of(first),
               CallOff.published_at < _utc_start_of(last + timedelta(days=1)))
        .group_by(CallOff.organisation_id), execution_options=_UNSCOPED).all()
    # Scoping applies again from here: the term calendars are everyone's to read.
    calendars = costing.calendars_for({row.provider_id for _, row in rows})

    # Each authority's placements costed as its own forecast costs them (one function, at its
    # own assumed rate; the cache's projections hold for one rate, so one cache per authority).
    caches = {}
    for authority_id, row in rows:
        add(authority_id, tenants.PLACEMENT_DAYS,
            max(0, (min(row.last_day, last) - max(row.start_date, first)).days + 1))
        costed = forecasts.placement_cost(
            row, changes.get(row.id, ()), index_values,
            assumed.get(authority_id, forecasts.DEFAULT_ASSUMED_INDEX_BP), calendars,
            ((first, last),), caches.setdefault(authority_id, forecasts.CostCache()))
        if costed is not None:  # hourly placements are charged as invoiced, never costed
            add(authority_id, tenants.PLACEMENT_SPEND, costed[0][0])
    for authority_id, count in published:
        add(authority_id, tenants.CALLOFFS, count)
    for authority_id, population in db.session.execute(
            select(PopulationFigure.authority_id, PopulationFigure.population)
            .where(PopulationFigure.financial_year == financial_year)):
        add(authority_id, tenants.POPULATION, population)
    return figures
