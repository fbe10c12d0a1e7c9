"""Template filters (times in UK time, GOV.UK date style) and the service navigation."""
from flask import request, url_for
from flask_login import current_user

from ..accounts.models import Role
from ..audit.services import AUDIT_READER_ROLES
from ..formatting import govuk_date, govuk_datetime
from ..needs import need_label

_USERS_PAGES = {"accounts.users", "accounts.user", "accounts.invite_user",
                "accounts.reissue_invitation"}
_ACCOUNT_PAGES = {"accounts.account", "accounts.change_password"}


def navigation():
    """The service navigation for the signed-in user's role (pages: endpoints or a blueprint)."""
    if not current_user.is_authenticated:
        return {"navigation": []}
    items = [("Home", "web.dashboard", {"web.dashboard"})]
    if current_user.role == Role.HOST_ADMIN:
        items.append(("Authorities", "authorities.authorities", "authorities"))
    items.append(("Purchasing system", "purchasing.system", "purchasing"))
    items.append(("Users", "accounts.users", _USERS_PAGES))
    if current_user.role in AUDIT_READER_ROLES:
        items.append(("Audit trail", "audit.events", "audit"))
    if current_user.role == Role.HOST_ADMIN:
        items.append(("Failed emails", "notifications.failed_deliveries", "notifications"))
    items.append(("Your account", "accounts.account", _ACCOUNT_PAGES))
    return {"navigation": [
        {"href": url_for(endpoint), "text": text,
         "active": request.blueprint == pages if isinstance(pages, str)
         else request.endpoint in pages}
        for text, endpoint, pages in items
    ]}


def init_app(app):
    app.add_template_filter(govuk_date, "govuk_date")
    app.add_template_filter(govuk_datetime, "govuk_datetime")
    app.add_template_filter(need_label, "need_label")
    app.context_processor(navigation)
