"""Extensions, created unbound and bound to the app in ``create_app``."""
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
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def sign_in_limit():
    """The rate limit on anything that tries a password or creates an account (per IP)."""
    from flask import current_app

    return current_app.config["SIGN_IN_RATE_LIMIT"]
