"""The OpenAPI document is valid, complete, and the API keeps to it (schemathesis)."""
import contextvars
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance,
                                               response_headers_conformance,
                                               response_schema_conformance,
                                               status_code_conformance)

from ..helpers import bearer_token

# status_code_conformance is the one that makes the document's error lists matter: with no
# catch-all "default" response, an answer with a status the operation does not list fails.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
ROLES = ("host_admin", "officer", "provider_user")
PUBLIC = {("/api/v1/auth/token", "post"), ("/api/v1/providers/registrations", "post")}


def test_the_openapi_document_validates_and_lists_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").json
    validate(spec)
    documented = {(path, method) for path, operations in spec["paths"].items()
                  for method in operations if method != "parameters"}
    served = {(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
              for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("api_") and rule.endpoint != "api_docs.docs"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == served
    for path, method in documented:
        operation = spec["paths"][path][method]
        responses = operation["responses"]
        success = [c for c in responses if c.startswith("2")]
        assert success and "content" in responses[success[0]], (path, method)
        # No catch-all: each operation lists the errors it answers, as problem+json.
        assert "default" not in responses, (path, method)
        expected = set()
        if "requestBody" in operation:
            expected |= {"400", "415", "422"}
        if (path, method) not in PUBLIC:
            expected.add("401")
        if "{" in path:
            expected.add("404")
        assert expected <= set(responses), (path, method, expected - set(responses))
        for code in set(responses) - set(success):
            content = spec["components"]["responses"][
                responses[code]["$ref"].rsplit("/", 1)[1]]["content"] if "$ref" in responses[
                code] else responses[code]["content"]
            assert list(content) == ["application/problem+json"], (path, method, code)


def _operations():
    from config import TestConfig
    from marketplace import create_app

    app = create_app(type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://"}))
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [(result.ok().path, result.ok().method.upper())
            for result in loaded.get_all_operations()]


# schemathesis' own pytest plugin does not run under pytest 9, so each operation is a
# parametrized test that runs Hypothesis over the operation's strategy itself, with data that
# fits the document and data that does not, each request sent as each of three roles. Bounded:
# the whole run is part of every CI run of the suite.
@pytest.fixture(scope="module")
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.mark.parametrize("path, method", _operations())
def test_the_api_keeps_to_its_own_schema(api_schema, world, path, method):
    """No 5xx, and every answer (errors included) has a status, media type, headers and body
    the document lists for the operation."""
    operation = api_schema[path][method]
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                      operation.as_strategy(GenerationMode.NEGATIVE))
    role_headers = [{"Authorization": f"Bearer {bearer_token(getattr(world, role)).token}"}
                    for role in ROLES]

    @given(case=cases)
    @settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck),
              database=None, derandomize=True)
    def keeps_to_schema(case):
        for headers in role_headers:
            # Each call in a fresh context, as each request has in production.
            contextvars.Context().run(case.call_and_validate, headers=headers, checks=CHECKS)

    keeps_to_schema()
