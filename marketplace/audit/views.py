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
    "evaluation.evaluator_assigned": "Assigned an evaluator",
    "evaluation.conflict_declared": "Declared a conflict of interest (or none)",
    "evaluation.scores_submitted": "Submitted evaluation scores",
    "evaluation.moderated": "Recorded agreed scores and a decision",
    "evaluation.decision_issued": "Issued a decision",
    "admission.suspended": "Suspended an admission",
    "admission.reinstated": "Reinstated an admission",
    "admission.removed": "Removed an admission",
    "admission.became_active": "An admission became active",
    "demo.seeded": "Built the demo region",
    "system.created": "Set up the purchasing system",
    "system.changed": "Changed the purchasing system",
    "lot.created": "Added a lot",
    "lot.changed": "Changed a lot",
    "provider.registered": "Registered a provider organisation",
    "provider.profile_changed": "Changed a provider's profile",
    "provider.document_uploaded": "Uploaded a provider document",
    "provider.document_expiry_warned": "Warned that a provider document expires soon",
    "provider.suspended": "Suspended a provider from new call-offs (expired document)",
    "provider.suspension_lifted": "Lifted a provider's suspension (documents renewed)",
    "provider.rates_changed": "Changed a provider's fees",
    "vacancy.declared": "Declared a vacancy",
    "vacancy.changed": "Changed a vacancy",
    "vacancy.withdrawn": "Withdrew a vacancy",
    "specification.created": "Added a specification",
    "specification.renamed": "Renamed a specification",
    "specification.draft_created": "Started a new specification version",
    "specification.draft_changed": "Changed a draft specification version",
    "specification.published": "Published a specification version",
    "specification.accepted": "Accepted a specification version",
    "local_schedule.created": "Wrote a local schedule",
    "local_schedule.changed": "Changed a local schedule",
    "local_schedule.archived": "Archived a local schedule",
    "questionnaire.question_added": "Added a questionnaire question",
    "questionnaire.question_changed": "Changed a questionnaire question",
    "questionnaire.question_removed": "Removed a questionnaire question",
    "questionnaire.question_moved": "Moved a questionnaire question",
    "questionnaire.pass_mark_set": "Set the questionnaire's pass mark",
    "window.planned": "Planned an admission window",
    "window.changed": "Changed an admission window",
    "window.questions_copied": "Copied the questionnaire into a window again",
    "window.opening_announced": "Told providers a window opened",
    "window.close_reminder_sent": "Reminded providers a window closes soon",
    "application.started": "Started an application",
    "application.changed": "Changed an application",
    "application.submitted": "Submitted an application",
}


@bp.get("/audit")
@login_required
def events():
    page = request.args.get("page", default=1, type=int)
    return render_template("audit/events.html", events=services.list_events(current_user, page),
                           actions=ACTIONS)
