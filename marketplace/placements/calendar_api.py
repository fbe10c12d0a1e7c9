"""Term calendars in the API: the region's default term dates and each provider's, per academic
year (issue 12 §5 and its API section). Shapes only here; the rules are the services'
(:mod:`.calendars`).

An academic year in a path is its label, "2026-27"; dates are ISO 8601; ids are strings on the
way out."""
from flask import abort
from flask_login import current_user
from marshmallow import Schema, fields

from ..api import api_blueprint, errors
from ..errors import NotFound, ValidationFailed
from . import calendars, engine

blp = api_blueprint("api_term_calendars", __name__,
                    description="Term calendars: the region's default term dates and each "
                                "provider's (its school's), per academic year; the cost engine "
                                "counts term-time placements' school days on them.")


class TermSchema(Schema):
    # Not required at the boundary: the service says which term lacks what, in words.
    name = fields.String(allow_none=True, metadata={"example": "Autumn 1"})
    starts_on = fields.Date(allow_none=True, metadata={"description": "The term's first day"})
    ends_on = fields.Date(allow_none=True,
                          metadata={"description": "The term's last day (inclusive)"})


class TermCalendarSchema(Schema):
    academic_year = fields.String(dump_only=True, metadata={"example": "2026-27"})
    terms = fields.List(fields.Nested(TermSchema), dump_only=True)
    school_days = fields.Integer(dump_only=True,
                                 metadata={"description": "Weekdays inside the terms"})
    owner = fields.String(dump_only=True, metadata={"enum": [calendars.DEFAULT,
                                                             calendars.PROVIDER]})
    provider_id = fields.String(dump_only=True, allow_none=True)


class TermCalendarInputSchema(Schema):
    """The year's terms, which replace those saved. The answer's other fields may be sent back
    as they came (academic_year must then be the path's; the rest are worked out here)."""

    academic_year = fields.String(load_default=None, allow_none=True,
                                  metadata={"example": "2026-27",
                                            "description": "Optional: the path's, if given"})
    terms = fields.List(fields.Nested(TermSchema), load_default=None, allow_none=True,
                        metadata={"description": "Required: at least one term."})
    school_days = fields.Integer(allow_none=True, load_only=True,
                                 metadata={"description": "Ignored: counted from the terms"})
    owner = fields.String(allow_none=True, load_only=True, metadata={"description": "Ignored"})
    provider_id = fields.String(allow_none=True, load_only=True,
                                metadata={"description": "Ignored: the path's"})


def _year(label):
    try:
        return calendars.parse_academic_year(label)
    except NotFound as error:
        abort(404, description=f"{error}.")


def _body(calendar, provider_id):
    return {"academic_year": engine.year_label(calendar.academic_year),
            "terms": calendar.terms, "school_days": calendars.school_days(calendar),
            "owner": calendars.DEFAULT if provider_id is None else calendars.PROVIDER,
            "provider_id": None if provider_id is None else str(provider_id)}


def _read(academic_year, provider_id):
    year = _year(academic_year)
    calendar = calendars.get_calendar(current_user, year, provider_id)
    if calendar is None:
        abort(404, description=f"No term dates have been saved for {engine.year_label(year)}.")
    return _body(calendar, provider_id)


def _save(data, academic_year, provider_id):
    year = _year(academic_year)
    # Who may change it first, so that another provider learns nothing from the body's errors.
    calendars.require_can_save(current_user, provider_id)
    if data.get("academic_year") not in (None, engine.year_label(year)):
        raise ValidationFailed({"academic_year": f"The body's academic year must be the "
                                                 f"path's, {engine.year_label(year)}"})
    terms = [dict(term or {}) for term in data.get("terms") or []]
    try:
        saved = calendars.save_calendar(current_user, year, terms, provider_id)
    except ValidationFailed as error:
        # The service names a row's field terms-2-ends_on, as the page's form does; the API
        # names it as marshmallow names a nested field: terms.2.ends_on.
        raise ValidationFailed({key.replace("-", "."): message
                                for key, message in error.errors.items()}) from None
    return _body(saved.calendar, provider_id)


@blp.get("/term-calendars/default/<academic_year>")
@blp.response(200, TermCalendarSchema)
@errors(404)
def default_calendar(academic_year):
    """The region's default term dates for an academic year ("2026-27"), kept by the host; 404
    when none are saved."""
    return _read(academic_year, None)


@blp.put("/term-calendars/default/<academic_year>")
@blp.arguments(TermCalendarInputSchema)
@blp.response(200, TermCalendarSchema)
@errors(404)
def save_default_calendar(data, academic_year):
    """Replace the region's default term dates for an academic year (the host's
    administrators): each term's name, first and last day, in date order, not overlapping,
    inside 1 September to 31 August."""
    return _save(data, academic_year, None)


@blp.get("/term-calendars/providers/<id:provider_id>/<academic_year>")
@blp.response(200, TermCalendarSchema)
def provider_calendar(provider_id, academic_year):
    """A provider's (its school's) term dates for an academic year; 404 when none are saved."""
    return _read(academic_year, provider_id)


@blp.put("/term-calendars/providers/<id:provider_id>/<academic_year>")
@blp.arguments(TermCalendarInputSchema)
@blp.response(200, TermCalendarSchema)
def save_provider_calendar(data, provider_id, academic_year):
    """Replace your provider's term dates for an academic year (its own users only), as for
    the default."""
    return _save(data, academic_year, provider_id)
