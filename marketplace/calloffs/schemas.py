"""Call-offs at the API boundary: shapes and types only; every rule is the services'.

Bodies of routes that name an object do not mark fields required: the service finds the object
first (so another organisation's caller gets 404 whatever it sends), then names each missing
field itself.

Money is a decimal string in pounds with two places ("1250.00"), as everywhere in the API;
times are ISO 8601 with their offset (UTC); ids are
strings on the way out and bounded integers on the way in.
"""
from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate

from .. import ID_MAX
from ..api import ProblemSchema
from ..api.fields import Pounds
from ..evaluation.schemas import LotRefSchema, RefSchema
from ..purchasing.models import PlacementType
from .models import AwardStatus, CallOffStatus, ChildGender, DirectAwardReason, Route
from .services import MAX_LIMIT_PENCE, visible_status

ID = validate.Range(min=1, max=ID_MAX)
TEXT = validate.Length(max=10_000)


def _choice(kind):
    return validate.OneOf([member.value for member in kind])


def _sensible_time(value):
    # Far-off years overflow when converted between zones; no deadline is centuries away.
    if not 2000 <= value.year <= 2200:
        raise ValidationError("Enter a date and time between the years 2000 and 2200.")


def _sensible_date(value):
    if not 2000 <= value.year <= 2200:
        raise ValidationError("Enter a date between the years 2000 and 2200.")


def _id(attribute):
    """An id dumped as an opaque string (None stays None)."""
    return fields.Function(lambda obj: None if getattr(obj, attribute) is None
                           else str(getattr(obj, attribute)), dump_only=True, allow_none=True,
                           metadata={"type": "string"})


def _two_places(value):
    return None if value is None else f"{float(value):.2f}"


# ---------------------------------------------------------------- call-offs

class CallOffSchema(Schema):
    """A call-off as its authority and its invited providers read it. The child is
    pseudonymised: case reference, birth year, gender, need codes and postcode district."""

    id = fields.String(dump_only=True)
    reference = fields.String(dump_only=True)
    authority = fields.Nested(RefSchema, dump_only=True)
    status = fields.Function(lambda c: visible_status(current_user, c).value, dump_only=True,
                             metadata={"type": "string", "enum": [s.value for s in CallOffStatus],
                                       "description": "Follows the clock: an open call-off "
                                                      "past its deadline is closed. To "
                                                      "providers an award is not announced "
                                                      "until accepted: until then it reads "
                                                      "evaluating."})
    status_reason = fields.String(dump_only=True, allow_none=True)
    status_changed_at = fields.DateTime(dump_only=True, allow_none=True)
    route = fields.String(dump_only=True)
    direct_award_reason = fields.String(dump_only=True, allow_none=True)
    direct_award_note = fields.String(dump_only=True, allow_none=True)
    direct_provider = fields.Nested(RefSchema, dump_only=True, allow_none=True)
    case_reference = fields.String(dump_only=True)
    birth_year = fields.Integer(dump_only=True)
    gender = fields.String(dump_only=True)
    primary_need = fields.String(dump_only=True)
    secondary_needs = fields.List(fields.String(), dump_only=True)
    postcode_district = fields.String(dump_only=True)
    ehcp_summary = fields.String(dump_only=True)
    lot = fields.Nested(LotRefSchema, dump_only=True)
    placement_type = fields.String(dump_only=True)
    start_date = fields.Date(dump_only=True)
    length_weeks = fields.Integer(dump_only=True)
    end_date = fields.Date(dump_only=True)
    requirements = fields.String(dump_only=True)
    local_schedule_id = _id("local_schedule_id")
    local_schedule_revision = fields.Integer(dump_only=True, allow_none=True)
    local_schedule_title = fields.String(dump_only=True, allow_none=True)
    local_schedule_body = fields.String(dump_only=True, allow_none=True)
    quality_weight = fields.Integer(dump_only=True)
    price_weight = fields.Integer(dump_only=True)
    response_deadline = fields.DateTime(dump_only=True, allow_none=True)
    questions_close_at = fields.DateTime(dump_only=True, allow_none=True)
    urgent = fields.Boolean(dump_only=True)
    urgent_reason = fields.String(dump_only=True, allow_none=True)
    published_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class CallOffQuerySchema(Schema):
    status = fields.String(validate=_choice(CallOffStatus), metadata={
        "description": "Only call-offs with this status now (closed: open and past the "
                       "deadline)."})


