"""Call-offs in the API: the officer's journey from draft to award, the providers' questions,
offers and answers to awards, and the authority's delegation limit."""
from flask import jsonify
from flask_login import current_user

from ..api import PAGINATION, PROBLEM_JSON, api_blueprint, errors, page_items
from . import services
from ..placements.schemas import PlacementSchema
from .schemas import (AwardInputSchema, AwardNoteSchema, AwardRefusalSchema, AwardSchema,
                      CallOffChangeSchema, CallOffInputSchema, CallOffPublishSchema,
                      CallOffQuerySchema, CallOffReasonSchema, CallOffSchema,
                      ClarificationAnswerInputSchema, ClarificationQuestionInputSchema,
                      ClarificationQuestionSchema, ClarificationQuestionsSchema,
                      DelegationLimitInputSchema, DelegationLimitSchema, EvaluationSchema,
                      ExclusionInputSchema, ExclusionSchema, InviteesSchema, OfferInputSchema,
                      OfferSchema, PublishedAnswerSchema,
                      QualityMarkInputSchema, QualityMarkSchema, RestoredSchema,
                      SealedProblemSchema)

blp = api_blueprint("api_calloffs", __name__,
                    description="Call-offs: one child's placement request, its invited "
                                "providers, clarification questions, sealed offers, "
                                "evaluation, award and placement.")

SEALED = {"schema": SealedProblemSchema, "content_type": PROBLEM_JSON,
          "description": "Offers are sealed until the response deadline: the body says when "
                         "they open (opens_at)."}


@blp.errorhandler(services.Sealed)
def sealed(error):
    """The app answers any Conflict 409; a sealed one also says, as data, when offers open."""
    response = jsonify({"type": "about:blank", "title": "Conflict", "status": 409,
                        "detail": str(error),
                        "opens_at": error.opens_at.isoformat() if error.opens_at else None,
                        "responses_received": error.responses_received})
    response.status_code = 409
    response.mimetype = PROBLEM_JSON
    return response


# ---------------------------------------------------------------- call-offs

@blp.get("/call-offs")
@blp.arguments(CallOffQuerySchema, location="query")
@blp.response(200, CallOffSchema(many=True))
@blp.paginate(**PAGINATION)
def call_offs(query, pagination_parameters):
    """Your authority's call-offs (officers and managers), or those your provider is invited
    to; newest first, optionally of one ``status``."""
    return page_items(pagination_parameters, services.page_of_call_offs(
        current_user, pagination_parameters.page, pagination_parameters.page_size,
        status=query.get("status"), with_direct_provider=True))


@blp.post("/call-offs")
@blp.arguments(CallOffInputSchema)
@blp.response(201, CallOffSchema)
@errors(omit=(409,))
def create_call_off(data):
    """Start a draft call-off for one child (placement officers and managers)."""
    return services.create_call_off(current_user, **data)


@blp.get("/call-offs/<id:call_off_id>")
@blp.response(200, CallOffSchema)
def call_off(call_off_id):
    """A call-off: its authority's, or one your provider is invited to."""
    return services.get_call_off(current_user, call_off_id)


@blp.patch("/call-offs/<id:call_off_id>")
@blp.arguments(CallOffChangeSchema)
@blp.response(200, CallOffSchema)
def update_call_off(data, call_off_id):
    """Change a draft (409 once published)."""
    return services.update_call_off(current_user, call_off_id, **data)


@blp.get("/call-offs/<id:call_off_id>/invitees")
@blp.response(200, InviteesSchema)
@errors(403)
def invitees(call_off_id):
    """Who publishing now would invite, who you removed and why, and who is not eligible and
    why; once published, who was invited."""
    return services.invitees(current_user, call_off_id)


@blp.post("/call-offs/<id:call_off_id>/exclusions")
@blp.arguments(ExclusionInputSchema)
@blp.response(201, ExclusionSchema)
def exclude_provider(data, call_off_id):
    """Remove an eligible provider from a draft's invitation list, with a reason."""
    return services.exclude_provider(current_user, call_off_id, data["provider_id"],
                                     data["reason"])


