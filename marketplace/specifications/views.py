from flask import Blueprint
from flask_login import login_required

bp = Blueprint("specifications", __name__, url_prefix="/specifications")


@bp.before_request
@login_required
def _require_sign_in():
    pass
