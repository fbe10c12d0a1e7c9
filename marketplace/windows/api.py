"""Admission windows, the questionnaire and applications in the API."""
from flask_login import current_user

from ..api import PAGINATION, api_blueprint, errors, page_items
from . import services
from .schemas import (
    ApplicationInputSchema,
    ApplicationSchema,
    PassMarkSchema,
    QuestionChangeSchema,
    QuestionInputSchema,
    QuestionnaireSchema,
    QuestionSchema,
    WindowChangeSchema,
    WindowInputSchema,
    WindowQuerySchema,
    WindowSchema,
)

blp = api_blueprint("api_windows", __name__,
                    description="Admission windows, the questionnaire, and providers' "
                                "applications.")


def _questionnaire():
    questionnaire = services.get_questionnaire(current_user)
    if questionnaire is None:
        return {"pass_mark": 60, "total_weight": 0, "questions": []}
    return questionnaire


@blp.get("/questionnaire")
@blp.response(200, QuestionnaireSchema)
@errors(403)
def questionnaire():
    """The library questionnaire copied into windows when they are planned (host
    administrators)."""
    return _questionnaire()


@blp.patch("/questionnaire")
@blp.arguments(PassMarkSchema)
@blp.response(200, QuestionnaireSchema)
@errors(omit=(409,))
def set_pass_mark(data):
    """Set the pass mark windows planned from now on copy (host administrators)."""
    return services.set_pass_mark(current_user, data["pass_mark"])


@blp.post("/questionnaire/questions")
@blp.arguments(QuestionInputSchema)
@blp.response(201, QuestionSchema)
@errors(omit=(409,))
def add_question(data):
    """Add a question at the end of the questionnaire (host administrators)."""
    return services.add_question(current_user, **data)


@blp.patch("/questionnaire/questions/<id:question_id>")
@blp.arguments(QuestionChangeSchema)
@blp.response(200, QuestionSchema)
@errors(omit=(409,))
def update_question(data, question_id):
    """Change a question; windows already planned keep their copy (host administrators)."""
    return services.update_question(current_user, question_id, **data)


@blp.delete("/questionnaire/questions/<id:question_id>")
@blp.response(200, QuestionnaireSchema)
@errors(omit=(409,))
def remove_question(question_id):
    """Remove a question; the rest are renumbered (host administrators)."""
    return services.remove_question(current_user, question_id)


@blp.get("/windows")
@blp.arguments(WindowQuerySchema, location="query")
@blp.response(200, WindowSchema(many=True))
@blp.paginate(**PAGINATION)
def windows(query, pagination_parameters):
    """Admission windows, newest first; ``status`` keeps those with that status now."""
    return page_items(pagination_parameters, services.page_of_windows(
        current_user, pagination_parameters.page, pagination_parameters.page_size,
        query.get("status")))


@blp.post("/windows")
@blp.arguments(WindowInputSchema)
@blp.response(201, WindowSchema)
def plan_window(data):
    """Plan a window, copying the questionnaire into it (host administrators)."""
    return services.plan_window(current_user, **data)


@blp.get("/windows/<id:window_id>")
@blp.response(200, WindowSchema)
def window(window_id):
    """One admission window with its lots and questions."""
    return services.get_window(current_user, window_id)


@blp.patch("/windows/<id:window_id>")
@blp.arguments(WindowChangeSchema)
@blp.response(200, WindowSchema)
def update_window(data, window_id):
    """Change a window: anything while scheduled, the title and the close while open (host
    administrators). Bringing an open window's close forward to less than 3 days away needs
    ``confirm_short_notice``; providers with a draft are emailed whenever the close moves."""
    return services.update_window(current_user, window_id, **data)


@blp.get("/windows/<id:window_id>/applications")
@blp.response(200, ApplicationSchema(many=True))
@blp.paginate(**PAGINATION)
@errors(403)
def applications(window_id, pagination_parameters):
    """Applications to the window: every submitted one for the host's administrators (never
    drafts), a provider's own for a provider."""
    return page_items(pagination_parameters, services.page_of_applications(
        current_user, window_id, pagination_parameters.page, pagination_parameters.page_size))


@blp.post("/windows/<id:window_id>/applications")
@blp.arguments(ApplicationInputSchema)
@blp.response(201, ApplicationSchema)
def start_application(data, window_id):
    """Start your application (a draft) to an open window, optionally with lots, fees and
    answers (providers; one per window)."""
    return services.start_application(current_user, window_id,
                                      **ApplicationInputSchema.service_changes(data))


@blp.get("/applications/<id:application_id>")
@blp.response(200, ApplicationSchema)
@errors(403)
def application(application_id):
    """An application: its provider's, or the host administrators' once submitted."""
    return services.get_application(current_user, application_id)


@blp.patch("/applications/<id:application_id>")
@blp.arguments(ApplicationInputSchema)
@blp.response(200, ApplicationSchema)
def update_application(data, application_id):
    """Change your application until the window closes; a submitted one must stay complete
    (the change re-submits it)."""
    return services.update_application(current_user, application_id,
                                       **ApplicationInputSchema.service_changes(data))


@blp.post("/applications/<id:application_id>/submit")
@blp.response(200, ApplicationSchema)
@errors(422)
def submit_application(application_id):
    """Submit your complete application while the window is open (refused after the close)."""
    return services.submit_application(current_user, application_id)