@blp.delete("/call-offs/<id:call_off_id>/exclusions/<id:provider_id>")
@blp.response(200, RestoredSchema)
def restore_provider(call_off_id, provider_id):
    """Put a removed provider back on a draft's invitation list."""
    services.restore_provider(current_user, call_off_id, provider_id)
    return {"call_off_id": call_off_id, "provider_id": provider_id, "restored": True}


@blp.post("/call-offs/<id:call_off_id>/publish")
@blp.arguments(CallOffPublishSchema)
@blp.response(200, CallOffSchema)
def publish_call_off(data, call_off_id):
    """Publish a draft: invite the eligible providers and notify them. The deadline must be at
    least the configured working days away unless ``urgent`` with an ``urgent_reason``."""
    return services.publish_call_off(current_user, call_off_id, **data)


@blp.post("/call-offs/<id:call_off_id>/cancel")
@blp.arguments(CallOffReasonSchema)
@blp.response(200, CallOffSchema)
def cancel_call_off(data, call_off_id):
    """Cancel a call-off that has not been placed, with a reason."""
    return services.cancel_call_off(current_user, call_off_id, data["reason"])


@blp.post("/call-offs/<id:call_off_id>/no-suitable-offer")
@blp.arguments(CallOffReasonSchema)
@blp.response(200, CallOffSchema)
def record_no_suitable_offer(data, call_off_id):
    """Close a call-off with opened offers without awarding, recording why none is suitable."""
    return services.record_no_suitable_offer(current_user, call_off_id, data["reason"])


# ---------------------------------------------------------------- questions

def _questions(view):
    return {"call_off_id": view.call_off.id, "open_for_questions": view.open_for_questions,
            "questions_close_at": view.call_off.questions_close_at,
            "questions": [{"id": q.id, "call_off_id": q.call_off_id, "question": q.question,
                           "asked_at": q.asked_at, "answer": view.answers.get(q.id)}
                          for q in view.questions],
            "answers": view.published}


@blp.get("/call-offs/<id:call_off_id>/questions")
@blp.response(200, ClarificationQuestionsSchema)
@errors(403)
def questions(call_off_id):
    """Clarification questions: the authority sees every question; a provider its own, and
    every published answer without who asked."""
    return _questions(services.questions(current_user, call_off_id))


@blp.post("/call-offs/<id:call_off_id>/questions")
@blp.arguments(ClarificationQuestionInputSchema)
@blp.response(201, ClarificationQuestionSchema)
def ask_question(data, call_off_id):
    """Ask a clarification question (invited providers, until questions close)."""
    return services.ask_question(current_user, call_off_id, data["question"])


@blp.post("/call-offs/<id:call_off_id>/questions/<id:clarification_id>/answer")
@blp.arguments(ClarificationAnswerInputSchema)
@blp.response(201, PublishedAnswerSchema)
def answer_question(data, call_off_id, clarification_id):
    """Answer a question once; it is published to every invited provider without the asker."""
    return services.answer_question(current_user, call_off_id, clarification_id,
                                    data["answer"])


# ---------------------------------------------------------------- offers

@blp.get("/call-offs/<id:call_off_id>/offers")
@blp.response(200, OfferSchema(many=True))
@blp.alt_response(409, **SEALED)
@blp.paginate(**PAGINATION)
@errors(403)
def offers(call_off_id, pagination_parameters):
    """A provider: its own response. The authority: every response once the deadline has
    passed; before then 409, saying when they open."""
    items = services.list_offers(current_user, call_off_id)
    pagination_parameters.item_count = len(items)
    return items[pagination_parameters.first_item:pagination_parameters.last_item + 1]


@blp.post("/call-offs/<id:call_off_id>/offers")
@blp.arguments(OfferInputSchema)
@blp.response(200, OfferSchema)
def submit_offer(data, call_off_id):
    """Make or revise your response until the deadline: weekly fees in pence; the weekly total
    and annual cost are worked out from the placement type's chargeable weeks."""
    return services.submit_offer(current_user, call_off_id, **data)


