from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..errors import ValidationFailed
from ..web.forms import show_errors
from . import services
from .forms import LotForm, SystemForm

bp = Blueprint("purchasing", __name__, url_prefix="/system")

_SYSTEM_FIELDS = ("name", "reference", "regime", "term_start", "term_end",
                  "admission_standstill", "call_off_standstill", "chargeable_school_days",
                  "call_off_min_response_days", "call_off_questions_close_days")


@bp.before_request
@login_required
def _require_sign_in():
    pass


@bp.get("")
def system():
    return render_template("purchasing/system.html", system=services.get_system(),
                           lots=services.list_lots())


@bp.route("/new", methods=["GET", "POST"])
def new_system():
    services.require_host_admin(current_user)
    form = SystemForm(data={"chargeable_school_days": 190, "call_off_standstill": "none",
                            "call_off_min_response_days": 5, "call_off_questions_close_days": 2})
    if form.validate_on_submit():
        try:
            services.create_system(current_user, **{f: form[f].data for f in _SYSTEM_FIELDS})
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            flash("The purchasing system is set up. Add its lots next.", "success")
            return redirect(url_for("purchasing.system"))
    return render_template("purchasing/system_form.html", form=form, creating=True)


@bp.route("/edit", methods=["GET", "POST"])
def edit_system():
    services.require_host_admin(current_user)
    system = services.require_system()
    form = SystemForm(obj=system)
    if form.validate_on_submit():
        try:
            services.update_system(current_user, **{f: form[f].data for f in _SYSTEM_FIELDS})
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            flash("System settings saved.", "success")
            return redirect(url_for("purchasing.system"))
    return render_template("purchasing/system_form.html", form=form, creating=False)


@bp.route("/lots/new", methods=["GET", "POST"])
def new_lot():
    services.require_host_admin(current_user)
    system = services.require_system()
    form = LotForm(regime=system.regime)
    if form.validate_on_submit():
        try:
            services.add_lot(current_user, code=form.code.data, title=form.title.data,
                             placement_types=form.placement_types.data,
                             need_codes=form.need_codes.data)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            flash("Lot added.", "success")
            return redirect(url_for("purchasing.system"))
    return render_template("purchasing/lot_form.html", form=form, lot=None)


@bp.route("/lots/<id:lot_id>", methods=["GET", "POST"])
def lot(lot_id):
    lot = services.get_lot(lot_id)
    form = LotForm(obj=lot, regime=lot.system.regime)
    if form.validate_on_submit():
        try:
            services.update_lot(current_user, lot_id, code=form.code.data, title=form.title.data,
                                placement_types=form.placement_types.data,
                                need_codes=form.need_codes.data)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            flash("Lot saved.", "success")
            return redirect(url_for("purchasing.lot", lot_id=lot_id))
    return render_template("purchasing/lot.html", lot=lot, form=form)
