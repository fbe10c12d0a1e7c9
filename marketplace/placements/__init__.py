"""Placements: a child's placement over time and money — its lifecycle, fee history, uplift
rules, the cost engine, term calendars, funding split, off-framework placements and forecasts.

Placements import nothing from ``calloffs``: a call-off ends when its award is accepted and
hands over to :func:`services.create_from_award`."""
