from flask import Blueprint
from flask_login import login_required

bp = Blueprint("purchasing", __name__, url_prefix="/system")


@bp.before_request
@login_required
def _require_sign_in():
    pass
from . import models  # noqa: F401  (the models register with the metadata)
