from flask import Blueprint
from flask_login import login_required

bp = Blueprint("windows", __name__, url_prefix="/windows")


@bp.before_request
@login_required
def _require_sign_in():
    pass
