from flask import Blueprint
from flask_login import login_required

bp = Blueprint("providers", __name__, url_prefix="/providers")


@bp.before_request
@login_required
def _require_sign_in():
    pass
