"""Routing answers as HTTP says, on every page and API route: a URL naming an id that cannot
exist is not found whatever the method (RFC 9110 s.15.5.5), and a method a URL does not serve
is 405 with the Allow header listing those it does (RFC 9110 s.15.5.6)."""
import re

import pytest
from werkzeug.exceptions import NotFound

from marketplace import ID_MAX, IdConverter

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# 0 is not a database id; 2**31 cannot be stored in PostgreSQL's integer (the issue's two).
OUT_OF_RANGE = ("0", str(ID_MAX + 1))
PARAMETER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _rules():
    from config import TestConfig
    from marketplace import create_app

    app = create_app(type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://"}))
    return list(app.url_map.iter_rules())


RULES = _rules()
ID_TEMPLATES = sorted({rule.rule for rule in RULES
                       if any(isinstance(c, IdConverter) for c in rule._converters.values())})
SERVED = {}
for _rule in RULES:
    SERVED.setdefault(_rule.rule, set()).update(_rule.methods)


def _path(template, bad_argument=None, bad_value=None):
    """The template with 1 for every id (``bad_value`` for ``bad_argument``), x for others."""
    def value(match):
        converter, name = match.groups()
        if converter != "id":
            return "x"
        return bad_value if name == bad_argument else "1"
    return PARAMETER.sub(value, template)


def _is_api(path):
    return path.startswith("/api/v1/") and path != "/api/v1/docs"


def _id_arguments(template):
    return [name for converter, name in PARAMETER.findall(template) if converter == "id"]


def test_every_route_with_an_id_is_covered():
    """The routes below are the app's own: pages and the API, more than a handful of each."""
    assert sum(t.startswith("/api/v1/") for t in ID_TEMPLATES) > 40
    assert sum(not t.startswith("/api/") for t in ID_TEMPLATES) > 40


@pytest.mark.parametrize("template", ID_TEMPLATES)
def test_an_id_out_of_range_is_not_found_for_every_method(client, template):
    """Before, POST, PATCH and DELETE /api/v1/call-offs/0 answered 405 where GET answered 404:
    the router picked the rule by path and method, then rejected the id, and reported the
    other methods it had passed."""
    for argument in _id_arguments(template):
        for bad in OUT_OF_RANGE:
            path = _path(template, argument, bad)
            for method in METHODS:
                response = client.open(path, method=method)
                assert response.status_code == 404, (method, path, response.status_code)
                if _is_api(path):
                    assert response.mimetype == "application/problem+json"
                    assert response.json["status"] == 404
                else:
                    assert "Page not found" in response.get_data(as_text=True)


TEMPLATES_WITH_UNSERVED_METHODS = sorted(
    template for template, methods in SERVED.items()
    if set(METHODS) - methods and not template.startswith("/assets"))


@pytest.mark.parametrize("template", TEMPLATES_WITH_UNSERVED_METHODS)
def test_a_method_a_url_does_not_serve_is_405_with_allow(client, template):
    """RFC 9110 s.15.5.6: the origin server MUST generate an Allow header field in a 405
    response containing a list of the target resource's currently supported methods."""
    path = _path(template)
    served = SERVED[template]
    for method in sorted(set(METHODS) - served):
        response = client.open(path, method=method)
        assert response.status_code == 405, (method, path, response.status_code)
        allowed = {m.strip() for m in response.headers.get("Allow", "").split(",") if m.strip()}
        assert allowed == served, (method, path, response.headers.get("Allow"))
        if _is_api(path):
            assert response.mimetype == "application/problem+json"
            assert response.json["status"] == 405
        else:
            assert response.mimetype == "text/html"


def test_the_id_converter_matches_exactly_the_ids_postgresql_can_hold(app):
    adapter = app.url_map.bind("localhost")
    edges = [1, 9, 10, 99, 10**9 - 1, 10**9, 1_999_999_999, 2_047_483_647, ID_MAX - 1, ID_MAX]
    for number in edges:
        assert adapter.match(f"/api/v1/call-offs/{number}", method="PATCH") == (
            "api_calloffs.update_call_off", {"call_off_id": number})
    beyond = ["0", "-1", "01", "+1", "1.0", "1e3", str(ID_MAX + 1), "2147483650", "2147483700",
              "2150000000", "3000000000", "9999999999", str(10**20)]
    for text in beyond:
        for method in METHODS:
            with pytest.raises(NotFound):
                adapter.match(f"/api/v1/call-offs/{text}", method=method)


def test_ids_in_range_still_route(client):
    """The largest id PostgreSQL can store routes to the view (which then finds nothing)."""
    response = client.get(f"/api/v1/call-offs/{ID_MAX}")
    assert response.status_code == 401  # the view's own guard answered, so the route matched
    assert client.get(f"/call-offs/{ID_MAX}").status_code in (302, 401)
