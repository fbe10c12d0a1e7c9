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
from .forms import EndForm

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
