from flask import Blueprint
from flask_login import login_required

bp = Blueprint("evaluation", __name__)


@bp.before_request
@login_required
def _require_sign_in():
    pass
