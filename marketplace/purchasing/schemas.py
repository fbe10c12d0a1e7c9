from marshmallow import Schema, fields, validate

from ..needs import need_codes
from .models import PlacementType, Regime, StandstillRule


def _choice(kind):
    return validate.OneOf([member.value for member in kind])


class LotSchema(Schema):
    id = fields.String(dump_only=True)
    code = fields.String(dump_only=True)
    title = fields.String(dump_only=True)
    placement_types = fields.List(fields.String(), dump_only=True)
    need_codes = fields.List(fields.String(), dump_only=True)


class SystemSchema(Schema):
    id = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    reference = fields.String(dump_only=True)
    regime = fields.String(dump_only=True)
    term_start = fields.Date(dump_only=True)
    term_end = fields.Date(dump_only=True)
    admission_standstill = fields.String(dump_only=True)
    call_off_standstill = fields.String(dump_only=True)
    chargeable_school_days = fields.Integer(dump_only=True)
    call_off_min_response_days = fields.Integer(dump_only=True, metadata={
        "description": "UK working days a call-off gives providers to respond, at least, "
                       "unless it is urgent."})
    call_off_questions_close_days = fields.Integer(dump_only=True, metadata={
        "description": "Working days before a call-off's deadline that questions close."})
    lots = fields.List(fields.Nested(LotSchema), dump_only=True)


class SystemInputSchema(Schema):
    """Setting up (every field but the standstill rules and school days required) or changing
    (any fields) the system."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    reference = fields.String(required=True, validate=validate.Length(min=1, max=50))
    regime = fields.String(required=True, validate=_choice(Regime))
    term_start = fields.Date(required=True)
    term_end = fields.Date(required=True)
    admission_standstill = fields.String(validate=_choice(StandstillRule))
    call_off_standstill = fields.String(validate=_choice(StandstillRule))
    chargeable_school_days = fields.Integer(validate=validate.Range(min=150, max=200))
    call_off_min_response_days = fields.Integer(validate=validate.Range(min=1, max=30))
    call_off_questions_close_days = fields.Integer(validate=validate.Range(min=0, max=10))


class LotInputSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=20))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    placement_types = fields.List(fields.String(validate=_choice(PlacementType)), required=True,
                                  validate=validate.Length(min=1))
    need_codes = fields.List(fields.String(validate=validate.OneOf(list(need_codes()))),
                             required=True, validate=validate.Length(min=1))


class SystemChangeSchema(SystemInputSchema):
    """Changing the system: any of its fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class LotChangeSchema(LotInputSchema):
    """Changing a lot: any of its fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)
