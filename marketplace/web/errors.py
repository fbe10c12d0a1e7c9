"""Error pages and API problems: every failure a person or a client meets gets a GOV.UK-styled
page or an application/problem+json body, never a stack trace."""
from flask import render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..api import PREFIX as API_PREFIX
from ..api.problems import field_errors, problem
from ..errors import AuthenticationFailed, Conflict, NotFound, PermissionDenied, ValidationFailed

PAGES = {403: "errors/403.html", 404: "errors/404.html", 405: "errors/404.html",
         429: "errors/429.html"}
DOMAIN_STATUS = {NotFound: 404, PermissionDenied: 403, Conflict: 409, ValidationFailed: 422,
                 AuthenticationFailed: 401}


def _is_api():
    return request.path.startswith(API_PREFIX + "/") and request.path != API_PREFIX + "/docs"


def _headers(error):
    """The exception's own headers, which every answer keeps (RFC 9110 s.15.5.6: a 405 lists
    the allowed methods in Allow), with those flask-smorest's ``abort`` gave; the body and so its
    Content-Type are ours."""
    headers = {name: value for name, value in error.get_headers()
               if name.lower() != "content-type"}
    headers.update((getattr(error, "data", None) or {}).get("headers") or {})
    return headers


def _too_many_message(error):
    """The limit's own message (which sign-in limit: this account, or this network), if any."""
    limit = getattr(error, "limit", None)
    return error.description if getattr(limit, "error_message", None) else None


def handle_http_exception(error):
    headers = _headers(error)
    if _is_api():
        data = getattr(error, "data", None) or {}
        if error.code == 429:
            detail = (_too_many_message(error)
                      or "Too many attempts; wait a few minutes and try again.")
        elif error.code == 500:
            detail = "Sorry, there is a problem with the service."
        else:
            detail = error.description
        return problem(error.code, detail, field_errors(data.get("messages")), headers)
    if isinstance(error, CSRFError):
        return render_template("errors/csrf.html"), 400
    template = PAGES.get(error.code, "errors/500.html" if error.code >= 500 else "errors/404.html")
    if error.code == 429:
        return render_template(template, message=_too_many_message(error)), 429, headers
    return render_template(template), error.code, headers


def handle_domain_error(error):
    status = DOMAIN_STATUS[next(c for c in type(error).__mro__ if c in DOMAIN_STATUS)]
    if _is_api():
        errors = None
        if isinstance(error, ValidationFailed):
            errors = [{"field": k, "in": "json", "message": v} for k, v in error.errors.items()]
        detail = {404: "Not found.", 403: "Your role does not allow this.",
                  401: "Wrong email address or password."}.get(status, str(error))
        return problem(status, detail, errors)
    return handle_http_exception(InternalServerError() if status == 422 else
                                 _http_error(status))


def _http_error(status):
    from werkzeug.exceptions import default_exceptions

    return default_exceptions[status]()


def init_app(app):
    # Registered after flask-smorest's own HTTPException handler, which this replaces.
    app.register_error_handler(HTTPException, handle_http_exception)
    for error_class in DOMAIN_STATUS:
        app.register_error_handler(error_class, handle_domain_error)
