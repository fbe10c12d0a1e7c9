"""The JSON API at /api/v1: flask-smorest with marshmallow schemas at the boundary, bearer
tokens, pagination on every list, and errors as application/problem+json."""
import http

from flask import abort, current_app, g, request
from flask_login import current_user
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint
from flask_smorest.utils import prepare_response
from marshmallow import Schema, fields

PREFIX = "/api/v1"
PROBLEM_JSON = "application/problem+json"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
PAGINATION = {"page": 1, "page_size": 25, "max_page_size": 100}


def api_blueprint(name, import_name, *, public=False, public_endpoints=(), **options):
    """A blueprint for the API. Unless ``public``, every route needs a bearer token, or a signed-in
    browser session for reading (changes need a token, so a session cannot be ridden by CSRF);
    ``public_endpoints`` names the view functions that need neither (e.g. registering)."""
    blp = ApiBlueprint(name, import_name, **options)
    if not public:
        open_to_all = {f"{name}.{endpoint}" for endpoint in public_endpoints}

        @blp.before_request
        def _require_user_unless_public():
            if request.endpoint not in open_to_all:
                _require_api_user()
    blp.before_request(_refuse_undeclared_media_types)
    return blp


BODY_METHODS = {"POST": "Accept-Post", "PUT": None, "PATCH": "Accept-Patch"}


def _accepted_media_types(view):
    """The media types the view's ``@blp.arguments`` read a body from (JSON unless it declares
    form or multipart), from flask-smorest's own record of its arguments."""
    parameters = getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    locations = ApiBlueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING
    return sorted({p.get("content_type") or locations[p["in"]]
                   for p in parameters if p["in"] in locations}) or ["application/json"]


def _refuse_undeclared_media_types():
    """415 for a body whose Content-Type the operation does not read (RFC 9110 s.15.5.16):
    webargs would otherwise skip a JSON body labelled text/plain and act as if it were empty."""
    has_body = request.content_length or request.headers.get("Transfer-Encoding")
    if request.method not in BODY_METHODS or not has_body:
        return None
    accepted = _accepted_media_types(current_app.view_functions.get(request.endpoint))
    if request.mimetype in accepted:
        return None
    from .problems import problem

    header = BODY_METHODS[request.method]
    return problem(415, f"Send the body as {' or '.join(accepted)} (the Content-Type header "
                        f"says {request.mimetype or 'nothing'}).",
                   headers={header: ", ".join(accepted)} if header else None)


def page_items(pagination_parameters, page):
    """Hand a service's page to flask-smorest's pagination (it writes the X-Pagination header)."""
    pagination_parameters.item_count = page.total
    return page.items


def _require_api_user():
    if not current_user.is_authenticated:
        abort(401, description="Send a bearer token: Authorization: Bearer <token>.")
    if request.method not in SAFE_METHODS and not g.get("authenticated_by_token"):
        abort(401, description="Changes through the API need a bearer token.")


class ProblemFieldSchema(Schema):
    field = fields.String(allow_none=True)
    in_ = fields.String(data_key="in")
    message = fields.String()


class ProblemSchema(Schema):
    """RFC 9457 problem details; ``errors`` names every bad field."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.List(fields.Nested(ProblemFieldSchema))


class MarketplaceApi(Api):
    """flask-smorest's Api, documenting error responses as application/problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def init_app(app):
    from ..accounts import api as accounts_api
    from ..audit import api as audit_api
    from ..authorities import api as authorities_api
    from ..calloffs import api as calloffs_api
    from ..evaluation import api as evaluation_api
    from ..providers import api as providers_api
    from ..purchasing import api as purchasing_api
    from ..specifications import api as specifications_api
    from ..windows import api as windows_api
    from ..extensions import csrf
    from . import docs

    app.config.update(
        API_TITLE="SEND placements marketplace API", API_VERSION="v1",
        OPENAPI_VERSION="3.1.0", OPENAPI_URL_PREFIX=PREFIX, OPENAPI_JSON_PATH="openapi.json",
    )
    api = MarketplaceApi(app, spec_kwargs={
        "info": {"description": "Tokens: POST /api/v1/auth/token with your email and password, "
                                "then send Authorization: Bearer <token>. Errors are "
                                "application/problem+json and name every bad field."},
        "security": [{"bearerAuth": []}],
    })
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for blp in (accounts_api.auth_blp, accounts_api.blp, authorities_api.blp, audit_api.blp,
                purchasing_api.blp, providers_api.blp, specifications_api.blp, windows_api.blp,
                evaluation_api.blp, calloffs_api.blp):
        api.register_blueprint(blp, url_prefix=PREFIX + (blp.url_prefix or ""))
        csrf.exempt(blp)
    app.register_blueprint(docs.bp)
    app.extensions["api"] = api
