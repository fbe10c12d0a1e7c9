"""The contract register's pages (issue 13 §1-2): the register, recording and changing a
contract, its page, terminating it and deciding its extension options. Each view parses the
form, calls one service function and renders; ``services`` holds every rule."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..errors import Conflict, ValidationFailed
from ..money import display_pounds
from ..placements import fees
from ..web.forms import show_errors
from . import models  # noqa: F401  (the tables exist for every app)
from . import services
from .forms import ActivateForm, ContractForm, DecisionForm, TerminateForm

bp = Blueprint("contracts", __name__)

PER_PAGE = 25


@bp.before_request
@login_required
def _require_sign_in():
    pass


@bp.context_processor
def _helpers():
    return {"pounds": display_pounds, "describe_rule": fees.describe_rule}


def _show_errors(form, error):
    """The service's messages on the contract form's fields (``extension_options.1.months`` on
    the options field, ``uplift_rule.percent`` on the percent field)."""
    show_errors(form, error, {name: form.field_for(name) for name in error.errors})


def _conflict(error, contract_id):
    flash(str(error)[:1].upper() + str(error)[1:] + ".", "error")
    return redirect(url_for("contracts.show", contract_id=contract_id))


@bp.get("/contracts")
def register():
    page = request.args.get("page", default=1, type=int)
    return render_template("contracts/register.html",
                           register=services.register(current_user, page, PER_PAGE))


@bp.route("/contracts/new", methods=["GET", "POST"])
def new():
    form = ContractForm(providers=services.providers(current_user))
    status = 200
    if request.method == "POST":
        form.validate()
        values = form.service_fields(with_status=True)
        if values is not None:
            try:
                contract = services.record_contract(current_user, **values)
            except ValidationFailed as error:
                _show_errors(form, error)
            else:
                flash(f"Contract {contract.reference} is recorded.", "success")
                return redirect(url_for("contracts.show", contract_id=contract.id))
        status = 422
    return render_template("contracts/form.html", form=form, contract=None), status


@bp.get("/contracts/<id:contract_id>")
def show(contract_id):
    page = services.contract_page(current_user, contract_id)
    return render_template("contracts/show.html", page=page, contract=page.contract,
                           activate_form=ActivateForm())


@bp.route("/contracts/<id:contract_id>/edit", methods=["GET", "POST"])
def edit(contract_id):
    contract = services.contract_to_change(current_user, contract_id)
    form = ContractForm(providers=services.providers(current_user))
    status = 200
    if request.method == "GET":
        form.fill_from(contract)
    else:
        form.validate()
        values = form.service_fields(with_status=False)
        if values is not None:
            try:
                services.update_contract(current_user, contract_id, **values)
            except ValidationFailed as error:
                _show_errors(form, error)
            except Conflict as error:
                return _conflict(error, contract_id)
            else:
                flash("The contract is saved.", "success")
                return redirect(url_for("contracts.show", contract_id=contract_id))
        status = 422
    return render_template("contracts/form.html", form=form, contract=contract), status


@bp.post("/contracts/<id:contract_id>/activate")
def activate(contract_id):
    form = ActivateForm()
    if form.validate_on_submit():
        try:
            contract = services.activate_contract(current_user, contract_id)
        except Conflict as error:
            return _conflict(error, contract_id)
        flash(f"Contract {contract.reference} is active.", "success")
    return redirect(url_for("contracts.show", contract_id=contract_id))


@bp.route("/contracts/<id:contract_id>/terminate", methods=["GET", "POST"])
def terminate(contract_id):
    contract = services.contract_to_change(current_user, contract_id)
    form = TerminateForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.terminate_contract(current_user, contract_id, form.terminated_on.data,
                                        form.termination_reason.data)
        except ValidationFailed as error:
            show_errors(form, error)
            status = 422
        except Conflict as error:
            return _conflict(error, contract_id)
        else:
            flash(f"Contract {contract.reference} is terminated.", "success")
            return redirect(url_for("contracts.show", contract_id=contract_id))
    elif request.method == "POST":
        status = 422
    return render_template("contracts/terminate.html", contract=contract, form=form), status


@bp.route("/contracts/<id:contract_id>/extensions/<id:number>/decision",
          methods=["GET", "POST"])
def decide(contract_id, number):
    try:
        found = services.extension_to_decide(current_user, contract_id, number)
    except Conflict as error:
        return _conflict(error, contract_id)
    form = DecisionForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.decide_extension(current_user, contract_id, number, form.decision.data,
                                      form.reason.data)
        except ValidationFailed as error:
            show_errors(form, error)
            status = 422
        except Conflict as error:
            return _conflict(error, contract_id)
        else:
            flash(f"Option {number} is recorded as {form.decision.data}.", "success")
            return redirect(url_for("contracts.show", contract_id=contract_id))
    elif request.method == "POST":
        status = 422
    return render_template("contracts/decide.html", found=found, contract=found.contract,
                           form=form), status
