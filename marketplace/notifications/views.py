from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..accounts.forms import ConfirmForm
from ..errors import ValidationFailed
from . import services

bp = Blueprint("notifications", __name__, url_prefix="/deliveries")


@bp.before_request
@login_required
def _require_sign_in():
    pass


@bp.get("/failed")
def failed_deliveries():
    page = request.args.get("page", default=1, type=int)
    return render_template("notifications/failed.html",
                           messages=services.list_failed(current_user, page), form=ConfirmForm())


@bp.post("/<id:message_id>/retry")
def retry_delivery(message_id):
    if ConfirmForm().validate_on_submit():
        try:
            message = services.retry_delivery(current_user, message_id)
        except ValidationFailed as error:
            flash(next(iter(error.errors.values())), "error")
        else:
            flash(f"The email to {message.recipient} will be sent again.", "success")
    return redirect(url_for("notifications.failed_deliveries"))
