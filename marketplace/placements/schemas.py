"""Placements at the API boundary: shapes and types only; every rule is the services'.

Money is a decimal string in pounds with two places ("1250.00"); dates are ISO 8601; ids are
strings on the way out."""
from marshmallow import Schema, ValidationError, fields, validate

import tenants

from .. import ID_MAX

from ..api.fields import Pounds
from ..evaluation.schemas import RefSchema
from ..formatting import london_date
from .models import EarlyEnd, EndReason, OffFrameworkReason


def _percent(bp):
    """Basis points as the API's percentage string: 250 → "2.5"."""
    if bp is None:
        return None
    sign = "-" if bp < 0 else ""
    whole, part = divmod(abs(bp), 100)
    return f"{sign}{whole}" + (f".{part:02d}".rstrip("0") if part else "")


def uplift_rule_json(placement):
    """The placement's uplift rule as the API shows it (issue 12 §4)."""
    rule = {"kind": placement.uplift_kind or "none"}
    if placement.uplift_percent_bp is not None:
        rule["percent"] = _percent(placement.uplift_percent_bp)
    if rule["kind"] == "index_linked":
        rule.update(index=placement.uplift_index_code,
                    reference_month=placement.uplift_reference_month,
                    cap=_percent(placement.uplift_cap_bp),
                    floor=_percent(placement.uplift_floor_bp),
                    review_above=_percent(placement.uplift_review_above_bp))
    rule["notice_months"] = placement.uplift_notice_months
    return rule


def _id(attribute):
    """An id dumped as an opaque string (None stays None)."""
    return fields.Function(lambda obj: None if getattr(obj, attribute) is None
                           else str(getattr(obj, attribute)), dump_only=True, allow_none=True,
                           metadata={"type": "string"})


class PlacementSchema(Schema):
    id = fields.String(dump_only=True)
    reference = fields.String(dump_only=True)
    call_off_id = _id("call_off_id")
    award_id = _id("award_id")
    authority = fields.Nested(RefSchema, dump_only=True)
    provider = fields.Nested(RefSchema, dump_only=True, allow_none=True, metadata={
        "description": "null for an off-framework placement with a provider not registered "
                       "here (see provider_name)."})
    provider_name = fields.Function(lambda p: p.provider_label, dump_only=True)
    lot_id = _id("lot_id")
    off_framework = fields.Boolean(dump_only=True)
    off_framework_reason = fields.String(dump_only=True, allow_none=True)
    off_framework_note = fields.String(dump_only=True, allow_none=True)
    case_reference = fields.String(dump_only=True)
    birth_year = fields.Integer(dump_only=True)
    gender = fields.String(dump_only=True)
    primary_need = fields.String(dump_only=True)
    secondary_needs = fields.List(fields.String(), dump_only=True)
    postcode_district = fields.String(dump_only=True)
    placement_type = fields.String(dump_only=True)
    start_date = fields.Date(dump_only=True)
    end_date = fields.Function(lambda p: p.last_day.isoformat(), dump_only=True, metadata={
        "type": "string", "format": "date",
        "description": "The last day: the day it ends early once an end is recorded, else the "
                       "agreed end date."})
    agreed_end_date = fields.Date(attribute="end_date", dump_only=True)
    end_reason = fields.String(dump_only=True, allow_none=True, metadata={"enum": [
        r.value for r in EndReason]})
    end_note = fields.String(dump_only=True, allow_none=True)
    notice_weeks = fields.Integer(dump_only=True)
    notice_given_on = fields.Date(dump_only=True, allow_none=True)
    early_end = fields.String(dump_only=True, allow_none=True, metadata={
        "enum": [e.value for e in EarlyEnd]})
    charge_until = fields.Date(dump_only=True, allow_none=True, metadata={
        "description": "When notice is charged in lieu: the last day charged."})
    invoiced_to = fields.Date(dump_only=True, allow_none=True)
    funding = fields.Dict(dump_only=True, metadata={
        "description": "Percentages paid by education (the high-needs block), social care and "
                       "health; they add up to 100."})
    uplift_rule = fields.Function(lambda p: uplift_rule_json(p), dump_only=True,
                                  metadata={"type": "object"})
    status = fields.Function(lambda p: p.status_on(london_date(tenants.utcnow())).value,
                             dump_only=True, metadata={"type": "string", "enum": [
                                 "planned", "active", "ended"]})
    core_weekly_pence = Pounds(data_key="core_weekly_fee", dump_only=True)
    support_weekly_pence = Pounds(data_key="support_weekly_fee", dump_only=True)
    therapies_weekly_pence = Pounds(data_key="therapies_weekly_fee", dump_only=True)
    other_weekly_pence = Pounds(data_key="other_weekly_fee", dump_only=True)
    other_description = fields.String(dump_only=True, allow_none=True)
    weekly_total_pence = Pounds(data_key="weekly_total", dump_only=True)
    annual_cost_pence = Pounds(data_key="annual_cost", dump_only=True, metadata={
        "description": "The first year's cost at the fees agreed, from the cost engine."})
    total_value_pence = Pounds(data_key="total_value", dump_only=True, metadata={
        "description": "The cost over the whole placement at the fees known (fee changes and "
                       "any charge in lieu of notice included), from the cost engine."})
    specification_version_ids = fields.Function(
        lambda p: [str(i) for i in p.specification_version_ids or []], dump_only=True,
        metadata={"type": "array", "items": {"type": "string"}})
    local_schedule_revision = fields.Integer(dump_only=True, allow_none=True)
    local_schedule_title = fields.String(dump_only=True, allow_none=True)
    local_schedule_body = fields.String(dump_only=True, allow_none=True)
    agreed_at = fields.DateTime(dump_only=True)


