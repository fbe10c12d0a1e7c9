"""Evaluation, decisions and admissions in the API."""
from flask_login import current_user

from ..api import PAGINATION, api_blueprint, errors, page_items
from . import services
from .schemas import (AdmissionQuerySchema, AdmissionSchema, AssignEvaluatorSchema,
                      AssignmentSchema, ConflictSchema, DecisionSchema, ModerationInSchema,
                      ModerationSchema, ReasonSchema, ScoresInSchema, ScoringSchema,
                      WindowIssueSchema)

blp = api_blueprint("api_evaluation", __name__,
                    description="Evaluation of applications (blind scoring, moderation), "
                                "decisions, and admissions of providers to lots.")


def _score_rows(scores):
    return [{"question_id": s.question_id, "passed": s.passed, "mark": s.mark,
             "comment": s.comment} for s in scores]


def _evaluator_scores(assignment):
    return {"evaluator": {"id": assignment.evaluator.id, "name": assignment.evaluator.full_name},
            "submitted_at": assignment.submitted_at,
            "scores": _score_rows(sorted(assignment.scores, key=lambda s: s.question_id))}


def _scoring(view):
    return {"application_id": view.application.id,
            "submitted_at": view.assignment.submitted_at,
            "scores": _score_rows(sorted(view.own.values(), key=lambda s: s.question_id)),
            "others_visible": view.others_visible,
            "others": [_evaluator_scores(a) for a in view.others]}


@blp.get("/evaluations")
@blp.response(200, AssignmentSchema(many=True))
@blp.paginate(**PAGINATION)
@errors(403)
def evaluations(pagination_parameters):
    """Your own evaluation assignments (host evaluators and administrators), newest first."""
    return page_items(pagination_parameters, services.page_of_my_assignments(
        current_user, pagination_parameters.page, pagination_parameters.page_size))


@blp.post("/evaluations/windows/<id:window_id>/issue")
@blp.response(200, WindowIssueSchema)
def issue_window_decisions(window_id):
    """Issue every decision of the window (host administrator), once all its submitted
    applications are moderated: providers are notified and standstill starts."""
    decisions = services.issue_window_decisions(current_user, window_id)
    return {"issued": len(decisions), "decisions": decisions}


@blp.get("/applications/<id:application_id>/assignments")
@blp.response(200, AssignmentSchema(many=True))
@errors(403)
def assignments(application_id):
    """The application's evaluators and their progress (never marks); host administrator."""
    return services.assignment_overview(current_user, application_id).assignments


@blp.post("/applications/<id:application_id>/assignments")
@blp.arguments(AssignEvaluatorSchema)
@blp.response(201, AssignmentSchema)
def assign_evaluator(data, application_id):
    """Assign a host evaluator to a submitted application once its window has closed."""
    return services.assign_evaluator(current_user, application_id, data["evaluator_id"])


@blp.post("/applications/<id:application_id>/conflict")
@blp.arguments(ConflictSchema)
@blp.response(200, AssignmentSchema)
def declare_conflict(data, application_id):
    """Declare, once, whether you have a conflict of interest (before reading the application)."""
    return services.declare_conflict(current_user, application_id, conflict=data["conflict"],
                                     note=data["note"])


@blp.get("/applications/<id:application_id>/scores")
@blp.response(200, ScoringSchema)
@errors(403, 409)
def scores(application_id):
    """Your scores for the application; others' only once you and every evaluator have
    submitted. 409 until you have declared no conflict of interest."""
    return _scoring(services.get_scoring(current_user, application_id))


@blp.put("/applications/<id:application_id>/scores")
@blp.arguments(ScoresInSchema)
@blp.response(200, ScoringSchema)
def save_scores(data, application_id):
    """Save your draft scores, or submit them with ``submit: true`` (then they are frozen).
    Pass/fail questions take ``passed``; scored questions a ``mark`` from 0 to 5 and a comment."""
    results = {s["question_id"]: {"passed": s["passed"], "mark": s["mark"],
                                  "comment": s["comment"]} for s in data["scores"]}
    services.save_scores(current_user, application_id, results, submit=data["submit"])
    return _scoring(services.get_scoring(current_user, application_id))