class CallOffInputSchema(Schema):
    """A draft call-off. The services check the rules (a year of birth only, a postcode
    district only, a lot that covers the need and type, weights adding up to 100) and name
    each field they refuse."""

    case_reference = fields.String(required=True, validate=validate.Length(min=1, max=30))
    birth_year = fields.Integer(required=True, validate=validate.Range(min=1900, max=2200),
                                metadata={"description": "The year only: never a full date "
                                                         "of birth."})
    gender = fields.String(required=True, validate=_choice(ChildGender))
    primary_need = fields.String(required=True, validate=validate.Length(min=1, max=10),
                                 metadata={"description": "DfE SEN primary need code, e.g. "
                                                          "ASD."})
    secondary_needs = fields.List(fields.String(validate=validate.Length(max=10)),
                                  load_default=list, validate=validate.Length(max=20))
    postcode_district = fields.String(required=True, validate=validate.Length(min=1, max=10),
                                      metadata={"description": "The district only, e.g. SK10: "
                                                               "never a full postcode."})
    ehcp_summary = fields.String(load_default="", validate=TEXT)
    lot_id = fields.Integer(required=True, validate=ID)
    placement_type = fields.String(required=True, validate=_choice(PlacementType))
    start_date = fields.Date(required=True, validate=_sensible_date)
    length_weeks = fields.Integer(required=True, validate=validate.Range(min=1, max=260))
    requirements = fields.String(load_default="", validate=TEXT)
    local_schedule_id = fields.Integer(load_default=None, allow_none=True, validate=ID)
    quality_weight = fields.Integer(load_default=60, validate=validate.Range(min=0, max=100))
    price_weight = fields.Integer(load_default=40, validate=validate.Range(min=0, max=100),
                                  metadata={"description": "quality_weight + price_weight = "
                                                           "100"})
    response_deadline = fields.AwareDateTime(load_default=None, allow_none=True,
                                             validate=_sensible_time)
    urgent = fields.Boolean(load_default=False)
    urgent_reason = fields.String(load_default=None, allow_none=True, validate=TEXT)
    route = fields.String(load_default=Route.COMPETITION.value, validate=_choice(Route))
    direct_award_reason = fields.String(load_default=None, allow_none=True,
                                        validate=_choice(DirectAwardReason))
    direct_award_note = fields.String(load_default=None, allow_none=True, validate=TEXT)
    direct_provider_id = fields.Integer(load_default=None, allow_none=True, validate=ID)


