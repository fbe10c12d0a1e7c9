"""The JSON API at /api/v1: flask-smorest with marshmallow schemas at the boundary, bearer
tokens, pagination on every list, and errors as application/problem+json."""
from flask import abort, g, request
from flask_login import current_user
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint

PREFIX = "/api/v1"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
PAGINATION = {"page": 1, "page_size": 25, "max_page_size": 100}


def api_blueprint(name, import_name, *, public=False, **options):
    """A blueprint for the API. Unless ``public``, every route needs a bearer token, or a signed-in
    browser session for reading (changes need a token, so a session cannot be ridden by CSRF)."""
    blp = ApiBlueprint(name, import_name, **options)
    if not public:
        blp.before_request(_require_api_user)
    return blp


def _require_api_user():
    if not current_user.is_authenticated:
        abort(401, description="Send a bearer token: Authorization: Bearer <token>.")
    if request.method not in SAFE_METHODS and not g.get("authenticated_by_token"):
        abort(401, description="Changes through the API need a bearer token.")


def init_app(app):
    from ..accounts import api as accounts_api
    from ..audit import api as audit_api
    from ..authorities import api as authorities_api
    from ..extensions import csrf
    from . import docs

    app.config.update(
        API_TITLE="SEND placements marketplace API", API_VERSION="v1",
        OPENAPI_VERSION="3.1.0", OPENAPI_URL_PREFIX=PREFIX, OPENAPI_JSON_PATH="openapi.json",
    )
    api = Api(app, spec_kwargs={
        "info": {"description": "Tokens: POST /api/v1/auth/token with your email and password, "
                                "then send Authorization: Bearer <token>. Errors are "
                                "application/problem+json and name every bad field."},
        "security": [{"bearerAuth": []}],
    })
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for blp in (accounts_api.auth_blp, accounts_api.blp, authorities_api.blp, audit_api.blp):
        api.register_blueprint(blp, url_prefix=PREFIX + (blp.url_prefix or ""))
        csrf.exempt(blp)
    app.register_blueprint(docs.bp)
    app.extensions["api"] = api
