from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..accounts.forms import ConfirmForm
from ..errors import Conflict, ValidationFailed
from ..money import display_pounds
from ..web.forms import show_errors
from . import models  # noqa: F401  (registers the models with the app)
from . import services
from .forms import (PassMarkForm, QuestionForm, WindowForm, answers_changes, answers_form,
                    lots_changes, lots_form)
from ..purchasing.models import PlacementType
from .models import WindowStatus

bp = Blueprint("windows", __name__)


@bp.before_request
@login_required
def _require_sign_in():
    pass


@bp.context_processor
def _helpers():
    return {"pounds": display_pounds,
            "placement_type_label": lambda value: PlacementType(value).label}


# The questionnaire (host administrators) ---------------------------------------------------------

@bp.get("/questionnaire")
def questionnaire():
    questionnaire = services.get_questionnaire(current_user)
    return render_template(
        "windows/questionnaire.html", questionnaire=questionnaire,
        problems=services.questionnaire_problems(questionnaire),
        pass_mark_form=PassMarkForm(data={"pass_mark": questionnaire.pass_mark
                                          if questionnaire else 60}),
        action_form=ConfirmForm())


@bp.post("/questionnaire/pass-mark")
def set_pass_mark():
    services.require_host_admin(current_user)
    form = PassMarkForm()
    if form.validate_on_submit():
        try:
            services.set_pass_mark(current_user, form.pass_mark.data)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            flash("Pass mark saved.", "success")
            return redirect(url_for("windows.questionnaire"))
    questionnaire = services.get_questionnaire(current_user)
    return render_template(
        "windows/questionnaire.html", questionnaire=questionnaire, form=form,
        problems=services.questionnaire_problems(questionnaire), pass_mark_form=form,
        action_form=ConfirmForm())


@bp.route("/questionnaire/questions/new", methods=["GET", "POST"])
def new_question():
    services.require_host_admin(current_user)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            services.add_question(current_user, **form.service_fields())
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            flash("Question added.", "success")
            return redirect(url_for("windows.questionnaire"))
    return render_template("windows/question_form.html", form=form, question=None)


@bp.route("/questionnaire/questions/<id:question_id>", methods=["GET", "POST"])
def question(question_id):
    question = services.get_question(current_user, question_id)
    form = QuestionForm(obj=question, data={"kind": question.kind.value,
                                            "category": question.category and
                                            question.category.value})
    if form.validate_on_submit():
        try:
            services.update_question(current_user, question_id, **form.service_fields())
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            flash("Question saved.", "success")
            return redirect(url_for("windows.questionnaire"))
    return render_template("windows/question_form.html", form=form, question=question)


@bp.post("/questionnaire/questions/<id:question_id>/remove")
def remove_question(question_id):
    services.get_question(current_user, question_id)
    if ConfirmForm().validate_on_submit():
        services.remove_question(current_user, question_id)
        flash("Question removed.", "success")
    return redirect(url_for("windows.questionnaire"))