class CallOffChangeSchema(CallOffInputSchema):
    """Any of a draft's fields; the rest stay as they are."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)

    def load(self, data, *args, **kwargs):
        # Partial loading still fills in load_default values: keep only what was sent.
        loaded = super().load(data, *args, **kwargs)
        sent = set(data) if isinstance(data, dict) else set()
        return {k: v for k, v in loaded.items() if self.fields[k].data_key in sent
                or (self.fields[k].data_key is None and k in sent)}


class CandidateSchema(Schema):
    provider = fields.Nested(RefSchema, dump_only=True)
    reasons = fields.List(fields.String(), dump_only=True,
                          metadata={"description": "Why it cannot be invited."})
    excluded_reason = fields.Function(
        lambda c: c.excluded.reason if c.excluded is not None else None, dump_only=True,
        allow_none=True, metadata={"type": "string"})


class InviteesSchema(Schema):
    """Who publishing would invite (or, once published, who was invited), who the officer
    removed and why, and who is not eligible and why."""

    call_off_id = fields.Function(lambda v: str(v.call_off.id), dump_only=True,
                                  metadata={"type": "string"})
    at = fields.DateTime(dump_only=True, allow_none=True)
    invited = fields.List(fields.Nested(CandidateSchema), dump_only=True)
    excluded = fields.List(fields.Nested(CandidateSchema), dump_only=True)
    ineligible = fields.List(fields.Nested(CandidateSchema), dump_only=True)
    warning = fields.String(dump_only=True, allow_none=True)


class ExclusionInputSchema(Schema):
    provider_id = fields.Integer(load_default=None, allow_none=True, validate=ID,
                                 metadata={"description": "Required."})
    reason = fields.String(load_default=None, allow_none=True, validate=TEXT,
                           metadata={"description": "Required."})


class ExclusionSchema(Schema):
    call_off_id = fields.String(dump_only=True)
    provider = fields.Nested(RefSchema, dump_only=True)
    reason = fields.String(dump_only=True)
    excluded_at = fields.DateTime(dump_only=True)


class RestoredSchema(Schema):
    call_off_id = fields.String(dump_only=True)
    provider_id = fields.String(dump_only=True)
    restored = fields.Boolean(dump_only=True)


class CallOffPublishSchema(Schema):
    response_deadline = fields.AwareDateTime(load_default=None, allow_none=True,
                                             validate=_sensible_time, metadata={
                                                 "description": "Leave out to keep the draft's."})
    urgent = fields.Boolean(load_default=None, allow_none=True)
    urgent_reason = fields.String(load_default=None, allow_none=True, validate=TEXT)


class CallOffReasonSchema(Schema):
    reason = fields.String(load_default=None, allow_none=True, validate=TEXT,
                           metadata={"description": "Required."})


class AwardNoteSchema(Schema):
    note = fields.String(load_default="", validate=TEXT)


class AwardRefusalSchema(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=TEXT,
                         metadata={"description": "Required: why the award is not approved."})


# ---------------------------------------------------------------- questions

class PublishedAnswerSchema(Schema):
    """A published question and answer: never who asked."""

    id = fields.String(dump_only=True)
    question = fields.String(dump_only=True)
    answer = fields.String(dump_only=True)
    published_at = fields.DateTime(dump_only=True)


class ClarificationQuestionSchema(Schema):
    id = fields.String(dump_only=True)
    call_off_id = fields.String(dump_only=True)
    question = fields.String(dump_only=True)
    asked_at = fields.DateTime(dump_only=True)
    answer = fields.Nested(PublishedAnswerSchema, dump_only=True, allow_none=True)


class ClarificationQuestionsSchema(Schema):
    """The authority: every question. A provider: its own questions, and every published
    answer (``answers``) to anyone's, without the asker."""

    call_off_id = fields.String(dump_only=True)
    open_for_questions = fields.Boolean(dump_only=True)
    questions_close_at = fields.DateTime(dump_only=True, allow_none=True)
    questions = fields.List(fields.Nested(ClarificationQuestionSchema), dump_only=True)
    answers = fields.List(fields.Nested(PublishedAnswerSchema), dump_only=True)


class ClarificationQuestionInputSchema(Schema):
    question = fields.String(load_default=None, allow_none=True,
                             validate=validate.Length(max=5000),
                             metadata={"description": "Required."})


class ClarificationAnswerInputSchema(Schema):
    answer = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000),
                           metadata={"description": "Required."})


# ---------------------------------------------------------------- offers

