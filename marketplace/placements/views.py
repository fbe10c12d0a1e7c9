"""Placement pages for both parties: the authority's placements and the provider's, each with
its Individual Placement Agreement (page and PDF)."""
from flask import Blueprint, Response, render_template, request
from flask_login import current_user, login_required

import tenants

from ..formatting import london_date
from ..money import display_pounds
from . import agreement as agreement_document
from . import models  # noqa: F401  (the tables exist for every app)
from . import services

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
    found = services.agreement(current_user, placement_id)
    return render_template("placements/placement.html", placement=found.placement,
                           document=agreement_document.agreement_for(found),
                           today=london_date(tenants.utcnow()))


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
