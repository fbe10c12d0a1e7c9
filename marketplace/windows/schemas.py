from marshmallow import Schema, fields, validate

from ..purchasing.schemas import LotSchema
from .models import QuestionCategory, QuestionKind, WindowStatus
from .services import format_pounds


def _choice(kind):
    return validate.OneOf([member.value for member in kind])


class QuestionSchema(Schema):
    id = fields.String(dump_only=True)
    number = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True)
    category = fields.String(dump_only=True, allow_none=True)
    text = fields.String(dump_only=True)
    guidance = fields.String(dump_only=True)
    weight = fields.Integer(dump_only=True, allow_none=True)


class QuestionnaireSchema(Schema):
    pass_mark = fields.Integer(dump_only=True)
    total_weight = fields.Integer(dump_only=True)
    questions = fields.List(fields.Nested(QuestionSchema), dump_only=True)


class QuestionInputSchema(Schema):
    kind = fields.String(required=True, validate=_choice(QuestionKind))
    text = fields.String(required=True, validate=validate.Length(min=1, max=10_000))
    guidance = fields.String(load_default="", validate=validate.Length(max=10_000))
    category = fields.String(allow_none=True, validate=_choice(QuestionCategory),
                             metadata={"description": "Pass or fail questions only."})
    weight = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=100),
                            metadata={"description": "Scored questions only; the weights of "
                                                     "all scored questions add up to 100."})


class QuestionChangeSchema(QuestionInputSchema):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class PassMarkSchema(Schema):
    pass_mark = fields.Integer(required=True, validate=validate.Range(min=0, max=100))


class WindowSchema(Schema):
    id = fields.String(dump_only=True)
    system_id = fields.String(dump_only=True)
    title = fields.String(dump_only=True)
    status = fields.Function(lambda window: window.status.value, dump_only=True,
                             metadata={"enum": [s.value for s in WindowStatus]})
    opens_at = fields.DateTime(dump_only=True)
    closes_at = fields.DateTime(dump_only=True, allow_none=True,
                                metadata={"description": "None: always open."})
    pass_mark = fields.Integer(dump_only=True)
    lots = fields.List(fields.Nested(LotSchema), dump_only=True)
    questions = fields.List(fields.Nested(QuestionSchema), dump_only=True)
    evaluation_started_at = fields.DateTime(dump_only=True, allow_none=True)
    decisions_issued_at = fields.DateTime(dump_only=True, allow_none=True)
    standstill_ends_at = fields.DateTime(dump_only=True, allow_none=True)


class WindowQuerySchema(Schema):
    status = fields.String(validate=_choice(WindowStatus))


class WindowInputSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    lot_ids = fields.List(fields.String(validate=validate.Regexp(r"^[0-9]{1,18}$")),
                          required=True, validate=validate.Length(min=1))
    opens_at = fields.AwareDateTime(required=True)
    closes_at = fields.AwareDateTime(allow_none=True, load_default=None,
                                     metadata={"description": "Leave out for an always-open "
                                                              "regime (QPL, dynamic market)."})


class WindowChangeSchema(WindowInputSchema):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)

    closes_at = fields.AwareDateTime(allow_none=True)
    confirm_short_notice = fields.Boolean(metadata={
        "description": "Needed to bring an open window's close forward to less than 3 days "
                       "away; without it the change is refused naming this field."})


class ProviderRefSchema(Schema):
    id = fields.String(dump_only=True)
    name = fields.String(dump_only=True)


class ApplicationLotSchema(Schema):
    lot_id = fields.String(dump_only=True)
    lot_code = fields.Function(lambda chosen: chosen.lot.code, dump_only=True)
    fees = fields.Function(
        lambda chosen: {t: format_pounds(p) for t, p in (chosen.fees or {}).items()},
        dump_only=True, metadata={"description": "Indicative fee per placement type, pounds."})


class AnswerSchema(Schema):
    answer = fields.String(load_default="", validate=validate.Length(max=10_000),
                           metadata={"description": "yes or no for pass or fail questions."})
    evidence = fields.String(load_default="", validate=validate.Length(max=10_000))


class ApplicationSchema(Schema):
    id = fields.String(dump_only=True)
    window_id = fields.String(dump_only=True)
    provider = fields.Nested(ProviderRefSchema, dump_only=True)
    status = fields.Function(lambda application: application.status.value, dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    submitted_at = fields.DateTime(dump_only=True, allow_none=True)
    lots = fields.List(fields.Nested(ApplicationLotSchema), dump_only=True)
    answers = fields.Dict(keys=fields.String(), values=fields.Nested(AnswerSchema),
                          dump_only=True, metadata={"description": "By question id."})


class ApplicationLotInputSchema(Schema):
    lot_id = fields.String(required=True, validate=validate.Regexp(r"^[0-9]{1,18}$"))
    fees = fields.Dict(keys=fields.String(validate=validate.Length(max=30)),
                       values=fields.String(validate=validate.Length(max=20)), load_default={},
                       metadata={"description": 'Pounds per placement type: {"day": "1250.00"}'})


class ApplicationInputSchema(Schema):
    """Any of: the lots applied for with their fees (replacing the current ones), and answers
    by question id (merged into the current ones)."""

    lots = fields.List(fields.Nested(ApplicationLotInputSchema))
    answers = fields.Dict(keys=fields.String(validate=validate.Regexp(r"^[0-9]{1,18}$")),
                          values=fields.Nested(AnswerSchema))

    @staticmethod
    def service_changes(data):
        changes = {}
        if "lots" in data:
            changes["lot_ids"] = [chosen["lot_id"] for chosen in data["lots"]]
            changes["fees"] = {chosen["lot_id"]: chosen["fees"] for chosen in data["lots"]}
        if "answers" in data:
            changes["answers"] = data["answers"]
        return changes