@bp.post("/questionnaire/questions/<id:question_id>/move")
def move_question(question_id):
    services.get_question(current_user, question_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.move_question(current_user, question_id, request.form.get("direction"))
        except ValidationFailed as error:
            flash(error.errors["direction"], "error")
    return redirect(url_for("windows.questionnaire"))


# Windows -------------------------------------------------------------------------------------

@bp.get("/windows")
def windows():
    status = request.args.get("status") or None
    if status not in {s.value for s in WindowStatus}:
        status = None
    windows = services.list_windows(current_user, status)
    return render_template(
        "windows/list.html", windows=windows, status=status, statuses=list(WindowStatus),
        counts=services.submitted_counts([w.id for w in windows]),
        mine={a.window_id: a for a in services.my_applications(current_user)},
        warnings=services.plan_warnings(current_user))


def _window_form(**kwargs):
    system = services.require_system()
    return WindowForm(lots=system.lots, always_open=system.regime.always_open, **kwargs), system


@bp.route("/windows/new", methods=["GET", "POST"])
def new_window():
    services.require_host_admin(current_user)
    form, system = _window_form()
    if form.validate_on_submit():
        try:
            window = services.plan_window(current_user, **form.service_fields())
        except ValidationFailed as error:
            show_errors(form, error, {"opens_at": "opens_on", "closes_at": "closes_on",
                                      "questionnaire": "title"})
        else:
            flash(f"{window.title} is planned.", "success")
            return redirect(url_for("windows.window", window_id=window.id))
    questionnaire = services.get_questionnaire(current_user)
    return render_template("windows/window_form.html", form=form, window=None, system=system,
                           problems=services.questionnaire_problems(questionnaire),
                           warnings=services.plan_warnings(current_user))


@bp.get("/windows/<id:window_id>")
def window(window_id):
    window = services.get_window(current_user, window_id)
    can_read_applications = current_user.is_host_admin and current_user.organisation.is_host
    return render_template(
        "windows/window.html", window=window,
        applications=(services.list_applications(current_user, window_id)
                      if can_read_applications else []),
        can_read_applications=can_read_applications,
        mine=services.own_application(current_user, window_id),
        open_lots=services.lots_open_to(current_user, window) if current_user.is_provider
        else [],
        warnings=services.plan_warnings(current_user), action_form=ConfirmForm())


@bp.route("/windows/<id:window_id>/edit", methods=["GET", "POST"])
def edit_window(window_id):
    window = services.get_window(current_user, window_id)
    services.require_host_admin(current_user)
    form, system = _window_form(data=WindowForm.data_for(window))
    if form.validate_on_submit():
        try:
            services.update_window(current_user, window_id, **form.service_fields(),
                                   confirm_short_notice=form.confirm_short_notice.data)
        except ValidationFailed as error:
            show_errors(form, error, {"opens_at": "opens_on", "closes_at": "closes_on"})
        except Conflict as error:
            form.title.errors = [*form.title.errors, str(error)]
        else:
            flash("Window saved.", "success")
            return redirect(url_for("windows.window", window_id=window_id))
    return render_template("windows/window_form.html", form=form, window=window, system=system,
                           problems={}, warnings=services.plan_warnings(current_user),
                           short_notice_days=services.SHORT_NOTICE.days)


@bp.post("/windows/<id:window_id>/questions")
def recopy_questions(window_id):
    services.get_window(current_user, window_id)
    services.require_host_admin(current_user)
    if ConfirmForm().validate_on_submit():
        try:
            services.recopy_questionnaire(current_user, window_id)
        except (ValidationFailed, Conflict) as error:
            message = (next(iter(error.errors.values())) if isinstance(error, ValidationFailed)
                       else str(error))
            flash(message, "error")
        else:
            flash("The questionnaire is copied into the window again.", "success")
    return redirect(url_for("windows.window", window_id=window_id))


@bp.post("/windows/<id:window_id>/apply")
def start_application(window_id):
    services.get_window(current_user, window_id)
    services.require_provider(current_user)
    if ConfirmForm().validate_on_submit():
        try:
            application = services.start_application(current_user, window_id)
        except Conflict as error:
            flash(str(error), "error")
        else:
            return redirect(url_for("windows.application_lots", application_id=application.id))
    return redirect(url_for("windows.window", window_id=window_id))


# Applications --------------------------------------------------------------------------------

@bp.get("/applications/<id:application_id>")
def application(application_id):
    application = services.get_application(current_user, application_id)
    mine = application.organisation_id == current_user.organisation_id
    return render_template(
        "windows/application.html", application=application, window=application.window,
        mine=mine, can_change=mine and application.window.status == WindowStatus.OPEN,
        missing=services.incomplete(application) if mine else {},
        action_form=ConfirmForm())


def _render_edit(template, form, application, closed_error=None):
    return render_template(template, form=form, application=application,
                           window=application.window, closed_error=closed_error)


@bp.route("/applications/<id:application_id>/lots", methods=["GET", "POST"])
def application_lots(application_id):
    application = services.get_own_application(current_user, application_id)
    form = lots_form(application.window, services.lots_open_to(current_user, application.window),
                     application)
    closed_error = None
    if form.validate_on_submit():
        try:
            services.update_application(current_user, application_id, **lots_changes(form))
        except ValidationFailed as error:
            show_errors(form, error, form.service_names)
        except Conflict as error:
            closed_error = str(error)
        else:
            flash("Lots and fees saved.", "success")
            return redirect(url_for("windows.application_answers", application_id=application_id)
                            if not application.answers else
                            url_for("windows.application", application_id=application_id))
    return _render_edit("windows/application_lots.html", form, application, closed_error)


@bp.route("/applications/<id:application_id>/edit", methods=["GET", "POST"])
def application_answers(application_id):
    application = services.get_own_application(current_user, application_id)
    form = answers_form(application.window, application)
    closed_error = None
    if form.validate_on_submit():
        try:
            services.update_application(current_user, application_id, **answers_changes(form))
        except ValidationFailed as error:
            show_errors(form, error, form.service_names)
        except Conflict as error:
            closed_error = str(error)
        else:
            flash("Answers saved.", "success")
            return redirect(url_for("windows.application", application_id=application_id))
    return _render_edit("windows/application_answers.html", form, application, closed_error)


@bp.route("/applications/<id:application_id>/submit", methods=["GET", "POST"])
def submit_application(application_id):
    application = services.get_own_application(current_user, application_id)
    form = ConfirmForm()
    errors, closed_error = {}, None
    if form.validate_on_submit():
        try:
            services.submit_application(current_user, application_id)
        except ValidationFailed as error:
            errors = error.errors
        except Conflict as error:
            closed_error = str(error)
        else:
            flash(f"Your application to {application.window.title} is submitted.", "success")
            return redirect(url_for("windows.application", application_id=application_id))
    else:
        errors = services.incomplete(application)
    error_list = [{"text": message, "href": url_for(
        "windows.application_answers" if name.startswith("answers.")
        else "windows.application_lots", application_id=application_id)}
        for name, message in errors.items()]
    return render_template("windows/submit.html", application=application,
                           window=application.window, form=form, errors=errors,
                           error_list=error_list, closed_error=closed_error)
