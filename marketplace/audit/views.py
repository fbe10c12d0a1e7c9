from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from . import services

bp = Blueprint("audit", __name__)

ACTIONS = {
    "user.signed_in": "Signed in",
    "user.sign_in_failed": "Failed sign-in",
    "user.password_changed": "Changed password",
    "user.invited": "Invited a user",
    "user.invitation_reissued": "Created a new invitation link",
    "user.invitation_accepted": "Accepted an invitation",
    "user.deactivated": "Deactivated a user",
    "user.reactivated": "Reactivated a user",
    "user.created": "Created a user",
    "authority.created": "Added an authority",
    "authority.membership_changed": "Changed an authority's membership",
    "api_token.issued": "Created an API token",
    "api_token.revoked": "Revoked an API token",
    "notification.retried": "Sent a failed email again",
    "demo.seeded": "Built the demo region",
    "system.created": "Set up the purchasing system",
    "system.changed": "Changed the purchasing system",
    "lot.created": "Added a lot",
    "lot.changed": "Changed a lot",
}


@bp.get("/audit")
@login_required
def events():
    page = request.args.get("page", default=1, type=int)
    return render_template("audit/events.html", events=services.list_events(current_user, page),
                           actions=ACTIONS)
