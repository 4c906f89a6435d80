"""The published OpenAPI schema is what the service does: schemathesis sends schema-generated requests
(25 per operation, in-process, test encoder) and checks for server errors, undocumented status codes,
response bodies that do not match their schema, and undocumented content types."""
from __future__ import annotations

import pytest

from service.app import create_app

# schemathesis and hypothesis are imported where they are used: at collection every worker (and, as plugins, the
# run's controller) imported them, 1.5 s each, for one module (pyproject's addopts keeps their plugins out)
OPERATIONS = [("GET", "/api/search"), ("GET", "/api/plans"), ("GET", "/api/passages/{passage_id}"), ("GET", "/api/ask"),
              ("GET", "/api/indicators"), ("GET", "/api/targets"), ("GET", "/api/compare"), ("GET", "/api/export"),
              ("GET", "/health"), ("POST", "/api/plans"), ("DELETE", "/api/plans/{plan_id}"),
              ("GET", "/api/review"), ("POST", "/api/review")]


@pytest.fixture(scope="module")
def api_schema(fake_searcher):
    # no API key: uploads and deletes are refused (403), so the fuzzing never writes into the corpus
    import schemathesis

    assert not fake_searcher.settings.api_key
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(searcher=fake_searcher))


def test_the_fuzzing_covers_every_published_operation(api_schema):
    published = {(method.upper(), path) for path, item in api_schema.raw_schema["paths"].items() for method in item}
    assert published == set(OPERATIONS)


@pytest.mark.parametrize("method, path", OPERATIONS)
def test_every_operation_keeps_to_its_published_schema(api_schema, method, path):
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                     status_code_conformance)

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=25, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def fuzz(case):
        case.call_and_validate(checks=checks)

    fuzz()
