from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

import tenants

from ..accounts.forms import ConfirmForm
from ..errors import Conflict, ValidationFailed
from ..formatting import LONDON, govuk_date
from ..purchasing import services as purchasing
from ..web.forms import show_errors
from . import services
from .documents import render_markdown
from .forms import LocalScheduleForm, PublishForm, SpecificationForm, VersionForm

bp = Blueprint("specifications", __name__)


@bp.before_request
@login_required
def _require_sign_in():
    pass


@bp.app_template_filter("markdown")
def _markdown(text, top=2):
    return render_markdown(text, top)


@bp.app_template_filter("govuk_date_london")
def _london_date(value):
    """The UK date of a UTC time (an effective date is the start of a UK day)."""
    return govuk_date(value.astimezone(LONDON)) if value else ""


# --- specifications and versions -------------------------------------------------------------

@bp.get("/specifications")
def specifications():
    return render_template("specifications/list.html",
                           specifications=services.list_specifications(),
                           now=tenants.utcnow())


@bp.route("/specifications/new", methods=["GET", "POST"])
def new_specification():
    services.require_host_admin(current_user)
    form = SpecificationForm(lots=purchasing.list_lots())
    if form.validate_on_submit():
        try:
            specification = services.create_specification(
                current_user, kind=form.kind.data, title=form.title.data,
                lot_id=int(form.lot_id.data) if (form.lot_id.data or "").isdigit() else None)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            flash("Specification added. Write its first version next.", "success")
            return redirect(url_for("specifications.specification",
                                    specification_id=specification.id))
    return render_template("specifications/new.html", form=form)


@bp.get("/specifications/<id:specification_id>")
def specification(specification_id):
    return render_template("specifications/specification.html",
                           specification=services.get_specification(specification_id),
                           now=tenants.utcnow())


@bp.route("/specifications/<id:specification_id>/versions/new", methods=["GET", "POST"])
def new_version(specification_id):
    specification = services.get_specification(specification_id)
    services.require_host_admin(current_user)
    form = VersionForm()
    if request.method == "GET" and specification.latest_published:
        form.body.data = specification.latest_published.body
    if form.validate_on_submit():
        try:
            version = services.create_draft(current_user, specification_id,
                                            body=form.body.data,
                                            summary_of_changes=form.summary_of_changes.data)
        except ValidationFailed as error:
            show_errors(form, error)
        except Conflict as error:
            flash(str(error), "important")
            return redirect(url_for("specifications.specification",
                                    specification_id=specification_id))
        else:
            flash(f"{version.label} saved as a draft.", "success")
            return redirect(url_for("specifications.version", version_id=version.id))
    return render_template("specifications/version_form.html", form=form,
                           specification=specification, version=None)


@bp.get("/specifications/<id:specification_id>/compare")
def compare(specification_id):
    try:
        comparison = services.compare_versions(
            specification_id, request.args.get("from", type=int),
            request.args.get("to", type=int))
    except (ValidationFailed, Conflict) as error:
        specification = services.get_specification(specification_id)
        return render_template("specifications/compare.html", comparison=None,
                               specification=specification, error=error), 400
    return render_template("specifications/compare.html", comparison=comparison,
                           specification=comparison.specification, error=None)


@bp.get("/specifications/versions/<id:version_id>")
def version(version_id):
    return render_template("specifications/version.html",
                           page=services.version_page(current_user, version_id),
                           form=ConfirmForm())


@bp.route("/specifications/versions/<id:version_id>/edit", methods=["GET", "POST"])
def edit_version(version_id):
    version = services.get_version(version_id)
    services.require_host_admin(current_user)
    if version.is_published and request.method == "GET":
        flash(f"{version.label} is published and cannot be changed: create a new version.",
              "important")
        return redirect(url_for("specifications.version", version_id=version_id))
    form = VersionForm(obj=version)
    if form.validate_on_submit():
        try:
            services.update_draft(current_user, version_id, body=form.body.data,
                                  summary_of_changes=form.summary_of_changes.data)
        except ValidationFailed as error:
            show_errors(form, error)
        except Conflict as error:
            flash(str(error), "important")
            return redirect(url_for("specifications.version", version_id=version_id))
        else:
            flash(f"{version.label} saved.", "success")
            return redirect(url_for("specifications.version", version_id=version_id))
    return render_template("specifications/version_form.html", form=form,
                           specification=version.specification, version=version)