def _days(value):
    """Days counted: a whole number, or an estimate to two places (the exact fraction is what
    the engine adds up)."""
    return str(value) if getattr(value, "denominator", 1) == 1 else f"{float(value):.2f}"


class CostLineSchema(Schema):
    from_ = fields.Date(data_key="from", dump_only=True)
    to = fields.Date(dump_only=True)
    basis = fields.String(dump_only=True)
    days = fields.Function(lambda line: _days(line.days), dump_only=True, metadata={
        "type": "string", "description": "School days (term time) or calendar days (52-week) "
                                         "counted; an estimate has two decimal places."})
    weekly_pence = Pounds(data_key="weekly_fee", dump_only=True)
    amount_pence = Pounds(data_key="amount", dump_only=True)
    estimated = fields.Boolean(dump_only=True)


class CostingSchema(Schema):
    """A placement's cost over a range with its workings. Amounts are rounded to the penny on
    running totals, so the lines add up to the total and any split adds up to the whole."""

    from_ = fields.Date(data_key="from", dump_only=True)
    to = fields.Date(dump_only=True)
    total_pence = Pounds(data_key="total", dump_only=True)
    estimated = fields.Boolean(dump_only=True, metadata={
        "description": "True when a term-time figure was estimated from the chargeable school "
                       "days for want of a term calendar."})
    lines = fields.List(fields.Nested(CostLineSchema), dump_only=True)


class CostRangeSchema(Schema):
    from_ = fields.String(data_key="from", load_default=None, metadata={
        "description": "First day (ISO date); default the placement's start."})
    to = fields.String(load_default=None, metadata={
        "description": "Last day (ISO date, inclusive); default its last charged day."})


def _sensible_date(value):
    if not 2000 <= value.year <= 2200:
        raise ValidationError("Enter a date between the years 2000 and 2200.")


