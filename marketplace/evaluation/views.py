import re

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

import tenants

from ..errors import Conflict, ValidationFailed
from ..web.forms import show_errors
from . import letters, services
from .forms import AssignEvaluatorForm, ConflictForm, ReasonForm, ScoresForm
from .models import MARK_DESCRIPTORS, MAX_MARK  # also registers the evaluation tables

bp = Blueprint("evaluation", __name__)

_FIELD = re.compile(r"^q(\d+)-(passed|mark|comment)$")


@bp.before_request
@login_required
def _require_sign_in():
    pass


def _results_from(form_data):
    """{question_id: {"passed", "mark", "comment"}} from fields named q<id>-<part>."""
    results = {}
    for name, value in form_data.items():
        match = _FIELD.match(name)
        if match:
            results.setdefault(match.group(1), {})[match.group(2)] = value
    return results


def _error_list(errors):
    return [{"text": message, "href": f"#{name}"} for name, message in errors.items()]


@bp.context_processor
def _marks():
    return {"mark_descriptors": MARK_DESCRIPTORS, "max_mark": MAX_MARK}


# ---------------------------------------------------------------- evaluations

@bp.get("/evaluations")
def evaluations():
    return render_template("evaluation/evaluations.html",
                           home=services.evaluations_home(current_user))


@bp.route("/evaluations/windows/<id:window_id>", methods=["GET", "POST"])
def window_evaluation(window_id):
    form = ScoresForm()
    if form.validate_on_submit():
        issued = services.issue_window_decisions(current_user, window_id)
        flash(f"{len(issued)} decisions issued; providers have been told.", "success")
        return redirect(url_for("evaluation.window_evaluation", window_id=window_id))
    return render_template("evaluation/window.html", form=form,
                           progress=services.window_evaluation(current_user, window_id))


@bp.route("/applications/<id:application_id>/assignments", methods=["GET", "POST"])
def assignments(application_id):
    overview = services.assignment_overview(current_user, application_id)
    form = AssignEvaluatorForm()
    form.evaluator_id.choices = [SelectChoice(0, "Choose an evaluator")] + [
        SelectChoice(user.id, f"{user.full_name} ({user.role.label})")
        for user in overview.candidates]
    if form.validate_on_submit():
        try:
            assignment = services.assign_evaluator(current_user, application_id,
                                                   form.evaluator_id.data)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            flash(f"{assignment.evaluator.full_name} has been assigned.", "success")
            return redirect(url_for("evaluation.assignments", application_id=application_id))
    return render_template("evaluation/assignments.html", overview=overview, form=form)


@bp.route("/applications/<id:application_id>/conflict", methods=["GET", "POST"])
def conflict(application_id):
    assignment = services.get_assignment(current_user, application_id)
    if assignment.cleared:
        return redirect(url_for("evaluation.scores", application_id=application_id))
    form = ConflictForm()
    if assignment.conflict is None and form.validate_on_submit():
        try:
            assignment = services.declare_conflict(
                current_user, application_id, conflict=form.conflict.data == "yes",
                note=form.note.data)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            if assignment.cleared:
                return redirect(url_for("evaluation.scores", application_id=application_id))
            flash("You have declared a conflict of interest and have been withdrawn from this "
                  "evaluation.", "success")
            return redirect(url_for("evaluation.evaluations"))
    return render_template("evaluation/conflict.html", assignment=assignment, form=form)


@bp.route("/applications/<id:application_id>/scores", methods=["GET", "POST"])
def scores(application_id):
    form = ScoresForm()
    errors, values = {}, None
    if form.validate_on_submit():
        values = _results_from(request.form)
        try:
            services.save_scores(current_user, application_id, values,
                                 submit=form.action.data == "submit")
        except ValidationFailed as error:
            errors = error.errors
        else:
            flash("Your scores have been submitted." if form.action.data == "submit"
                  else "Your draft scores have been saved.", "success")
            return redirect(url_for("evaluation.scores", application_id=application_id))
    try:
        view = services.get_scoring(current_user, application_id)
    except Conflict:
        return redirect(url_for("evaluation.conflict", application_id=application_id))
    return render_template("evaluation/scores.html", view=view, form=form, errors=errors,
                           error_list=_error_list(errors), values=values)


