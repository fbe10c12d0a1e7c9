"""A placement's fees over time in the API (issue 12, API): its fee changes, its uplift rule,
and the index series the host keeps. Shapes and types only; every rule is in ``fees``.

Money is a decimal string in pounds ("1250.00"); percentages are decimal strings ("2.5");
dates are ISO 8601; months are "YYYY-MM"."""
from flask_login import current_user
from marshmallow import Schema, ValidationError, fields

from ..api import api_blueprint, errors
from ..api.fields import Pounds
from . import fees

blp = api_blueprint("api_placement_fees", __name__,
                    description="A placement's fees over time: effective-dated fee changes, its "
                                "uplift rule, and the index series (e.g. CPI) uplifts follow.")

PERCENT_PATTERN = r"^-?\d{1,3}(\.\d{1,2})?$"


class Percent(fields.Field):
    """A percentage as a decimal string ("2.5"), held as integer basis points (250) inside."""

    def __init__(self, **kwargs):
        metadata = {"type": "string", "pattern": PERCENT_PATTERN, "example": "2.5",
                    **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return fees.format_percent(value)

    def _deserialize(self, value, attr, data, **kwargs):
        message = 'Give a percentage as a string with up to two decimal places, like "2.5"'
        if not isinstance(value, str):
            raise ValidationError(message)
        try:
            return fees.parse_percent(value)
        except ValueError:
            raise ValidationError(message) from None


# ---------------------------------------------------------------- schemas

class FeeChangeSchema(Schema):
    id = fields.String(dump_only=True)
    placement_id = fields.String(dump_only=True)
    effective_from = fields.Date(dump_only=True)
    core_weekly_pence = Pounds(data_key="core_weekly_fee", dump_only=True)
    support_weekly_pence = Pounds(data_key="support_weekly_fee", dump_only=True)
    therapies_weekly_pence = Pounds(data_key="therapies_weekly_fee", dump_only=True)
    other_weekly_pence = Pounds(data_key="other_weekly_fee", dump_only=True)
    weekly_total_pence = Pounds(data_key="weekly_total", dump_only=True)
    reason = fields.String(dump_only=True, metadata={"enum": [
        "uplift", "negotiated", "change_of_need", "correction"]})
    note = fields.String(dump_only=True, allow_none=True)
    agreed_by = fields.String(dump_only=True, allow_none=True)
    uplift_due_on = fields.Date(dump_only=True, allow_none=True)
    uplift_percent_bp = Percent(data_key="uplift_percent", dump_only=True, allow_none=True)
    review_triggered = fields.Boolean(dump_only=True)
    proposal_id = fields.Function(lambda c: None if c.proposal_id is None else str(c.proposal_id),
                                  dump_only=True, allow_none=True, metadata={"type": "string"})
    recorded_at = fields.DateTime(dump_only=True)


class FeeChangeInputSchema(Schema):
    """A fee change: every field but ``note`` and ``agreed_by`` is needed (the service names any
    that is missing, once it knows the placement is yours)."""

    effective_from = fields.Date(load_default=None)
    core_weekly_pence = Pounds(data_key="core_weekly_fee", load_default=None)
    support_weekly_pence = Pounds(data_key="support_weekly_fee", load_default=None)
    therapies_weekly_pence = Pounds(data_key="therapies_weekly_fee", load_default=None)
    other_weekly_pence = Pounds(data_key="other_weekly_fee", load_default=None)
    reason = fields.String(load_default=None, metadata={
        "description": "uplift, negotiated, change_of_need or correction"})
    note = fields.String(load_default=None, allow_none=True)
    agreed_by = fields.String(load_default=None, allow_none=True)


class UpliftRuleSchema(Schema):
    """An uplift rule, in and out: ``kind`` none, fixed_april or fixed_anniversary (with
    ``percent``) or index_linked (with ``index``, ``reference_month`` and optionally ``cap``,
    ``floor`` and ``review_above``); ``notice_months`` a proposal needs (default 2)."""

    kind = fields.String(load_default=None, metadata={
        "description": "none, fixed_april, fixed_anniversary or index_linked"})
    percent_bp = Percent(data_key="percent", load_default=None, allow_none=True)
    index_code = fields.String(data_key="index", load_default=None, allow_none=True)
    reference_month = fields.Integer(load_default=None, allow_none=True)
    cap_bp = Percent(data_key="cap", load_default=None, allow_none=True)
    floor_bp = Percent(data_key="floor", load_default=None, allow_none=True)
    review_above_bp = Percent(data_key="review_above", load_default=None, allow_none=True)
    notice_months = fields.Integer(load_default=None, allow_none=True)


def _rule_out(holder):
    rule = fees.rule_of(holder)
    return {"kind": rule.kind, "percent_bp": rule.percent_bp, "index_code": rule.index_code,
            "reference_month": rule.reference_month, "cap_bp": rule.cap_bp,
            "floor_bp": rule.floor_bp, "review_above_bp": rule.review_above_bp,
            "notice_months": rule.notice_months, "description": fees.describe_rule(rule)}


class UpliftRuleOutSchema(UpliftRuleSchema):
    placement_id = fields.String(dump_only=True)
    description = fields.String(dump_only=True)


class IndexValueSchema(Schema):
    month = fields.String(required=True, metadata={"pattern": r"^\d{4}-\d{2}$",
                                                   "example": "2026-09"})
    value = fields.String(required=True, metadata={"pattern": PERCENT_PATTERN, "example": "3.8"})


class IndexSeriesSchema(Schema):
    code = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    source = fields.String(dump_only=True, allow_none=True)
    values = fields.Function(
        lambda series: [{"month": f"{v.year}-{v.month:02d}", "value": fees.format_percent(
            v.value_bp)} for v in sorted(series.values, key=lambda v: (v.year, v.month))],
        dump_only=True, metadata={"type": "array", "items": {
            "type": "object", "properties": {"month": {"type": "string"},
                                             "value": {"type": "string"}}}})


class IndexSeriesInputSchema(Schema):
    code = fields.String(load_default=None, metadata={"example": "CPI"})
    name = fields.String(load_default=None)
    source = fields.String(load_default=None, allow_none=True)


# ---------------------------------------------------------------- fee changes

@blp.get("/placements/<id:placement_id>/fee-changes")
@blp.response(200, FeeChangeSchema(many=True))
def fee_changes(placement_id):
    """The placement's fee changes in the order they apply (its authority and its provider)."""
    return fees.list_fee_changes(current_user, placement_id)


@blp.post("/placements/<id:placement_id>/fee-changes")
@blp.arguments(FeeChangeInputSchema)
@blp.response(201, FeeChangeSchema)
@errors(omit=(409,))
def record_fee_change(data, placement_id):
    """Record an effective-dated change to the four fee components, with its reason
    (``uplift``, ``negotiated``, ``change_of_need``, ``correction``) and who agreed it (the
    authority's officers and managers). A date before the start, after the last day, or on or
    before the last invoiced day without ``correction`` is refused, naming the field."""
    return fees.record_fee_change(current_user, placement_id, **data)


# ---------------------------------------------------------------- uplift rule

@blp.get("/placements/<id:placement_id>/uplift-rule")
@blp.response(200, UpliftRuleOutSchema)
def uplift_rule(placement_id):
    """The placement's uplift rule (its authority and its provider)."""
    placement = fees.get_placement(current_user, placement_id)
    return {**_rule_out(placement), "placement_id": str(placement.id)}


@blp.put("/placements/<id:placement_id>/uplift-rule")
@blp.arguments(UpliftRuleSchema)
@blp.response(200, UpliftRuleOutSchema)
@errors(omit=(409,))
def set_uplift_rule(data, placement_id):
    """Set the placement's uplift rule (the authority's officers and managers). A percentage,
    cap, floor or threshold outside −20%..+50%, an unknown index, a cap below the floor or a
    field the kind needs left out is refused, naming the field."""
    placement = fees.set_uplift_rule(current_user, placement_id, **data)
    return {**_rule_out(placement), "placement_id": str(placement.id)}


# ---------------------------------------------------------------- index series

@blp.get("/index-series")
@blp.response(200, IndexSeriesSchema(many=True))
def index_series_list():
    """Every index series the host keeps, with its monthly values (everyone reads them)."""
    return fees.list_index_series(current_user)


@blp.post("/index-series")
@blp.arguments(IndexSeriesInputSchema)
@blp.response(201, IndexSeriesSchema)
@errors(omit=(409,))
def create_index_series(data):
    """Start keeping an index series, e.g. ``{"code": "CPI", "name": "..."}`` (the host's
    administrators)."""
    return fees.create_index_series(current_user, **data)


@blp.get("/index-series/<index_code>")
@blp.response(200, IndexSeriesSchema)
@errors(404)
def index_series(index_code):
    """One index series with its monthly values."""
    return fees.get_index_series(current_user, index_code)


@blp.put("/index-series/<index_code>/values")
@blp.arguments(IndexValueSchema(many=True))
@blp.response(200, IndexSeriesSchema)
@errors(404, omit=(409,))
def set_index_values(data, index_code):
    """Enter or correct monthly values, ``[{"month": "2026-09", "value": "3.8"}]`` (the host's
    administrators); a month already entered takes the new value."""
    return fees.set_index_values(current_user, index_code, data)


# ---------------------------------------------------------------- uplift proposals

class UpliftDecisionSchema(Schema):
    decision = fields.String(dump_only=True, metadata={"enum": [
        "accepted", "refused", "countered"]})
    reason = fields.String(dump_only=True)
    counter_percent_bp = Percent(data_key="counter_percent", dump_only=True, allow_none=True)
    fee_change_id = fields.Function(
        lambda d: None if d.fee_change_id is None else str(d.fee_change_id), dump_only=True,
        allow_none=True, metadata={"type": "string"})
    decided_at = fields.DateTime(dump_only=True)


class UpliftProposalSchema(Schema):
    id = fields.String(dump_only=True)
    placement_id = fields.String(dump_only=True)
    percent_bp = Percent(data_key="percent", dump_only=True, allow_none=True)
    core_weekly_pence = Pounds(data_key="core_weekly_fee", dump_only=True, allow_none=True)
    support_weekly_pence = Pounds(data_key="support_weekly_fee", dump_only=True, allow_none=True)
    therapies_weekly_pence = Pounds(data_key="therapies_weekly_fee", dump_only=True,
                                    allow_none=True)
    other_weekly_pence = Pounds(data_key="other_weekly_fee", dump_only=True, allow_none=True)
    effective_from = fields.Date(dump_only=True)
    reason = fields.String(dump_only=True)
    late = fields.Boolean(dump_only=True)
    status = fields.String(dump_only=True, metadata={"enum": [
        "pending", "accepted", "refused", "countered"]})
    received_at = fields.DateTime(dump_only=True)
    decision = fields.Nested(UpliftDecisionSchema, dump_only=True, allow_none=True)


class UpliftProposalInputSchema(Schema):
    """A proposal: ``percent`` or the four new weekly fees, ``effective_from`` and ``reason``
    (the service names whatever is missing, once it knows the placement is yours)."""

    effective_from = fields.Date(load_default=None)
    reason = fields.String(load_default=None)
    percent_bp = Percent(data_key="percent", load_default=None, allow_none=True)
    core_weekly_pence = Pounds(data_key="core_weekly_fee", load_default=None, allow_none=True)
    support_weekly_pence = Pounds(data_key="support_weekly_fee", load_default=None,
                                  allow_none=True)
    therapies_weekly_pence = Pounds(data_key="therapies_weekly_fee", load_default=None,
                                    allow_none=True)
    other_weekly_pence = Pounds(data_key="other_weekly_fee", load_default=None, allow_none=True)


class UpliftDecisionInputSchema(Schema):
    decision = fields.String(load_default=None, metadata={
        "description": "accept, refuse or counter"})
    reason = fields.String(load_default=None, allow_none=True)
    counter_percent_bp = Percent(data_key="counter_percent", load_default=None, allow_none=True)


@blp.get("/placements/<id:placement_id>/uplift-proposals")
@blp.response(200, UpliftProposalSchema(many=True))
def uplift_proposals(placement_id):
    """The placement's uplift proposals, newest first, each with its decision (its authority and
    its provider)."""
    return fees.proposals_of(current_user, placement_id)[1]


@blp.post("/placements/<id:placement_id>/uplift-proposals")
@blp.arguments(UpliftProposalInputSchema)
@blp.response(201, UpliftProposalSchema)
@errors(omit=(409,))
def propose_uplift(data, placement_id):
    """Propose an uplift: a ``percent`` or new weekly fees, from ``effective_from``, with a
    ``reason`` (the placement's provider). ``late`` says it arrived after the notice the
    placement's rule asks for (by default, by 31 January for 1 April)."""
    proposal = fees.propose_uplift(current_user, placement_id, **data)
    proposal.decision = None
    return proposal


@blp.post("/uplift-proposals/<id:proposal_id>/decision")
@blp.arguments(UpliftDecisionInputSchema)
@blp.response(200, UpliftProposalSchema)
def decide_proposal(data, proposal_id):
    """Accept, refuse or counter a proposal (the authority's officers and managers); refusing
    or countering needs a ``reason``, countering a ``counter_percent``. Accepted or countered,
    it becomes a fee change. 409 once decided."""
    return fees.decide_proposal(current_user, proposal_id, **data)
