"""Fuzz the API from its own OpenAPI document: schemathesis generates valid
(positive) and invalid (negative) requests for every operation and checks that
nothing is a server error and that every answer matches the document."""

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .helpers import wsgi_app

pytestmark = pytest.mark.django_db

CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 30


def run_operation(operation, mode, checks) -> None:
    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        response = case.call()
        case.validate_response(response, checks=checks)

    check()


@pytest.fixture
def schema(world, settings):
    # Rate limiting must not turn the run into 429s.
    settings.OPENDATA_RATE_LIMIT_PER_MINUTE = 1_000_000
    return schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app)


def test_positive_requests_conform_to_the_document(schema):
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13
    for operation in operations:
        run_operation(operation, schemathesis.GenerationMode.POSITIVE, CONFORMANCE)


def test_negative_requests_are_rejected_without_a_server_error(schema):
    checks = [*CONFORMANCE, negative_data_rejection]
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.query and not operation.path_parameters:
            continue
        run_operation(operation, schemathesis.GenerationMode.NEGATIVE, checks)
