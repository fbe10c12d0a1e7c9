"""Sign-in sessions, the organisation in scope for each request, and security headers."""
from flask import g
from flask_login import current_user

import tenants

from flask_talisman import Talisman

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
    from .accounts.services import load_session_user
    from .accounts.tokens import load_token_user

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

    app.before_request(_enter_scope)
    app.teardown_request(_leave_scope)


def _enter_scope():
    # Nothing organisation-owned is visible until the signed-in user's own organisation is in
    # scope; loading the user (Flask-Login's user_loader) puts it there.
    g._tenant_scope_token = tenants.set_scope(None)
    current_user._get_current_object()


def _leave_scope(exc=None):
    token = g.pop("_tenant_scope_token", None)
    if token is not None:
        tenants.reset_scope(token)