@blp.get("/offers/<id:offer_id>")
@blp.response(200, OfferSchema)
def offer(offer_id):
    """An offer: always its provider's; the call-off's authority only after the deadline."""
    return services.get_offer(current_user, offer_id)


@blp.post("/offers/<id:offer_id>/withdraw")
@blp.response(200, OfferSchema)
def withdraw_offer(offer_id):
    """Withdraw your offer before the deadline (you may respond again until then)."""
    return services.withdraw_offer(current_user, offer_id)


@blp.post("/offers/<id:offer_id>/accept")
@blp.response(200, PlacementSchema)
def accept_award(offer_id):
    """Accept the award made to your offer: the placement is made."""
    return services.accept_offer_award(current_user, offer_id)


@blp.post("/offers/<id:offer_id>/decline")
@blp.arguments(CallOffReasonSchema)
@blp.response(200, AwardSchema)
def decline_award(data, offer_id):
    """Decline the award made to your offer, with a reason."""
    return services.decline_offer_award(current_user, offer_id, data["reason"])


# ---------------------------------------------------------------- evaluation and award

@blp.get("/call-offs/<id:call_off_id>/evaluation")
@blp.response(200, EvaluationSchema)
@blp.alt_response(409, **SEALED)
@errors(403)
def evaluation(call_off_id):
    """The ranked evaluation table (the authority, after the deadline)."""
    return services.evaluation(current_user, call_off_id)


@blp.put("/call-offs/<id:call_off_id>/evaluation/<id:offer_id>")
@blp.arguments(QualityMarkInputSchema)
@blp.response(200, QualityMarkSchema)
@blp.alt_response(409, **SEALED)
def mark_offer(data, call_off_id, offer_id):
    """Record an offer's quality mark (0-100) with notes."""
    return services.record_quality_mark(current_user, call_off_id, offer_id, **data)


@blp.post("/call-offs/<id:call_off_id>/award")
@blp.arguments(AwardInputSchema)
@blp.response(201, AwardSchema)
@blp.alt_response(409, **SEALED)
def make_award(data, call_off_id):
    """Award the call-off to an offer; any but the top-ranked needs a ``justification``. Above
    the delegation limit the award waits for a manager's approval."""
    return services.award(current_user, call_off_id, data["offer_id"],
                          justification=data["justification"])


@blp.get("/awards/<id:award_id>")
@blp.response(200, AwardSchema)
def award(award_id):
    """An award: its authority's, or its provider's once made."""
    return services.get_award(current_user, award_id)


@blp.post("/awards/<id:award_id>/approve")
@blp.arguments(AwardNoteSchema)
@blp.response(200, AwardSchema)
def approve_award(data, award_id):
    """Approve an award above the delegation limit (the authority's managers); it is made."""
    return services.approve_award(current_user, award_id, data["note"])


@blp.post("/awards/<id:award_id>/refuse")
@blp.arguments(AwardRefusalSchema)
@blp.response(200, AwardSchema)
def refuse_award(data, award_id):
    """Refuse an award above the delegation limit, with a reason (the authority's managers)."""
    return services.refuse_award(current_user, award_id, data["note"])


@blp.post("/awards/<id:award_id>/revoke")
@blp.arguments(CallOffReasonSchema)
@blp.response(200, AwardSchema)
def revoke_award(data, award_id):
    """Revoke an award made in error, with a reason, until the provider accepts."""
    return services.revoke_award(current_user, award_id, data["reason"])


# ---------------------------------------------------------------- delegation limit

@blp.get("/delegation-limit")
@blp.response(200, DelegationLimitSchema)
@errors(403)
def delegation_limit():
    """Your authority's delegation limit: awards whose annual cost is above it need a
    manager's approval (null: none set)."""
    return services.get_delegation_limit(current_user) or {"annual_limit_pence": None,
                                                           "set_at": None}


@blp.put("/delegation-limit")
@blp.arguments(DelegationLimitInputSchema)
@blp.response(200, DelegationLimitSchema)
@errors(omit=(409,))
def set_delegation_limit(data):
    """Set your authority's delegation limit (the authority's managers)."""
    return services.set_delegation_limit(current_user, data["annual_limit_pence"])
