"""The OpenAPI document is valid, complete, and the API keeps to it (schemathesis)."""
import contextvars

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import (content_type_conformance, not_a_server_error,
                                 response_schema_conformance, status_code_conformance)

from ..helpers import bearer_token

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def test_the_openapi_document_validates_and_lists_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").json
    validate(spec)
    documented = {(path, method) for path, operations in spec["paths"].items()
                  for method in operations if method != "parameters"}
    served = {(rule.rule.replace("<id:", "{").replace(">", "}"), method.lower())
              for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("api_") and rule.endpoint != "api_docs.docs"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == served
    for path, method in documented:
        operation = spec["paths"][path][method]
        success = [c for c in operation["responses"] if c.startswith("2")]
        assert success and "content" in operation["responses"][success[0]], (path, method)
        assert "default" in operation["responses"], (path, method)


def _operations():
    from config import TestConfig
    from marketplace import create_app

    app = create_app(type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://"}))
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [(result.ok().path, result.ok().method.upper())
            for result in loaded.get_all_operations()]


# schemathesis' own pytest plugin does not run under pytest 9, so each operation is a
# parametrized test that runs Hypothesis over the operation's strategy itself.
@pytest.mark.parametrize("path, method", _operations())
def test_the_api_keeps_to_its_own_schema(app, world, path, method):
    """No 5xx, and every answer (errors included) matches what the document says."""
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)[path][method]
    headers = {"Authorization": f"Bearer {bearer_token(world.host_admin).token}"}

    @given(case=operation.as_strategy())
    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck),
              database=None)
    def keeps_to_schema(case):
        # Each call in a fresh context, as each request has in production.
        contextvars.Context().run(case.call_and_validate, headers=headers, checks=CHECKS)

    keeps_to_schema()
