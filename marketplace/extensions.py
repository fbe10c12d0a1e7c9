"""Extensions, created unbound and bound to the app in ``create_app``."""
import hashlib

from flask import current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf.csrf import CSRFProtect

import tenants


class AppSession(tenants.ScopedSession, FlaskSession):
    """Flask-SQLAlchemy's session with the tenant-scoped ``get``; the scoping hooks attach to it."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        # Flask-SQLAlchemy always picks an engine; a session bound to a connection (the tests
        # join an outer transaction they roll back) must use that connection.
        if bind is None and self.bind is not None:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


# Objects stay readable after a commit without a refresh: a refresh would run under whichever
# organisation is in scope by then (e.g. after signing in, none), not the one that loaded them.
db = SQLAlchemy(model_class=tenants.Base,
                session_options={"class_": AppSession, "expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
# With Redis unreachable the limits are kept in the process instead (each worker its own), and
# Flask-Limiter logs "Rate limit storage unreachable - falling back to in-memory storage";
# it goes back to Redis once Redis answers again. Nobody is kept from signing in by an outage.
limiter = Limiter(key_func=get_remote_address, default_limits=[],
                  in_memory_fallback_enabled=True, swallow_errors=True)


def sign_in_limit():
    """SIGN_IN_RATE_LIMIT: failed sign-ins allowed per account and per address, and attempts
    allowed per address at anything else that tries a secret or creates an account."""
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def note_failed_sign_in():
    """Count this request against the failed sign-in limits (the views call it when the
    email and password are refused)."""
    g.sign_in_failed = True


def _failed(response):
    return bool(g.get("sign_in_failed"))


def _account_key():
    """The account a sign-in names, normalised as the accounts service does; hashed, so the
    limiter's storage holds no email addresses."""
    from .accounts.services import normalise_email

    email = request.form.get("email")
    if email is None:
        body = request.get_json(silent=True)
        email = body.get("email") if isinstance(body, dict) else None
    email = normalise_email(email if isinstance(email, str) else "")
    return "account-" + hashlib.sha256(email.encode()).hexdigest()


TOO_MANY_FOR_ACCOUNT = ("There have been too many failed attempts to sign in to this account. "
                        "Wait a while and try again: the block lifts by itself.")
TOO_MANY_FROM_ADDRESS = ("There have been too many failed attempts to sign in from your "
                         "network. Wait a while and try again: the block lifts by itself.")

# Shared limits (one count whichever endpoint is used: the sign-in page and the API's token
# endpoint), tested before the request and spent only when it fails (deduct_when), so a
# successful sign-in never uses them up.
_FAILED_SIGN_INS = (
    limiter.shared_limit(sign_in_limit, scope="failed-sign-in-address", methods=["POST"],
                         deduct_when=_failed, error_message=TOO_MANY_FROM_ADDRESS),
    limiter.shared_limit(sign_in_limit, scope="failed-sign-in-account", methods=["POST"],
                         key_func=_account_key, deduct_when=_failed,
                         error_message=TOO_MANY_FOR_ACCOUNT),
)


def limit_failed_sign_ins(view):
    """Decorate a view that checks an email and password with the failed sign-in limits; the
    view calls ``note_failed_sign_in`` when it refuses them."""
    for limit in _FAILED_SIGN_INS:
        view = limit(view)
    return view