class OfferSchema(Schema):
    """A response: an offer to meet the need with weekly fees in pounds, or a decline with a
    reason. Its provider always reads it; the authority only after the response deadline."""

    id = fields.String(dump_only=True)
    call_off_id = fields.String(dump_only=True)
    provider = fields.Nested(RefSchema, dump_only=True)
    can_meet_need = fields.Boolean(dump_only=True)
    decline_reason = fields.String(dump_only=True, allow_none=True)
    core_weekly_pence = Pounds(data_key="core_weekly_fee", dump_only=True)
    support_weekly_pence = Pounds(data_key="support_weekly_fee", dump_only=True)
    therapies_weekly_pence = Pounds(data_key="therapies_weekly_fee", dump_only=True)
    other_weekly_pence = Pounds(data_key="other_weekly_fee", dump_only=True)
    other_description = fields.String(dump_only=True, allow_none=True)
    weekly_total_pence = Pounds(data_key="weekly_total", dump_only=True)
    annual_cost_pence = Pounds(data_key="annual_cost", dump_only=True)
    total_value_pence = Pounds(data_key="total_value", dump_only=True, metadata={
        "description": "The cost over the placement's whole length at these fees, from the "
                       "cost engine."})
    chargeable_weeks = fields.String(dump_only=True, metadata={
        "description": "Weeks charged a year for the placement type, e.g. 38 or 52."})
    available_from = fields.Date(dump_only=True, allow_none=True)
    statement = fields.String(dump_only=True)
    revision = fields.Integer(dump_only=True)
    submitted_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    withdrawn_at = fields.DateTime(dump_only=True, allow_none=True)


class OfferInputSchema(Schema):
    """Make or revise your response until the deadline. ``can_meet_need: false`` declines and
    needs ``decline_reason``; otherwise the weekly fees (pounds, like "1250.00"), ``available_from`` and
    ``statement`` are needed."""

    can_meet_need = fields.Boolean(load_default=None, allow_none=True,
                                   metadata={"description": "Required."})
    decline_reason = fields.String(load_default=None, allow_none=True, validate=TEXT)
    core_weekly_pence = Pounds(data_key="core_weekly_fee", load_default=0)
    support_weekly_pence = Pounds(data_key="support_weekly_fee", load_default=0)
    therapies_weekly_pence = Pounds(data_key="therapies_weekly_fee", load_default=0)
    other_weekly_pence = Pounds(data_key="other_weekly_fee", load_default=0)
    other_description = fields.String(load_default=None, allow_none=True,
                                      validate=validate.Length(max=200))
    available_from = fields.Date(load_default=None, allow_none=True, validate=_sensible_date)
    statement = fields.String(load_default="", validate=TEXT)


class SealedProblemSchema(ProblemSchema):
    """409 while offers are sealed: ``detail`` says when they open; ``opens_at`` is the
    response deadline (null while the call-off is a draft); ``responses_received`` is the one
    figure the authority may have before then."""

    opens_at = fields.DateTime(allow_none=True)
    responses_received = fields.Integer()


# ---------------------------------------------------------------- evaluation and award

class QualityMarkInputSchema(Schema):
    mark = fields.Integer(load_default=None, allow_none=True,
                          validate=validate.Range(min=0, max=100),
                          metadata={"description": "Required: 0 to 100."})
    notes = fields.String(load_default="", validate=TEXT)


class QualityMarkSchema(Schema):
    offer_id = fields.String(dump_only=True)
    mark = fields.Integer(dump_only=True)
    notes = fields.String(dump_only=True)
    marked_at = fields.DateTime(dump_only=True)


SCORE_NOTE = ('A decimal string rounded to 2 places, e.g. "38.57"; null until it can be '
              "worked out.")


def _score(name):
    return fields.Function(lambda row: _two_places(getattr(row, name)), dump_only=True,
                           allow_none=True, metadata={"type": "string",
                                                      "description": SCORE_NOTE})


