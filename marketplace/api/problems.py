"""RFC 9457 problem details for API errors, naming every bad field."""
from flask import jsonify
from werkzeug.http import HTTP_STATUS_CODES


def _flatten(messages, location, path=()):
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, location, (*path, str(key)))
    elif isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        for message in messages:
            yield {"field": ".".join(path) or None, "in": location, "message": message}
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            yield from _flatten(value, location, (*path, str(index)))
    else:
        yield {"field": ".".join(path) or None, "in": location, "message": str(messages)}


def field_errors(webargs_messages):
    """webargs' ``{location: {field: [message]}}`` as a flat list of named field errors."""
    errors = []
    for location, messages in (webargs_messages or {}).items():
        errors.extend(_flatten(messages, location))
    return errors


def problem(status, detail=None, errors=None, headers=None):
    body = {"type": "about:blank", "title": HTTP_STATUS_CODES.get(status, "Error"),
            "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