@bp.route("/specifications/versions/<id:version_id>/publish", methods=["GET", "POST"])
def publish_version(version_id):
    version = services.get_version(version_id)
    services.require_host_admin(current_user)
    if version.is_published and request.method == "GET":
        flash(f"{version.label} is already published.", "important")
        return redirect(url_for("specifications.version", version_id=version_id))
    form = PublishForm()
    if form.validate_on_submit():
        try:
            services.publish_version(current_user, version_id,
                                     effective_on=form.effective_on.data)
        except ValidationFailed as error:
            show_errors(form, error, fields={"body": "effective_on",
                                             "summary_of_changes": "effective_on"})
        except Conflict as error:
            flash(str(error), "important")
            return redirect(url_for("specifications.version", version_id=version_id))
        else:
            flash(f"{version.label} is published. Providers have been asked to accept it.",
                  "success")
            return redirect(url_for("specifications.version", version_id=version_id))
    return render_template("specifications/publish.html", form=form, version=version)


@bp.post("/specifications/versions/<id:version_id>/accept")
def accept_version(version_id):
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            acceptance = services.accept_version(current_user, version_id)
        except Conflict as error:
            flash(str(error), "important")
        else:
            flash(f"You have accepted {acceptance.version.label} of "
                  f"{acceptance.version.specification.title}.", "success")
    else:
        services.get_version(version_id)
    if request.form.get("next") == "acceptances":
        return redirect(url_for("specifications.acceptances"))
    return redirect(url_for("specifications.version", version_id=version_id))


@bp.get("/specifications/acceptances")
def acceptances():
    return render_template("specifications/acceptances.html",
                           obligations=services.obligations(current_user), form=ConfirmForm())


# --- local schedules -------------------------------------------------------------------------

@bp.get("/local-schedules")
def local_schedules():
    return render_template("specifications/local_schedules.html",
                           schedules=services.list_local_schedules(current_user))


@bp.route("/local-schedules/new", methods=["GET", "POST"])
def new_local_schedule():
    services.require_schedule_editor(current_user)
    form = LocalScheduleForm()
    if form.validate_on_submit():
        try:
            schedule = services.create_local_schedule(current_user, title=form.title.data,
                                                      body=form.body.data)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            flash("Local schedule saved.", "success")
            return redirect(url_for("specifications.local_schedule", schedule_id=schedule.id))
    return render_template("specifications/local_schedule_form.html", form=form, schedule=None)


@bp.get("/local-schedules/<id:schedule_id>")
def local_schedule(schedule_id):
    return render_template("specifications/local_schedule.html",
                           schedule=services.get_local_schedule(current_user, schedule_id),
                           form=ConfirmForm())


@bp.route("/local-schedules/<id:schedule_id>/edit", methods=["GET", "POST"])
def edit_local_schedule(schedule_id):
    schedule = services.get_local_schedule(current_user, schedule_id)
    form = LocalScheduleForm(obj=schedule)
    if form.validate_on_submit():
        try:
            services.update_local_schedule(current_user, schedule_id, title=form.title.data,
                                           body=form.body.data)
        except ValidationFailed as error:
            show_errors(form, error)
        except Conflict as error:
            flash(str(error), "important")
            return redirect(url_for("specifications.local_schedule", schedule_id=schedule_id))
        else:
            flash("Local schedule saved.", "success")
            return redirect(url_for("specifications.local_schedule", schedule_id=schedule_id))
    return render_template("specifications/local_schedule_form.html", form=form,
                           schedule=schedule)


@bp.post("/local-schedules/<id:schedule_id>/archive")
def archive_local_schedule(schedule_id):
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.archive_local_schedule(current_user, schedule_id)
        except Conflict as error:
            flash(str(error), "important")
        else:
            flash("Local schedule archived.", "success")
    else:
        services.get_local_schedule(current_user, schedule_id)
    return redirect(url_for("specifications.local_schedule", schedule_id=schedule_id))
