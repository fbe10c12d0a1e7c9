"""A contract's re-procurement plan in the API (issue 13 §5, API): worked out from the query
(nothing saved) with GET, saved with PUT. Shapes and types only; every rule is in ``pipeline``
and its pure ``planner``. For the authority's placement officers and managers; anyone else,
the contract's supplier included, is told the contract does not exist (404)."""
from flask_login import current_user
from marshmallow import Schema, fields

from ..api import api_blueprint
from . import pipeline, planner

blp = api_blueprint("api_contract_pipeline", __name__,
                    description="Re-procurement plans: the steps and minimum periods of a "
                                "Procurement Act 2023 procedure worked back from the date a "
                                "contract's successor must start.")

STEP_KEYS = sorted({step.key for regime in planner.REGIMES.values() for step in regime.steps})
_REGIMES = ", ".join(planner.REGIMES)


def _step_fields():
    return {f"step_{key}": fields.Integer(data_key=f"step.{key}",
                                          metadata={"description": f"The {key} step's length "
                                                    "(its unit's days), in place of its "
                                                    "default or saved length."})
            for key in STEP_KEYS}


_CONDITION_FIELDS = {
    name: fields.Boolean(metadata={
        "description": f"{label} (default {'true' if default else 'false'}). Decides the "
                       "minimum tender period (Procurement Act 2023 s.54)."})
    for name, (default, label) in planner.CONDITIONS.items()}

PlanQuerySchema = Schema.from_dict({
    "regime": fields.String(metadata={
        "enum": list(planner.REGIMES), "description": "The procurement route (default: the "
        "saved plan's, else pa2023_open)."}),
    "start_by": fields.Date(metadata={
        "description": "The date the new contract must start, today or later (default: the "
                       "saved plan's, else the day after the current contract ends)."}),
    "tupe": fields.Boolean(metadata={
        "description": "Whether staff transfer (TUPE): adds the employee liability "
                       "information step, at least 28 days before the transfer."}),
    **_CONDITION_FIELDS,
    **_step_fields(),
}, name="PlanQuerySchema")


class PlanInputSchema(Schema):
    """A plan to save: ``regime`` and ``start_by`` are needed; ``steps`` gives the lengths
    that differ from the defaults ({step key: days}); ``conditions`` how the procurement is
    run."""

    regime = fields.String(metadata={"enum": list(planner.REGIMES)})
    start_by = fields.Date()
    tupe = fields.Boolean(load_default=False)
    steps = fields.Dict(keys=fields.String(), values=fields.Integer(), load_default=dict,
                        metadata={"example": {"tender_period": 30, "mobilisation": 90}})
    conditions = fields.Dict(keys=fields.String(), values=fields.Boolean(), load_default=dict,
                             metadata={"example": {"electronic": True,
                                                   "planned_procurement_notice": False}})


class PlanStepSchema(Schema):
    key = fields.String(dump_only=True, metadata={"enum": STEP_KEYS})
    name = fields.String(dump_only=True)
    days = fields.Integer(dump_only=True)
    unit = fields.String(dump_only=True, metadata={"enum": [planner.CALENDAR, planner.WORKING],
                                                   "description": "calendar days, or UK-wide "
                                                   "working days (no weekends or bank holidays "
                                                   "in any part of the UK)"})
    minimum = fields.Integer(dump_only=True, allow_none=True, metadata={
        "description": "The statutory minimum under the plan's conditions (null for none)."})
    latest_start = fields.Date(dump_only=True)
    end = fields.Date(dump_only=True)
    source = fields.String(dump_only=True)
    alongside = fields.Boolean(dump_only=True, metadata={
        "description": "True for a step that runs alongside the end of the plan (TUPE "
                       "information) rather than after the one before it."})


class PlanSchema(Schema):
    """The plan worked back from ``start_by``. ``fits`` is false when a step would have to
    start before today; ``gap_days`` counts the days between the day after the current
    contract's end and ``start_by`` with no contract (0 for none)."""

    contract_id = fields.Function(lambda p: str(p.contract.id), dump_only=True,
                                  metadata={"type": "string"})
    regime = fields.String(attribute="plan.regime.key", dump_only=True,
                           metadata={"enum": list(planner.REGIMES)})
    start_by = fields.Date(attribute="plan.start_by", dump_only=True)
    tupe = fields.Boolean(attribute="plan.tupe", dump_only=True)
    conditions = fields.Dict(keys=fields.String(), values=fields.Boolean(),
                             attribute="plan.conditions", dump_only=True)
    fits = fields.Boolean(attribute="plan.fits", dump_only=True)
    gap_days = fields.Integer(attribute="plan.gap_days", dump_only=True)
    current_end = fields.Date(attribute="contract.end_date", dump_only=True)
    saved = fields.Function(lambda p: p.saved is not None, dump_only=True, metadata={
        "type": "boolean", "description": "Whether the contract has a saved plan."})
    steps = fields.List(fields.Nested(PlanStepSchema), attribute="plan.steps", dump_only=True)


def _lengths(query):
    return {key: query[f"step_{key}"] for key in STEP_KEYS
            if query.get(f"step_{key}") is not None}


@blp.get("/contracts/<id:contract_id>/procurement-plan")
@blp.arguments(PlanQuerySchema, location="query")
@blp.response(200, PlanSchema)
def procurement_plan(query, contract_id):
    """The contract's re-procurement plan, worked out and not saved: the regime's steps in
    order (Procurement Act 2023: the s.54 minimum tender period, the s.51 standstill of 8
    working days), each with its latest start and end, back from ``start_by``. Unset
    arguments take the saved plan's choices, else the defaults. Per-step lengths are given as
    ``step.<key>=<days>`` (e.g. ``step.tender_period=30``); a step shorter than its
    statutory minimum, a length below 1, a step the regime does not have, an unknown regime or
    a ``start_by`` already passed is a 422 naming the field."""
    conditions = {name: query[name] for name in planner.CONDITIONS
                  if query.get(name) is not None}
    return pipeline.plan_for(current_user, contract_id, regime=query.get("regime"),
                             start_by=query.get("start_by"), tupe=query.get("tupe"),
                             lengths=_lengths(query), conditions=conditions)


@blp.put("/contracts/<id:contract_id>/procurement-plan")
@blp.arguments(PlanInputSchema)
@blp.response(200, PlanSchema)
def save_procurement_plan(data, contract_id):
    """Save the contract's re-procurement plan (one per contract, replaced in place): for the
    authority's placement officers and managers. The same checks as reading it; nothing is
    saved when one fails (422 naming the field: ``regime``, ``start_by``, ``step.<key>``,
    ``conditions.<name>``)."""
    return pipeline.save_plan(current_user, contract_id, regime=data.get("regime"),
                              start_by=data.get("start_by"), tupe=data.get("tupe", False),
                              lengths=data.get("steps") or {},
                              conditions=data.get("conditions") or {})


__all__ = ["blp", "PlanStepSchema", "PlanSchema"]
