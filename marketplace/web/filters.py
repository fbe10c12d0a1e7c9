"""Template filters and the navigation: times shown in Europe/London, GOV.UK date style."""
from zoneinfo import ZoneInfo

from flask import request, url_for
from flask_login import current_user

from ..accounts.models import Role
from ..audit.services import AUDIT_READER_ROLES

LONDON = ZoneInfo("Europe/London")


def govuk_date(value):
    """1 April 2026."""
    return f"{value.day} {value:%B %Y}" if value else ""


def govuk_datetime(value):
    """24 November 2026 at 9:05am, in UK time."""
    if not value:
        return ""
    local = value.astimezone(LONDON)
    hour = local.hour % 12 or 12
    minutes = "" if local.minute == 0 else f":{local.minute:02d}"
    return f"{govuk_date(local)} at {hour}{minutes}{'am' if local.hour < 12 else 'pm'}"


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
    items.append(("Users", "accounts.users", _USERS_PAGES))
    if current_user.role in AUDIT_READER_ROLES:
        items.append(("Audit trail", "audit.events", "audit"))
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
    app.context_processor(navigation)
