"""Contracts at the API boundary (issue 13, API): shapes and types only; every rule is the
services'. Money is a decimal string in pounds ("916502.00"), percentages decimal strings
("2.5"), dates ISO 8601, ids strings."""
from marshmallow import Schema, fields, validate

from .. import ID_MAX
from ..api.fields import Pounds
from ..evaluation.schemas import RefSchema
from ..placements.fee_api import UpliftRuleSchema
from ..placements.schemas import uplift_rule_json
from .models import ContractService, ContractStatus, UpliftConvention
from .services import MAX_ANNUAL_VALUE_PENCE, options_of, today


def _id_or_none(value):
    return None if value is None else str(value)


class UserRefSchema(Schema):
    id = fields.String(dump_only=True)
    name = fields.String(attribute="full_name", dump_only=True)


class ExtensionOptionSchema(Schema):
    """One extension option, numbered from 1, with its decision (who, when, why) and the date it
    is to be decided by (null once it has lapsed, after an earlier option was declined)."""

    number = fields.Integer(dump_only=True)
    months = fields.Integer(dump_only=True)
    decision = fields.String(dump_only=True, allow_none=True,
                             metadata={"enum": ["taken", "declined", None]})
    decided_at = fields.DateTime(dump_only=True, allow_none=True)
    decided_by = fields.Nested(UserRefSchema, dump_only=True, allow_none=True)
    reason = fields.String(dump_only=True, allow_none=True)
    decided_late = fields.Boolean(dump_only=True)
    decision_due = fields.Date(dump_only=True, allow_none=True)
    lapsed = fields.Boolean(dump_only=True)


def _options(contract):
    rows = [{"number": row.extension.number, "months": row.extension.months,
             "decision": row.extension.decision.value if row.extension.decision else None,
             "decided_at": row.extension.decided_at, "decided_by": row.extension.decided_by,
             "reason": row.extension.reason, "decided_late": row.extension.decided_late,
             "decision_due": row.due, "lapsed": row.lapsed} for row in options_of(contract)]
    return ExtensionOptionSchema(many=True).dump(rows)


class ContractSchema(Schema):
    id = fields.String(dump_only=True)
    reference = fields.String(dump_only=True)
    authority = fields.Nested(RefSchema, dump_only=True)
    title = fields.String(dump_only=True)
    service = fields.Function(lambda c: c.service.value, dump_only=True,
                              metadata={"enum": [s.value for s in ContractService]})
    description = fields.String(dump_only=True, allow_none=True)
    supplier = fields.Function(lambda c: c.supplier_label, dump_only=True, metadata={
        "type": "string", "description": "The supplier's name."})
    supplier_provider_id = fields.Function(lambda c: _id_or_none(c.supplier_provider_id),
                                           dump_only=True, allow_none=True, metadata={
                                               "type": "string", "description":
                                               "The provider registered here, if it is one."})
    supplier_name = fields.String(dump_only=True, allow_none=True)
    annual_value_pence = Pounds(data_key="annual_value", dump_only=True)
    start_date = fields.Date(dump_only=True)
    initial_term_months = fields.Integer(dump_only=True)
    initial_end = fields.Date(dump_only=True, metadata={
        "description": "The last day of the initial term."})
    end_date = fields.Date(dump_only=True, metadata={
        "description": "The current end: the initial term and the options taken, or the day "
                       "it was terminated."})
    max_end = fields.Date(dump_only=True, metadata={
        "description": "The last day if every option were taken."})
    next_decision_due = fields.Date(dump_only=True, allow_none=True)
    decision_notice_months = fields.Integer(dump_only=True)
    extension_options = fields.Function(_options, dump_only=True, metadata={
        "type": "array", "items": {"type": "object"}})
    uplift_rule = fields.Function(uplift_rule_json, dump_only=True, metadata={"type": "object"})
    uplift_convention = fields.Function(lambda c: c.uplift_convention.value, dump_only=True,
                                        metadata={"enum": [u.value for u in UpliftConvention]})
    decision_reference = fields.String(dump_only=True, allow_none=True)
    retrospective = fields.Boolean(dump_only=True)
    retrospective_note = fields.String(dump_only=True, allow_none=True)
    status = fields.Function(lambda c: c.status_on(today()).value, dump_only=True, metadata={
        "type": "string", "enum": [s.value for s in ContractStatus],
        "description": "By the clock: draft, active, in_extension, expired or terminated."})
    terminated_on = fields.Date(dump_only=True, allow_none=True)
    termination_reason = fields.String(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class ExtensionOptionInputSchema(Schema):
    months = fields.Integer(required=True, strict=True)


class ContractInputSchema(Schema):
    """A contract as recorded (POST: the service names any required field left out) or changed
    (PATCH: only the fields given change). ``status`` on POST is draft (the default) or active;
    on PATCH, active activates a draft and terminated (with ``terminated_on`` and
    ``termination_reason``) terminates it."""

    title = fields.String(load_default=None)
    service = fields.String(load_default=None, metadata={
        "description": "Required: one of " + ", ".join(s.value for s in ContractService) + "."})
    description = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=5000))
    supplier_provider_id = fields.Integer(load_default=None, allow_none=True, strict=False,
                                          validate=validate.Range(min=1, max=ID_MAX))
    supplier_name = fields.String(load_default=None, allow_none=True)
    annual_value_pence = Pounds(data_key="annual_value", load_default=None,
                                maximum=MAX_ANNUAL_VALUE_PENCE,
                                metadata={"example": "916502.00"})
    start_date = fields.Date(load_default=None)
    initial_term_months = fields.Integer(load_default=None, strict=True)
    extension_options = fields.List(fields.Nested(ExtensionOptionInputSchema),
                                    load_default=list, metadata={"example": [{"months": 12}]})
    uplift_rule = fields.Nested(UpliftRuleSchema, load_default=None, allow_none=True)
    uplift_convention = fields.String(load_default=None, allow_none=True, metadata={
        "description": "from_first_anniversary (the default) or from_year_one."})
    decision_notice_months = fields.Integer(load_default=None, allow_none=True, strict=True)
    decision_reference = fields.String(load_default=None, allow_none=True)
    retrospective = fields.Boolean(load_default=False)
    retrospective_note = fields.String(load_default=None, allow_none=True)
    status = fields.String(load_default=None, validate=validate.OneOf(
        ["draft", "active", "terminated"]))
    terminated_on = fields.Date(load_default=None, allow_none=True)
    termination_reason = fields.String(load_default=None, allow_none=True)



class ContractChangeSchema(ContractInputSchema):
    """A contract's change (PATCH): any of the recording's fields; only those given change.
    Its own name in the OpenAPI document (the recording's, made partial, would share one)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class DecisionInputSchema(Schema):
    decision = fields.String(load_default=None, metadata={"description": "taken or declined"})
    reason = fields.String(load_default=None, allow_none=True)