class AwardSchema(Schema):
    id = fields.String(dump_only=True)
    call_off_id = fields.String(dump_only=True)
    offer_id = fields.String(dump_only=True)
    provider = fields.Nested(RefSchema, dump_only=True)
    status = fields.String(dump_only=True, metadata={"enum": [s.value for s in AwardStatus]})
    rank = fields.Integer(dump_only=True, allow_none=True)
    justification = fields.String(dump_only=True, allow_none=True)
    annual_cost_pence = Pounds(data_key="annual_cost", dump_only=True)
    total_value_pence = Pounds(data_key="total_value", dump_only=True, metadata={
        "description": "The awarded offer's whole-life value, which the delegation limit is "
                       "compared with."})
    requested_at = fields.DateTime(dump_only=True)
    approved_at = fields.DateTime(dump_only=True, allow_none=True)
    approval_note = fields.String(dump_only=True, allow_none=True)
    made_at = fields.DateTime(dump_only=True, allow_none=True)
    standstill_rule = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "The call-off standstill rule the award was made under: none | "
                       "calendar_days_10 (PCR 2015 reg 87) | working_days_8 (Procurement Act "
                       "2023 s.51)"})
    standstill_ends_at = fields.DateTime(dump_only=True, allow_none=True, metadata={
        "description": "When the provider may accept: the first instant after standstill "
                       "(00:00 UK time on the day after standstill_last_day), or made_at when "
                       "none applies"})
    standstill_last_day = fields.Date(attribute="standstill.last_day", dump_only=True,
                                      allow_none=True, metadata={
        "description": "The last UK day of standstill, which runs to midnight at its end; "
                       "null when no standstill applies or the award is not made"})
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)
    revoke_reason = fields.String(dump_only=True, allow_none=True)
    responded_at = fields.DateTime(dump_only=True, allow_none=True)
    decline_reason = fields.String(dump_only=True, allow_none=True)


class EvaluationRowSchema(Schema):
    offer = fields.Nested(OfferSchema, dump_only=True)
    mark = fields.Function(lambda row: row.mark.mark if row.mark else None, dump_only=True,
                           allow_none=True, metadata={"type": "integer"})
    notes = fields.Function(lambda row: row.mark.notes if row.mark else None, dump_only=True,
                            allow_none=True, metadata={"type": "string"})
    quality_score = _score("quality_score")
    price_score = _score("price_score")
    total = _score("total")
    rank = fields.Integer(dump_only=True, allow_none=True)
    award_status = fields.Function(lambda row: row.award.status.value if row.award else None,
                                   dump_only=True, allow_none=True,
                                   metadata={"type": "string"})


class EvaluationSchema(Schema):
    """The ranked table. Scores are decimal strings rounded to 2 places: price score = lowest
    annual cost ÷ this annual cost × price weight; quality score = mark ÷ 100 × quality
    weight; total = both. Unmarked offers follow the ranked ones with ``rank`` null."""

    call_off_id = fields.Function(lambda e: str(e.call_off.id), dump_only=True,
                                  metadata={"type": "string"})
    status = fields.Function(lambda e: e.status.value, dump_only=True,
                             metadata={"type": "string",
                                       "enum": [s.value for s in CallOffStatus]})
    quality_weight = fields.Function(lambda e: e.call_off.quality_weight, dump_only=True,
                                     metadata={"type": "integer"})
    price_weight = fields.Function(lambda e: e.call_off.price_weight, dump_only=True,
                                   metadata={"type": "integer"})
    all_marked = fields.Boolean(dump_only=True)
    marks_frozen = fields.Boolean(dump_only=True, metadata={
        "description": "True from the award on: marks can no longer change (409)"})
    rows = fields.List(fields.Nested(EvaluationRowSchema), dump_only=True)
    not_offered = fields.List(fields.Nested(OfferSchema), dump_only=True, metadata={
        "description": "Declines and withdrawn offers."})
    awards = fields.List(fields.Nested(AwardSchema), dump_only=True)
    live_award = fields.Nested(AwardSchema, dump_only=True, allow_none=True)


class AwardInputSchema(Schema):
    offer_id = fields.Integer(load_default=None, allow_none=True, validate=ID,
                              metadata={"description": "Required."})
    justification = fields.String(load_default=None, allow_none=True, validate=TEXT, metadata={
        "description": "Needed for any offer but the top-ranked."})


# ---------------------------------------------------------------- placements and limits

class DelegationLimitSchema(Schema):
    annual_limit_pence = Pounds(data_key="whole_life_limit", dump_only=True, allow_none=True,
                                metadata={
        "description": "The whole-life value (the cost over the placement's whole length) above "
                       "which an award needs a manager's approval; null: no limit set (no award "
                       "needs approval)."})
    set_at = fields.DateTime(dump_only=True, allow_none=True)


class DelegationLimitInputSchema(Schema):
    annual_limit_pence = Pounds(data_key="whole_life_limit", required=True,
                                maximum=MAX_LIMIT_PENCE)
