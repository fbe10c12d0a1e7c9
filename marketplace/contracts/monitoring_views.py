"""Pages for monitoring a contract (issue 13 §1): its KPIs with their latest returns and each
KPI's history, its reviews and its documents, with the forms that add to them for the
authority's officers and managers. The supplier reads the same pages without the forms. Each
view parses the form, calls one service function in ``monitoring`` and renders."""
from io import BytesIO

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from ..errors import ValidationFailed
from ..web.forms import show_errors
from . import monitoring
from .monitoring_forms import ContractDocumentForm, KpiForm, KpiReturnForm, ReviewForm

bp = Blueprint("contract_monitoring", __name__)


@bp.before_request
@login_required
def _require_sign_in():
    pass


def _has_errors(form):
    return any(field.errors for field in form)


def _show(form, error):
    """The service's messages on the fields that have none of their own yet (a date the form
    could not read keeps its "must be a real date")."""
    show_errors(form, ValidationFailed({
        name: message for name, message in error.errors.items()
        if not getattr(getattr(form, name, None), "errors", None)}))


def _date(field):
    return None if field.errors else field.data


# --------------------------------------------------------------------------------------- KPIs

@bp.get("/contracts/<id:contract_id>/kpis")
def kpis(contract_id):
    board = monitoring.list_kpis(current_user, contract_id)
    return render_template("contracts/kpis.html", board=board, contract=board.contract)


@bp.route("/contracts/<id:contract_id>/kpis/new", methods=["GET", "POST"])
def new_kpi(contract_id):
    form = KpiForm()
    if request.method == "POST":
        form.validate()
        try:
            kpi = monitoring.add_kpi(current_user, contract_id, name=form.name.data,
                                     target=form.target.data, frequency=form.frequency.data)
        except ValidationFailed as error:
            _show(form, error)
        else:
            flash(f"KPI ‘{kpi.name}’ added.", "success")
            return redirect(url_for("contract_monitoring.kpis", contract_id=contract_id))
    contract = monitoring.contract_for_change(current_user, contract_id)
    return render_template("contracts/kpi_form.html", form=form, contract=contract, kpi=None), (
        422 if _has_errors(form) else 200)


@bp.route("/contracts/<id:contract_id>/kpis/<id:kpi_id>/edit", methods=["GET", "POST"])
def edit_kpi(contract_id, kpi_id):
    if request.method == "POST":
        form = KpiForm()
        form.validate()
        try:
            monitoring.update_kpi(current_user, contract_id, kpi_id, name=form.name.data,
                                  target=form.target.data, frequency=form.frequency.data)
        except ValidationFailed as error:
            _show(form, error)
        else:
            flash("KPI saved.", "success")
            return redirect(url_for("contract_monitoring.kpi", contract_id=contract_id,
                                    kpi_id=kpi_id))
    found = monitoring.kpi_for_change(current_user, contract_id, kpi_id)
    if request.method == "GET":
        form = KpiForm(data={"name": found.kpi.name, "target": found.kpi.target,
                             "frequency": found.kpi.frequency.value})
    form.submit.label.text = "Save the KPI"
    return render_template("contracts/kpi_form.html", form=form, contract=found.contract,
                           kpi=found.kpi), (422 if _has_errors(form) else 200)


@bp.get("/contracts/<id:contract_id>/kpis/<id:kpi_id>")
def kpi(contract_id, kpi_id):
    history = monitoring.kpi_history(current_user, contract_id, kpi_id)
    return render_template("contracts/kpi.html", history=history, contract=history.contract,
                           kpi=history.kpi)


@bp.route("/contracts/<id:contract_id>/kpis/<id:kpi_id>/returns/new", methods=["GET", "POST"])
def record_return(contract_id, kpi_id):
    if request.method == "POST":
        form = KpiReturnForm()
        form.validate()
        try:
            monitoring.record_return(
                current_user, contract_id, kpi_id, period_start=_date(form.period_start),
                period_end=_date(form.period_end), figure=form.figure.data, rag=form.rag.data,
                note=form.note.data)
        except ValidationFailed as error:
            _show(form, error)
        else:
            flash("Return recorded.", "success")
            return redirect(url_for("contract_monitoring.kpi", contract_id=contract_id,
                                    kpi_id=kpi_id))
    found = monitoring.kpi_for_change(current_user, contract_id, kpi_id)
    if request.method == "GET":
        form = KpiReturnForm(data={"period_start": found.default_start,
                                   "period_end": found.default_end})
    return render_template("contracts/kpi_return_form.html", form=form, contract=found.contract,
                           kpi=found.kpi), (422 if _has_errors(form) else 200)


# ------------------------------------------------------------------------------------ reviews

@bp.route("/contracts/<id:contract_id>/reviews", methods=["GET", "POST"])
def reviews(contract_id):
    form = ReviewForm()
    if request.method == "POST":
        form.validate()
        try:
            monitoring.record_review(current_user, contract_id, held_on=_date(form.held_on),
                                     notes=form.notes.data)
        except ValidationFailed as error:
            _show(form, error)
        else:
            flash("Review recorded.", "success")
            return redirect(url_for("contract_monitoring.reviews", contract_id=contract_id))
    found = monitoring.list_reviews(current_user, contract_id)
    return render_template("contracts/reviews.html", found=found, contract=found.contract,
                           form=form), (422 if _has_errors(form) else 200)


# ---------------------------------------------------------------------------------- documents

@bp.route("/contracts/<id:contract_id>/documents", methods=["GET", "POST"])
def documents(contract_id):
    form = ContractDocumentForm()
    if request.method == "POST":
        form.validate()
        upload = form.file.data
        try:
            monitoring.upload_document(
                current_user, contract_id, title=form.title.data,
                filename=getattr(upload, "filename", None),
                content=upload.stream.read(monitoring.MAX_DOCUMENT_BYTES + 1)
                if hasattr(upload, "stream") else None)
        except ValidationFailed as error:
            _show(form, error)
        else:
            flash("The document has been uploaded.", "success")
            return redirect(url_for("contract_monitoring.documents", contract_id=contract_id))
    found = monitoring.list_documents(current_user, contract_id)
    return render_template("contracts/documents.html", found=found, contract=found.contract,
                           form=form), (422 if _has_errors(form) else 200)


@bp.get("/contract-documents/<id:contract_document_id>")
def download_document(contract_document_id):
    document, content = monitoring.document_content(current_user, contract_document_id)
    response = send_file(BytesIO(content), mimetype=document.content_type, as_attachment=True,
                         download_name=document.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
