"""The JSON API at /api/v1: flask-smorest with marshmallow schemas at the boundary, bearer
tokens, pagination on every list, and errors as application/problem+json."""
import http
import re
import threading
from copy import deepcopy

from flask import abort, current_app, g, request
from flask_login import current_user
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest.utils import prepare_response
from marshmallow import Schema, fields

PREFIX = "/api/v1"
PROBLEM_JSON = "application/problem+json"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
PAGINATION = {"page": 1, "page_size": 25, "max_page_size": 100}

# What each error status means here; the OpenAPI document lists, for every operation, those it
# can answer (see ApiBlueprint), each as application/problem+json.
ERROR_MEANINGS = {
    400: "The body is not well-formed (JSON that does not parse).",
    401: "No valid bearer token (reading also accepts a signed-in session).",
    403: "Your role does not allow this.",
    404: "No such object, or not one you may see (the two look the same).",
    409: "The object's state does not allow this now; detail says why.",
    415: "The body is not in a media type this operation takes.",
    422: "A field is missing or wrong; errors names each one.",
    429: "Too many attempts; wait a few minutes and try again.",
}
_ID_IN_PATH = re.compile(r"<id:\w+>")


def errors(*statuses, omit=()):
    """Add error ``statuses`` to those an API operation documents by its shape (see
    :class:`ApiBlueprint`), or ``omit`` some it cannot answer."""
    def decorator(func):
        func._apidoc = deepcopy(getattr(func, "_apidoc", {}))
        declared = func._apidoc.setdefault("errors", {"add": set(), "omit": set()})
        declared["add"].update(statuses)
        declared["omit"].update(omit)
        return func
    return decorator


class ApiBlueprint(SmorestBlueprint):
    """flask-smorest's blueprint, documenting each operation's error responses from its shape:
    a body can be malformed (400), of the wrong media type (415) or invalid (422), as can query
    arguments (422); an operation needing a user answers 401 without one, and a change 403 to a
    role that may not make it and 409 when the object's state forbids it; an id in the path may
    name nothing visible (404). :func:`errors` adjusts one operation (e.g. 429 where a rate
    limit applies). There is no catch-all ``default``: an answer the document does not list is a
    fault (the schemathesis test fails on it)."""

    def __init__(self, *args, public=False, public_endpoints=(), **options):
        super().__init__(*args, **options)
        self.public = public
        self.public_endpoints = set(public_endpoints)
        self._prepare_doc_cbks.append(self._prepare_errors_doc)

    def add_url_rule(self, rule, endpoint=None, view_func=None, provide_automatic_options=None,
                     **options):
        super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, **options)
        endpoint = self._endpoints[-1]
        for method, info in self._docs[endpoint].items():
            if method != "parameters":
                info["route"] = {"ids": bool(_ID_IN_PATH.search(rule)), "public": self.public
                                 or (view_func.__name__ in self.public_endpoints)}

    @staticmethod
    def _prepare_errors_doc(doc, doc_info, *, method, **kwargs):
        route = doc_info["route"]
        statuses = set()
        if "requestBody" in doc:
            statuses |= {400, 415, 422}
        if any(p.get("in") == "query" for p in doc.get("parameters", [])):
            statuses.add(422)
        if not route["public"]:
            statuses.add(401)
            if method.upper() not in SAFE_METHODS:
                statuses |= {403, 409}
        if route["ids"]:
            statuses.add(404)
        declared = doc_info.get("errors", {"add": set(), "omit": set()})
        statuses = (statuses | declared["add"]) - declared["omit"]
        responses = doc.setdefault("responses", {})
        present = {str(code) for code in responses}
        for status in statuses:
            if str(status) not in present:
                responses[status] = http.HTTPStatus(status).name
        doc["responses"] = dict(sorted(responses.items(), key=lambda item: str(item[0])))
        return doc


def api_blueprint(name, import_name, *, public=False, public_endpoints=(), **options):
    """A blueprint for the API. Unless ``public``, every route needs a bearer token, or a signed-in
    browser session for reading (changes need a token, so a session cannot be ridden by CSRF);
    ``public_endpoints`` names the view functions that need neither (e.g. registering)."""
    blp = ApiBlueprint(name, import_name, public=public, public_endpoints=public_endpoints,
                       **options)
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
    DEFAULT_ERROR_RESPONSE_NAME = None  # each operation lists its errors (ApiBlueprint)

    # flask-smorest writes a blueprint's operations into the OpenAPI document as it registers
    # the blueprint, a twentieth of the app's start-up for a document most processes never
    # serve. Here registering only routes the blueprint; the document is completed, in the
    # same order, the first time anything reads ``spec``.
    def __init__(self, *args, **kwargs):
        self._undocumented = []
        self._documenting = threading.RLock()
        super().__init__(*args, **kwargs)

    @property
    def spec(self):
        with self._documenting:
            while self._undocumented:
                blp, name, parameters = self._undocumented.pop(0)
                blp.register_views_in_doc(self, self._app, self._spec, name=name,
                                          parameters=parameters)
                self._spec.tag({"name": name, "description": blp.description})
        return self._spec

    @spec.setter
    def spec(self, value):
        self._spec = value

    def register_blueprint(self, blp, *, parameters=None, **options):
        """flask-smorest's ``register_blueprint``, leaving the document to ``spec``."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        with self._documenting:
            self._undocumented.append((blp, name, parameters))

    def _register_pagination_header(self):
        # The header holds JSON (flask-smorest writes json.dumps of the metadata), which OpenAPI
        # says with content, not a schema (that would mean "total=2,page=1").
        from flask_smorest.pagination import PaginationMetadataSchema

        self.spec.components.header("PAGINATION", {
            "description": "Pagination metadata, as JSON",
            "content": {"application/json": {"schema": PaginationMetadataSchema}}}, lazy=True)

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": ERROR_MEANINGS.get(status, status.phrase)}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)


def init_app(app):
    from ..accounts import api as accounts_api
    from ..audit import api as audit_api
    from ..authorities import api as authorities_api
    from ..calloffs import api as calloffs_api
    from ..contracts import monitoring_api as contract_monitoring_api
    from ..contracts import forecast_api as contract_forecasts_api
    from ..contracts import pipeline_api as contract_pipeline_api
    from ..contracts import api as contracts_api
    from ..costsharing import api as cost_sharing_api
    from ..evaluation import api as evaluation_api
    from ..placements import api as placements_api
    from ..placements import calendar_api as term_calendars_api
    from ..placements import fee_api as placement_fees_api
    from ..placements import forecast_api
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
                evaluation_api.blp, calloffs_api.blp, placements_api.blp,
                term_calendars_api.blp, placement_fees_api.blp,
                forecast_api.blp, contracts_api.blp, contract_monitoring_api.blp,
                contract_forecasts_api.blp, contract_pipeline_api.blp, cost_sharing_api.blp):
        api.register_blueprint(blp, url_prefix=PREFIX + (blp.url_prefix or ""))
        csrf.exempt(blp)
    app.register_blueprint(docs.bp)
    app.extensions["api"] = api
