"""Call-off pages: the officer's journey from draft to award, the provider's invitations and
offers, and both parties' placements."""
from flask import Blueprint

from . import models  # noqa: F401  (the tables exist for every app)

bp = Blueprint("calloffs", __name__)


# PLACEHOLDER (being built): the notification links need these endpoints to exist.
@bp.get("/call-offs/<id:call_off_id>")
def call_off(call_off_id):
    raise NotImplementedError


@bp.get("/awards/<id:award_id>")
def award(award_id):
    raise NotImplementedError