@bp.route("/applications/<id:application_id>/moderation", methods=["GET", "POST"])
def moderation(application_id):
    form = ScoresForm()
    errors, values = {}, None
    if form.validate_on_submit():
        values = _results_from(request.form)
        values["lot_ids"] = request.form.getlist("lot_ids")
        values["reasons"] = request.form.get("reasons", "")
        try:
            services.record_moderation(
                current_user, application_id,
                agreed={k: {**v, "note": v.get("comment")} for k, v in values.items()
                        if k.isdigit()},
                lot_ids=[i for i in values["lot_ids"] if i.isdigit()],
                reasons=values["reasons"])
        except ValidationFailed as error:
            errors = error.errors
        else:
            flash("The agreed scores and decision have been recorded.", "success")
            return redirect(url_for("evaluation.decision", application_id=application_id))
    return render_template("evaluation/moderation.html",
                           view=services.get_moderation(current_user, application_id),
                           form=form, errors=errors, error_list=_error_list(errors),
                           values=values)


@bp.route("/applications/<id:application_id>/decision", methods=["GET", "POST"])
def decision(application_id):
    form = ScoresForm()
    if form.validate_on_submit():
        services.issue_decision(current_user, application_id)
        flash("The decision has been issued; the provider has been told.", "success")
        return redirect(url_for("evaluation.decision", application_id=application_id))
    application, decision = services.get_decision(current_user, application_id)
    return render_template("evaluation/decision.html", application=application,
                           decision=decision, form=form,
                           lots=services.decision_lots(decision),
                           letter=letters.letter_for(decision, application) if decision
                           else None, now=tenants.utcnow())


@bp.get("/applications/<id:application_id>/letter")
def letter(application_id):
    application, decision = services.get_decision(current_user, application_id, required=True)
    return render_template("evaluation/letter.html", application=application,
                           decision=decision, letter=letters.letter_for(decision, application))


@bp.get("/applications/<id:application_id>/letter.pdf")
def letter_pdf(application_id):
    application, decision = services.get_decision(current_user, application_id, required=True)
    pdf = letters.letter_pdf(letters.letter_for(decision, application))
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="decision-{application_id}.pdf"'})


# ---------------------------------------------------------------- admissions

@bp.get("/admissions")
def admissions():
    lot_id = request.args.get("lot", type=int)
    provider_id = request.args.get("provider", type=int)
    state = request.args.get("status") or None
    if state not in services.ADMISSION_STATES:
        state = None
    lots, providers = services.admission_filters()
    return render_template(
        "evaluation/admissions.html",
        admissions=services.list_admissions(current_user, lot_id=lot_id,
                                            provider_id=provider_id, state=state),
        lots=lots, providers=providers, now=tenants.utcnow(),
        filters={"lot": lot_id, "provider": provider_id, "status": state})


@bp.get("/admissions/<id:admission_id>")
def admission(admission_id):
    return render_template("evaluation/admission.html",
                           admission=services.get_admission(current_user, admission_id),
                           now=tenants.utcnow())


_ACTIONS = {
    "suspend": ("Suspend the admission", "Admission suspended; the provider has been told."),
    "reinstate": ("Reinstate the admission", "Admission reinstated; the provider has been told."),
    "remove": ("Remove the admission", "Admission removed; the provider has been told."),
}


def _change(admission_id, action):
    admission = services.get_admission(current_user, admission_id)
    services.require_host_admin(current_user)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            services.change_admission(current_user, admission_id, action, form.reason.data)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            flash(_ACTIONS[action][1], "success")
            return redirect(url_for("evaluation.admission", admission_id=admission_id))
    return render_template("evaluation/change_admission.html", admission=admission, form=form,
                           heading=_ACTIONS[action][0], action=action, now=tenants.utcnow())


@bp.route("/admissions/<id:admission_id>/suspend", methods=["GET", "POST"])
def suspend_admission(admission_id):
    return _change(admission_id, "suspend")


@bp.route("/admissions/<id:admission_id>/reinstate", methods=["GET", "POST"])
def reinstate_admission(admission_id):
    return _change(admission_id, "reinstate")


@bp.route("/admissions/<id:admission_id>/remove", methods=["GET", "POST"])
def remove_admission(admission_id):
    return _change(admission_id, "remove")
