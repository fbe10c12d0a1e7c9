"""Placement pages for both parties: the authority's placements and the provider's, each with
its Individual Placement Agreement (page and PDF)."""
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

import tenants

from ..errors import Conflict, ValidationFailed
from ..formatting import london_date
from ..web.forms import show_errors
from ..money import display_pounds
from . import agreement as agreement_document
from . import models  # noqa: F401  (the tables exist for every app)
from . import services
from . import reviews as placement_reviews
from .forms import EndForm, OffFrameworkForm, ReviewDateForm, ReviewHeldForm, TermsForm

bp = Blueprint("placements", __name__)

PER_PAGE = 25


@bp.before_request
@login_required
def _require_sign_in():
    pass


@bp.context_processor
def _helpers():
    return {"pounds": display_pounds}


@bp.get("/placements")
def placements():
    page = request.args.get("page", default=1, type=int)
    return render_template("placements/placements.html",
                           page=services.page_of_placements(current_user, page, PER_PAGE),
                           today=london_date(tenants.utcnow()))


@bp.route("/placements/new", methods=["GET", "POST"])
def new_off_framework():
    form = OffFrameworkForm(providers=services.off_framework_providers(current_user))
    status = 200
    if form.validate_on_submit():
        try:
            placement = services.record_off_framework(current_user, **form.service_fields())
        except ValidationFailed as error:
            show_errors(form, error, form.service_names)
            status = 422
        else:
            flash(f"Off-framework placement {placement.reference} is recorded.", "success")
            return redirect(url_for("placements.placement", placement_id=placement.id))
    elif request.method == "POST":
        status = 422
    return render_template("placements/off_framework.html", form=form), status


@bp.get("/placements/<id:placement_id>")
def placement(placement_id):
    page = services.placement_page(current_user, placement_id)
    return render_template("placements/placement.html", placement=page.agreement.placement,
                           document=agreement_document.agreement_for(page.agreement), page=page,
                           today=london_date(tenants.utcnow()))


@bp.route("/placements/<id:placement_id>/end", methods=["GET", "POST"])
def end(placement_id):
    placement = services.placement_to_change(current_user, placement_id)
    form = EndForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.end_placement(
                current_user, placement_id, end_date=form.end_date.data,
                reason=form.reason.data, note=form.note.data,
                notice_given_on=form.notice_given_on.data, early_end=form.early_end.data)
        except ValidationFailed as error:
            show_errors(form, error)
            status = 422
        except Conflict as error:
            flash(str(error).capitalize() + ".", "error")
            return redirect(url_for("placements.placement", placement_id=placement_id))
        else:
            flash(f"The end of placement {placement.reference} is recorded; the provider has "
                  "been told.", "success")
            return redirect(url_for("placements.placement", placement_id=placement_id))
    elif request.method == "POST":
        status = 422
    return render_template("placements/end.html", placement=placement, form=form), status


@bp.get("/placements/<id:placement_id>/agreement")
def agreement(placement_id):
    document = agreement_document.agreement_for(services.agreement(current_user, placement_id))
    return render_template("placements/agreement.html", document=document,
                           placement_id=placement_id)


@bp.get("/placements/<id:placement_id>/agreement.pdf")
def agreement_pdf(placement_id):
    document = agreement_document.agreement_for(services.agreement(current_user, placement_id))
    return Response(agreement_document.agreement_pdf(document), mimetype="application/pdf",
                    headers={"Content-Disposition":
                             f'inline; filename="placement-agreement-{document.reference}.pdf"'})


@bp.route("/placements/<id:placement_id>/review-date", methods=["GET", "POST"])
def review_date(placement_id):
    placement = services.placement_to_change(current_user, placement_id)
    form = ReviewDateForm()
    status = 200
    if form.validate_on_submit():
        try:
            review = placement_reviews.schedule_review(current_user, placement_id,
                                                       form.due_on.data)
        except ValidationFailed as error:
            show_errors(form, error)
            status = 422
        else:
            flash(f"The next annual review is due on {review.due_on:%-d %B %Y}.", "success")
            return redirect(url_for("placements.placement", placement_id=placement_id))
    elif request.method == "POST":
        status = 422
    return render_template("placements/review_date.html", placement=placement,
                           form=form), status


@bp.route("/placement-reviews/<id:review_id>", methods=["GET", "POST"])
def review(review_id):
    found = placement_reviews.review_to_record(current_user, review_id)
    form = ReviewHeldForm()
    status = 200
    if form.validate_on_submit():
        try:
            placement_reviews.record_review(current_user, review_id, form.held_on.data,
                                            form.notes.data)
        except ValidationFailed as error:
            show_errors(form, error)
            status = 422
        except Conflict as error:
            flash(str(error).capitalize() + ".", "error")
            return redirect(url_for("placements.placement", placement_id=found.placement.id))
        else:
            flash("The review is recorded.", "success")
            return redirect(url_for("placements.placement", placement_id=found.placement.id))
    elif request.method == "POST":
        status = 422
    return render_template("placements/review.html", review=found.review,
                           placement=found.placement, form=form), status


@bp.route("/placements/<id:placement_id>/terms", methods=["GET", "POST"])
def terms(placement_id):
    placement = services.placement_to_change(current_user, placement_id)
    form = TermsForm(data={
        "notice_weeks": str(placement.notice_weeks),
        "funding_education": str(placement.funding_education_percent),
        "funding_social_care": str(placement.funding_social_care_percent),
        "funding_health": str(placement.funding_health_percent),
        "invoiced_to": placement.invoiced_to} if request.method == "GET" else None)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_terms(current_user, placement_id, **form.service_fields())
        except ValidationFailed as error:
            show_errors(form, error, form.service_names)
            status = 422
        else:
            flash("The placement's notice and funding are saved.", "success")
            return redirect(url_for("placements.placement", placement_id=placement_id))
    elif request.method == "POST":
        status = 422
    return render_template("placements/terms.html", placement=placement, form=form), status
