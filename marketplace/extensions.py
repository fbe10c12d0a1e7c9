"""Extensions, created unbound and bound to the app in ``create_app``."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect

import tenants


class AppSession(tenants.ScopedSession, FlaskSession):
    """Flask-SQLAlchemy's session with the tenant-scoped ``get``; the scoping hooks attach to it."""


db = SQLAlchemy(model_class=tenants.Base, session_options={"class_": AppSession})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
talisman = Talisman()
