"""Placements at the API boundary: shapes and types only; every rule is the services'.

Money is a decimal string in pounds with two places ("1250.00"); dates are ISO 8601; ids are
strings on the way out."""
from marshmallow import Schema, fields

import tenants

from ..api.fields import Pounds
from ..evaluation.schemas import RefSchema
from ..formatting import london_date


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
    provider = fields.Nested(RefSchema, dump_only=True)
    lot_id = _id("lot_id")
    off_framework = fields.Boolean(dump_only=True)
    case_reference = fields.String(dump_only=True)
    birth_year = fields.Integer(dump_only=True)
    gender = fields.String(dump_only=True)
    primary_need = fields.String(dump_only=True)
    secondary_needs = fields.List(fields.String(), dump_only=True)
    postcode_district = fields.String(dump_only=True)
    placement_type = fields.String(dump_only=True)
    start_date = fields.Date(dump_only=True)
    end_date = fields.Date(dump_only=True)
    status = fields.Function(lambda p: p.status_on(london_date(tenants.utcnow())).value,
                             dump_only=True, metadata={"type": "string", "enum": [
                                 "planned", "active", "ended"]})
    core_weekly_pence = Pounds(data_key="core_weekly_fee", dump_only=True)
    support_weekly_pence = Pounds(data_key="support_weekly_fee", dump_only=True)
    therapies_weekly_pence = Pounds(data_key="therapies_weekly_fee", dump_only=True)
    other_weekly_pence = Pounds(data_key="other_weekly_fee", dump_only=True)
    other_description = fields.String(dump_only=True, allow_none=True)
    weekly_total_pence = Pounds(data_key="weekly_total", dump_only=True)
    annual_cost_pence = Pounds(data_key="annual_cost", dump_only=True)
    specification_version_ids = fields.Function(
        lambda p: [str(i) for i in p.specification_version_ids or []], dump_only=True,
        metadata={"type": "array", "items": {"type": "string"}})
    local_schedule_revision = fields.Integer(dump_only=True, allow_none=True)
    local_schedule_title = fields.String(dump_only=True, allow_none=True)
    local_schedule_body = fields.String(dump_only=True, allow_none=True)
    agreed_at = fields.DateTime(dump_only=True)