def _moderation(view):
    moderation = view.moderation
    return {"application_id": view.application.id, "pass_mark": view.pass_mark,
            "evaluators": [_evaluator_scores(a) for a in view.assignments],
            "agreed": moderation.agreed if moderation else None,
            "weighted_score": moderation.score_points / 100 if moderation else None,
            "decision": DecisionSchema().dump(view.decision) if view.decision else None}


@blp.get("/applications/<id:application_id>/moderation")
@blp.response(200, ModerationSchema)
@errors(403, 409)
def moderation(application_id):
    """Every evaluator's scores side by side, for the moderator, once all have submitted."""
    return _moderation(services.get_moderation(current_user, application_id))


@blp.put("/applications/<id:application_id>/moderation")
@blp.arguments(ModerationInSchema)
@blp.response(200, DecisionSchema)
def record_moderation(data, application_id):
    """Record the agreed scores and so the decision (not yet issued): rejected on any failed
    pass/fail question or a weighted score below the pass mark, else admitted to ``lot_ids``."""
    agreed = {a["question_id"]: {"passed": a["passed"], "mark": a["mark"], "note": a["note"]}
              for a in data["agreed"]}
    return services.record_moderation(current_user, application_id, agreed=agreed,
                                      lot_ids=data["lot_ids"], reasons=data["reasons"])


@blp.get("/applications/<id:application_id>/decision")
@blp.response(200, DecisionSchema)
@errors(403, 409)
def decision(application_id):
    """The decision: for the host's administrators once recorded, for the provider once issued
    (409 before then)."""
    return services.get_decision(current_user, application_id, required=True)[1]


@blp.post("/applications/<id:application_id>/decision/issue")
@blp.response(200, DecisionSchema)
def issue_decision(application_id):
    """Issue one decision in an always-open window (a QPL or dynamic market)."""
    return services.issue_decision(current_user, application_id)


@blp.get("/admissions")
@blp.arguments(AdmissionQuerySchema, location="query")
@blp.response(200, AdmissionSchema(many=True))
@blp.paginate(**PAGINATION)
@errors(403)
def admissions(query, pagination_parameters):
    """Admissions of providers to lots (every authority), by lot then provider; filter by
    ``lot_id``, ``provider_id`` and ``status`` (pending, active, suspended, removed)."""
    return page_items(pagination_parameters, services.page_of_admissions(
        current_user, pagination_parameters.page, pagination_parameters.page_size,
        lot_id=query["lot_id"], provider_id=query["provider_id"], state=query["status"]))


@blp.get("/admissions/<id:admission_id>")
@blp.response(200, AdmissionSchema)
@errors(403)
def admission(admission_id):
    """One admission (every authority)."""
    return services.get_admission(current_user, admission_id)


@blp.post("/admissions/<id:admission_id>/suspend")
@blp.arguments(ReasonSchema)
@blp.response(200, AdmissionSchema)
def suspend_admission(data, admission_id):
    """Suspend an active admission, with a reason (host administrator)."""
    return services.suspend_admission(current_user, admission_id, data["reason"])


@blp.post("/admissions/<id:admission_id>/reinstate")
@blp.arguments(ReasonSchema)
@blp.response(200, AdmissionSchema)
def reinstate_admission(data, admission_id):
    """Reinstate a suspended admission, with a reason (host administrator)."""
    return services.reinstate_admission(current_user, admission_id, data["reason"])


@blp.post("/admissions/<id:admission_id>/remove")
@blp.arguments(ReasonSchema)
@blp.response(200, AdmissionSchema)
def remove_admission(data, admission_id):
    """Remove an admission for good, with a reason (host administrator)."""
    return services.remove_admission(current_user, admission_id, data["reason"])