class EndInputSchema(Schema):
    """Record the placement's end. ``early_end`` is needed when the end is earlier than the
    provider's notice allows: ``agreed`` (by both parties) or ``in_lieu`` (notice charged)."""

    end_date = fields.Date(load_default=None, validate=_sensible_date,
                           metadata={"description": "Required: the last day."})
    reason = fields.String(load_default=None, metadata={
        "description": "Required: one of " + ", ".join(r.value for r in EndReason) + "."})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))
    notice_given_on = fields.Date(load_default=None, allow_none=True, validate=_sensible_date)
    early_end = fields.String(load_default=None, allow_none=True,
                              validate=validate.OneOf([e.value for e in EarlyEnd]))


class FundingSchema(Schema):
    education = fields.Integer(load_default=0, strict=True)
    social_care = fields.Integer(load_default=0, strict=True)
    health = fields.Integer(load_default=0, strict=True)


class TermsInputSchema(Schema):
    """Change what was agreed: the notice period, the funding split, the last invoiced day."""

    notice_weeks = fields.Integer(load_default=None, strict=True)
    funding = fields.Nested(FundingSchema, load_default=None)
    invoiced_to = fields.Date(load_default=None, validate=_sensible_date)


class OffFrameworkInputSchema(Schema):
    """Record a placement made outside the system: its provider (``provider_id`` of one
    registered here, or ``provider_name``), the pseudonymised child, type, dates, weekly fees
    (pounds), funding split, notice and why it was made off-framework."""

    off_framework = fields.Boolean(required=True, validate=validate.Equal(
        True, error="Only off-framework placements are recorded here (off_framework: true); "
                    "others are made by accepting an award."))
    provider_id = fields.Integer(load_default=None, allow_none=True,
                                 validate=validate.Range(min=1, max=ID_MAX))
    provider_name = fields.String(load_default=None, allow_none=True)
    case_reference = fields.String(load_default=None)
    birth_year = fields.Raw(load_default=None, metadata={"type": "integer"})
    gender = fields.String(load_default=None)
    primary_need = fields.String(load_default=None)
    secondary_needs = fields.List(fields.String(), load_default=list)
    postcode_district = fields.String(load_default=None)
    placement_type = fields.String(load_default=None)
    start_date = fields.Date(load_default=None, validate=_sensible_date)
    end_date = fields.Date(load_default=None, validate=_sensible_date)
    core_weekly_pence = Pounds(data_key="core_weekly_fee", load_default=0)
    support_weekly_pence = Pounds(data_key="support_weekly_fee", load_default=0)
    therapies_weekly_pence = Pounds(data_key="therapies_weekly_fee", load_default=0)
    other_weekly_pence = Pounds(data_key="other_weekly_fee", load_default=0)
    other_description = fields.String(load_default=None, allow_none=True,
                                      validate=validate.Length(max=200))
    funding = fields.Nested(FundingSchema, load_default=None)
    notice_weeks = fields.Integer(load_default=None, strict=True)
    off_framework_reason = fields.String(load_default=None, metadata={
        "description": "Required: one of " + ", ".join(r.value for r in OffFrameworkReason)
                       + "."})
    off_framework_note = fields.String(load_default=None, allow_none=True,
                                       validate=validate.Length(max=5000))


class ReviewSchema(Schema):
    id = fields.String(dump_only=True)
    placement_id = _id("placement_id")
    due_on = fields.Date(dump_only=True)
    held_on = fields.Date(dump_only=True, allow_none=True)
    notes = fields.String(dump_only=True, allow_none=True)
    reminded_at = fields.DateTime(dump_only=True, allow_none=True)


class ReviewDateInputSchema(Schema):
    due_on = fields.Date(load_default=None, validate=_sensible_date,
                         metadata={"description": "Required: the next review's date."})


class ReviewHeldInputSchema(Schema):
    held_on = fields.Date(load_default=None, validate=_sensible_date,
                          metadata={"description": "Required: not in the future."})
    notes = fields.String(load_default=None, validate=validate.Length(max=10000),
                          metadata={"description": "Required."})
