from marshmallow import Schema, fields, validate

import tenants

from .. import ID_MAX
from ..formatting import london_date

# Ids the database can hold (PostgreSQL's integer); larger ones are refused by name, not a 500.
ID = validate.Range(min=1, max=ID_MAX)


class RefSchema(Schema):
    id = fields.String(dump_only=True)
    name = fields.String(dump_only=True)


class LotRefSchema(Schema):
    id = fields.String(dump_only=True)
    code = fields.String(dump_only=True)
    title = fields.String(dump_only=True)


class AssignmentSchema(Schema):
    id = fields.String(dump_only=True)
    application_id = fields.String(dump_only=True)
    evaluator = fields.Function(lambda a: {"id": str(a.evaluator.id),
                                           "name": a.evaluator.full_name}, dump_only=True)
    assigned_at = fields.DateTime(dump_only=True)
    conflict = fields.String(dump_only=True, allow_none=True)
    declared_at = fields.DateTime(dump_only=True, allow_none=True)
    submitted_at = fields.DateTime(dump_only=True, allow_none=True)
    status = fields.String(attribute="status_label", dump_only=True)


class AssignEvaluatorSchema(Schema):
    evaluator_id = fields.Integer(load_default=None, allow_none=True, validate=ID)


class ConflictSchema(Schema):
    conflict = fields.Boolean(load_default=None, allow_none=True, metadata={
        "description": "true if you have a conflict of interest with the provider"})
    note = fields.String(load_default=None, allow_none=True,
                         validate=validate.Length(max=5000))


class ScoreInSchema(Schema):
    question_id = fields.Integer(required=True, validate=ID)
    passed = fields.Boolean(load_default=None, allow_none=True,
                            metadata={"description": "pass/fail questions"})
    mark = fields.Integer(load_default=None, allow_none=True,
                          metadata={"description": "scored questions: 0 to 5"})
    comment = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=5000))


class ScoresInSchema(Schema):
    scores = fields.List(fields.Nested(ScoreInSchema), load_default=list)
    submit = fields.Boolean(load_default=False,
                            metadata={"description": "submit (freeze) rather than save a draft"})


class ScoreSchema(Schema):
    question_id = fields.String(dump_only=True)
    passed = fields.Boolean(dump_only=True, allow_none=True)
    mark = fields.Integer(dump_only=True, allow_none=True)
    comment = fields.String(dump_only=True, allow_none=True)


class EvaluatorScoresSchema(Schema):
    evaluator = fields.Nested(RefSchema, dump_only=True)
    submitted_at = fields.DateTime(dump_only=True, allow_none=True)
    scores = fields.List(fields.Nested(ScoreSchema), dump_only=True)


class ScoringSchema(Schema):
    """Your own scores; ``others`` is empty until you and every evaluator have submitted."""

    application_id = fields.String(dump_only=True)
    submitted_at = fields.DateTime(dump_only=True, allow_none=True)
    scores = fields.List(fields.Nested(ScoreSchema), dump_only=True)
    others_visible = fields.Boolean(dump_only=True)
    others = fields.List(fields.Nested(EvaluatorScoresSchema), dump_only=True)


class AgreedInSchema(Schema):
    question_id = fields.Integer(required=True, validate=ID)
    passed = fields.Boolean(load_default=None, allow_none=True)
    mark = fields.Integer(load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))


class ModerationInSchema(Schema):
    agreed = fields.List(fields.Nested(AgreedInSchema), load_default=list)
    lot_ids = fields.List(fields.Integer(validate=ID), load_default=list)
    reasons = fields.String(load_default="", validate=validate.Length(max=5000))


class ModerationSchema(Schema):
    application_id = fields.String(dump_only=True)
    pass_mark = fields.Integer(dump_only=True)
    evaluators = fields.List(fields.Nested(EvaluatorScoresSchema), dump_only=True)
    agreed = fields.Dict(dump_only=True, allow_none=True)
    weighted_score = fields.Float(dump_only=True, allow_none=True)
    decision = fields.Dict(dump_only=True, allow_none=True)


