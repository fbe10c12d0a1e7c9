from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..accounts.forms import ConfirmForm
from ..errors import ValidationFailed
from ..web.forms import show_errors
from . import services
from .forms import AuthorityForm, MembershipForm

bp = Blueprint("authorities", __name__, url_prefix="/authorities")


@bp.before_request
@login_required
def _require_sign_in():
    pass


@bp.get("")
def authorities():
    return render_template("authorities/list.html",
                           authorities=services.list_authorities(current_user))


@bp.route("/new", methods=["GET", "POST"])
def new_authority():
    services.require_host_admin(current_user)
    form = AuthorityForm()
    if form.validate_on_submit():
        try:
            authority, token = services.create_authority(
                current_user, name=form.name.data, ons_code=form.ons_code.data,
                joined_on=form.joined_on.data, manager_full_name=form.manager_full_name.data,
                manager_email=form.manager_email.data)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            return render_template("authorities/created.html", authority=authority,
                                   link=url_for("auth.accept_invitation", token=token,
                                                _external=True))
    return render_template("authorities/new.html", form=form)


@bp.route("/<id:authority_id>", methods=["GET", "POST"])
def authority(authority_id):
    authority = services.get_authority(current_user, authority_id)
    form = MembershipForm(obj=authority)
    if form.validate_on_submit():
        try:
            services.update_membership(current_user, authority_id, left_on=form.left_on.data)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            flash("Membership updated.", "success")
            return redirect(url_for("authorities.authority", authority_id=authority_id))
    return render_template("authorities/authority.html", authority=authority, form=form,
                           can_edit=current_user.is_host_admin and not authority.is_host)
