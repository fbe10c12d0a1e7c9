"""Sign-in sessions, the organisation in scope for each request, and security headers."""
from flask import abort, g, request
from flask_login import current_user
from flask_talisman import Talisman

import tenants

from .errors import ValidationFailed
from .extensions import login_manager

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


def init_app(app):
    from .accounts import services as accounts
    from .accounts.services import load_session_user
    from .accounts.tokens import load_token_user

    accounts.init_app(app)

    def load_request_user(request):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        user = load_token_user(header.removeprefix("Bearer ").strip())
        g.authenticated_by_token = user is not None
        return user

    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_session_user)
    login_manager.request_loader(load_request_user)

    # One Talisman per app: it keeps its settings on the instance.
    app.extensions["talisman"] = Talisman(
        app,
        force_https=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CSP,
        content_security_policy_nonce_in=["script-src"],
        strict_transport_security=app.config["FORCE_HTTPS"],
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )

    app.before_request(_refuse_nul_characters)
    app.before_request(_enter_scope)
    app.teardown_request(_leave_scope)


def _nul_fields(value, path=""):
    """Dotted paths of the strings in ``value`` (parsed JSON) that hold a NUL character."""
    if isinstance(value, str):
        return [path or "body"] if "\x00" in value else []
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return []
    return [found for key, item in items
            for found in _nul_fields(item, f"{path}.{key}" if path else str(key))]


def _refuse_nul_characters():
    """PostgreSQL text cannot hold the NUL character, and no person means to send one: refuse it
    at the door, naming the field, rather than fail at the database."""
    fields = [name for name, value in request.values.items(multi=True) if "\x00" in value]
    if request.is_json:
        fields += _nul_fields(request.get_json(silent=True))
    if not fields:
        return
    if request.path.startswith("/api/"):
        raise ValidationFailed({name: "Must not contain the NUL character" for name in fields})
    abort(400)


def _enter_scope():
    # Nothing organisation-owned is visible until the signed-in user's own organisation is in
    # scope; loading the user (Flask-Login's user_loader) puts it there.
    g._tenant_scope_token = tenants.set_scope(None)
    current_user._get_current_object()


def _leave_scope(exc=None):
    token = g.pop("_tenant_scope_token", None)
    if token is not None:
        tenants.reset_scope(token)