class DecisionScoreSchema(Schema):
    number = fields.Integer(dump_only=True)
    text = fields.String(dump_only=True)
    kind = fields.String(dump_only=True)
    weight = fields.Integer(dump_only=True, allow_none=True)
    passed = fields.Boolean(dump_only=True, allow_none=True)
    mark = fields.Integer(dump_only=True, allow_none=True)
    normalised = fields.Integer(dump_only=True, allow_none=True)
    note = fields.String(dump_only=True, allow_none=True)


class DecisionSchema(Schema):
    id = fields.String(dump_only=True)
    application_id = fields.String(dump_only=True)
    window_id = fields.String(dump_only=True)
    provider = fields.Nested(RefSchema, dump_only=True)
    outcome = fields.String(dump_only=True)
    lot_ids = fields.Function(lambda d: [str(i) for i in d.lot_ids], dump_only=True)
    reasons = fields.String(dump_only=True)
    scores = fields.List(fields.Nested(DecisionScoreSchema), dump_only=True)
    weighted_score = fields.Float(dump_only=True)
    pass_mark = fields.Integer(dump_only=True)
    all_passed = fields.Boolean(dump_only=True)
    decided_at = fields.DateTime(dump_only=True)
    notified_at = fields.DateTime(dump_only=True, allow_none=True)
    standstill_rule = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "The rule the decision was issued under: none | calendar_days_10 "
                       "(PCR 2015 reg 87) | working_days_8 (Procurement Act 2023 s.51)"})
    standstill_ends_at = fields.DateTime(dump_only=True, allow_none=True, metadata={
        "description": "The first instant after standstill: 00:00 UK time on the day after "
                       "standstill_last_day (equal to notified_at when none applies)"})
    standstill_last_day = fields.Date(attribute="standstill.last_day", dump_only=True,
                                      allow_none=True, metadata={
        "description": "The last UK day of standstill, which runs to midnight at its end; "
                       "null when no standstill applies or the decision is not issued"})


class AdmissionSchema(Schema):
    id = fields.String(dump_only=True)
    provider = fields.Nested(RefSchema, dump_only=True)
    lot = fields.Nested(LotRefSchema, dump_only=True)
    decision_id = fields.String(dump_only=True, allow_none=True)
    effective_at = fields.DateTime(dump_only=True, metadata={
        "description": "When the admission takes effect: the end of its decision's "
                       "standstill (00:00 UK time on the day after its last day)"})
    effective_on = fields.Function(lambda a: london_date(a.effective_at).isoformat(),
                                   dump_only=True, metadata={
        "type": "string", "format": "date",
        "description": "The UK day effective_at falls on (after a standstill, the admission "
                       "is effective from the start of that day)"})
    status = fields.Method("get_status", dump_only=True, metadata={
        "description": "pending (standstill not ended) | active | suspended | removed"})
    status_reason = fields.String(dump_only=True, allow_none=True)
    status_changed_at = fields.DateTime(dump_only=True, allow_none=True)

    def get_status(self, admission):
        return admission.state(tenants.utcnow())


class AdmissionQuerySchema(Schema):
    lot_id = fields.Integer(load_default=None, validate=ID)
    provider_id = fields.Integer(load_default=None, validate=ID)
    status = fields.String(load_default=None, validate=validate.OneOf(
        ["pending", "active", "suspended", "removed"]))


class ReasonSchema(Schema):
    # Required, but the service says so once it has found the admission: another organisation
    # must be told the admission does not exist, whatever the body holds.
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000),
                           metadata={"description": "Required."})


class WindowIssueSchema(Schema):
    issued = fields.Integer(dump_only=True)
    decisions = fields.List(fields.Nested(DecisionSchema), dump_only=True)
