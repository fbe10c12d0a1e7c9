from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..errors import ValidationFailed
from ..extensions import limit_failed_sign_ins, limiter, note_failed_sign_in, sign_in_limit
from ..web.forms import show_errors
from . import services, tokens
from .forms import ChangePasswordForm, ConfirmForm, InviteUserForm, SetPasswordForm, SignInForm

# Public pages: signing in and accepting an invitation.
auth = Blueprint("auth", __name__)
# Everything else about accounts needs a signed-in user.
bp = Blueprint("accounts", __name__)


@bp.before_request
@login_required
def _require_sign_in():
    pass



# What a browser removes before it parses a URL (the WHATWG URL Standard's basic URL parser):
# every ASCII tab and newline anywhere, and C0 controls and spaces at either end.
_DROPPED_ANYWHERE = dict.fromkeys(map(ord, "\t\n\r"))
_TRIMMED = "".join(map(chr, range(0x21)))


def _safe_next(target):
    """Where to go after signing in: ``target`` only when a browser would read it as a path on
    this site, so a crafted link cannot send people elsewhere once they have signed in.

    The target is normalised as a browser would normalise it before it is judged (browsers
    also read "\\" as "/" in http(s) URLs), and the normalised form is what is sent back."""
    cleaned = (target or "").translate(_DROPPED_ANYWHERE).strip(_TRIMMED).replace("\\", "/")
    parts = urlsplit(cleaned)
    if (cleaned.startswith("/") and not cleaned.startswith("//") and not parts.scheme
            and not parts.netloc and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in cleaned)):
        return cleaned
    return url_for("web.dashboard")


@auth.route("/sign-in", methods=["GET", "POST"])
@limit_failed_sign_ins
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    form = SignInForm()
    failed = False
    if form.validate_on_submit():
        try:
            user = services.sign_in(form.email.data, form.password.data,
                                    remote_addr=request.remote_addr)
        except services.SignInFailed:
            note_failed_sign_in()
            failed = True
            form.email.errors = ["Enter a correct email address and password"]
        else:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/sign_in.html", form=form, failed=failed)


@auth.route("/invitations/<token>", methods=["GET", "POST"])
@limiter.limit(sign_in_limit, methods=["POST"])
def accept_invitation(token):
    invitation = services.get_invitation(token)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(token, form.password.data)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            login_user(user)
            flash("Your account is ready.", "success")
            return redirect(url_for("web.dashboard"))
    return render_template("accounts/accept_invitation.html", form=form, invitation=invitation)


@bp.post("/sign-out")
def sign_out():
    logout_user()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))


@bp.get("/account")
def account():
    return render_template("accounts/account.html", tokens=tokens.list_tokens(current_user),
                           form=ConfirmForm())


@bp.post("/account/tokens/<id:token_id>/revoke")
def revoke_token(token_id):
    if ConfirmForm().validate_on_submit():
        record = tokens.revoke_token(current_user, token_id)
        flash(f"The API token ‘{record.name}’ has been revoked.", "success")
    return redirect(url_for("accounts.account"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data,
                                     form.new_password.data)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            # The session's id includes the password version; sign this session in afresh.
            login_user(current_user._get_current_object())
            flash("Your password has been changed.", "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form)


@bp.get("/users")
def users():
    return render_template("accounts/users.html", users=services.list_users(current_user),
                           can_manage=current_user.role in services.USER_MANAGER_ROLES)


@bp.route("/users/invite", methods=["GET", "POST"])
def invite_user():
    form = InviteUserForm(services.invitable_roles(current_user))
    if form.validate_on_submit():
        try:
            user, token = services.invite_user(current_user, email=form.email.data,
                                               full_name=form.full_name.data,
                                               role=form.role.data)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            return render_template("accounts/invitation_sent.html", user=user,
                                   link=url_for("auth.accept_invitation", token=token,
                                                _external=True))
    return render_template("accounts/invite_user.html", form=form)


@bp.get("/users/<id:user_id>")
def user(user_id):
    return render_template("accounts/user.html", user=services.get_user(current_user, user_id),
                           form=ConfirmForm(),
                           can_manage=current_user.role in services.USER_MANAGER_ROLES)


def _user_action(user_id, action, message):
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            action(current_user, user_id)
        except ValidationFailed as error:
            flash(next(iter(error.errors.values())), "error")
        else:
            flash(message, "success")
    return redirect(url_for("accounts.user", user_id=user_id))


@bp.post("/users/<id:user_id>/deactivate")
def deactivate_user(user_id):
    return _user_action(user_id, services.deactivate_user, "The account has been deactivated.")


@bp.post("/users/<id:user_id>/reactivate")
def reactivate_user(user_id):
    return _user_action(user_id, services.reactivate_user, "The account has been reactivated.")


@bp.post("/users/<id:user_id>/invitation")
def reissue_invitation(user_id):
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("accounts.user", user_id=user_id))
    try:
        user, token = services.reissue_invitation(current_user, user_id)
    except ValidationFailed as error:
        flash(next(iter(error.errors.values())), "error")
        return redirect(url_for("accounts.user", user_id=user_id))
    return render_template("accounts/invitation_sent.html", user=user,
                           link=url_for("auth.accept_invitation", token=token, _external=True))
