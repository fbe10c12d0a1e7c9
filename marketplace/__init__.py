"""The Flask application factory."""
import os
import secrets
from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

ID_MAX = 2**31 - 1  # PostgreSQL's integer: a larger id cannot exist, so the URL does not match


def _decimal_up_to(limit):
    """A regular expression matching exactly the decimal numbers 1 to ``limit`` (no sign, no
    leading zeros): shorter numbers, then each same-length number below ``limit`` by the first
    digit where it is smaller, then ``limit`` itself."""
    digits = str(limit)
    alternatives = [rf"[1-9]\d{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        lowest = 1 if i == 0 else 0
        if int(digit) > lowest:
            rest = len(digits) - i - 1
            smaller = (str(lowest) if int(digit) - 1 == lowest
                       else f"[{lowest}-{int(digit) - 1}]")
            alternatives.append(digits[:i] + smaller + (rf"\d{{{rest}}}" if rest else ""))
    alternatives.append(digits)
    return "(?:" + "|".join(alternatives) + ")"


class IdConverter(IntegerConverter):
    """``<id:name>``: a positive database id; anything else is simply not found, whatever the
    method.

    The range is in the regular expression, not only in ``min``/``max``: werkzeug's router
    checks ``min``/``max`` only after it has picked a rule by path and method, and when that
    check fails it answers 405 for the other methods of rules it passed on the way (POST
    /call-offs/0 was 405 while GET was 404). A path with an id out of range must match no rule
    at all. ``min``/``max`` stay for the OpenAPI document's parameter schema."""

    regex = _decimal_up_to(ID_MAX)

    def __init__(self, map):
        super().__init__(map, min=1, max=ID_MAX)


def create_app(config=None):
    """Build the app from a settings class (default: the one APP_ENV names)."""
    from config import config_for_environment

    config = config or config_for_environment()
    config.validate()

    app = Flask(__name__, instance_relative_config=True, static_url_path="/assets")
    app.config.from_object(config)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        path = Path(app.instance_path) / ("test.sqlite" if app.testing else "marketplace.sqlite")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    if app.config["REPLICA_DATABASE_URL"]:
        from .database import REPLICA, replica_bind

        app.config["SQLALCHEMY_BINDS"] = {
            **app.config.get("SQLALCHEMY_BINDS", {}),
            REPLICA: replica_bind(app.config["REPLICA_DATABASE_URL"],
                                  app.config["SQLALCHEMY_ENGINE_OPTIONS"])}
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret_key(app.instance_path)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    app.url_map.converters["id"] = IdConverter
    app.jinja_loader = ChoiceLoader([
        PackageLoader("marketplace"),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])

    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    _register_spend_sources()
    return app


def _register_spend_sources():
    """Other committed spend in the authorities' forecasts beside placements (issue 13 §4):
    registered here so that placements import none of the packages that spend."""
    from .contracts.forecasting import block_contract_spend
    from .placements.forecasts import register_spend_source

    register_spend_source(block_contract_spend)


def _instance_secret_key(instance_path):
    """A key kept in the instance folder, so sessions survive restarts of the embedded default."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _init_extensions(app):
    import tenants
    from govuk_frontend_wtf.main import WTFormsHelpers

    from . import database, jobs, security  # noqa: F401 (database: engine events)
    from .extensions import AppSession, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    tenants.install(AppSession)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    WTFormsHelpers(app)
    jobs.init_app(app)
    security.init_app(app)


def _register_blueprints(app):
    from .accounts.views import auth as auth_bp
    from .accounts.views import bp as accounts_bp
    from .audit.views import bp as audit_bp
    from .calloffs.views import bp as calloffs_bp
    from .authorities.views import bp as authorities_bp
    from .evaluation.views import bp as evaluation_bp
    from .notifications.views import bp as notifications_bp
    from .contracts.monitoring_views import bp as contract_monitoring_bp
    from .contracts.forecast_views import bp as contract_forecasts_bp
    from .contracts.pipeline_views import bp as contract_pipeline_bp
    from .contracts.views import bp as contracts_bp
    from .costsharing.views import bp as cost_sharing_bp
    from .placements.views import bp as placements_bp
    from .placements.calendar_views import bp as term_calendars_bp
    from .placements.fee_views import bp as placement_fees_bp
    from .placements.forecast_views import bp as forecasts_bp
    from .providers.views import bp as providers_bp, registration as provider_registration_bp
    from .purchasing.views import bp as purchasing_bp
    from .specifications.views import bp as specifications_bp
    from .windows.views import bp as windows_bp
    from .web import bp as web_bp
    from . import api
    from .web import errors, filters

    app.register_blueprint(web_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(authorities_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(provider_registration_bp)
    for bp in (purchasing_bp, providers_bp, specifications_bp, windows_bp, evaluation_bp,
               calloffs_bp, placements_bp, term_calendars_bp, placement_fees_bp,
               forecasts_bp, contracts_bp, contract_monitoring_bp, contract_forecasts_bp,
               contract_pipeline_bp, cost_sharing_bp):
        app.register_blueprint(bp)
    api.init_app(app)
    errors.init_app(app)
    filters.init_app(app)


def _register_cli(app):
    from . import cli

    cli.init_app(app)
