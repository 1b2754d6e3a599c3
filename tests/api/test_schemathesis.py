"""Property-based run over the live OpenAPI schema of /api/v1/: every operation, with a key
holding every scope and a region full of appeals, never answers with a server error and always
answers in the shape its schema documents.

Bounded and deterministic: a few derandomized examples per operation, no example database.
A broken operation fails the test (its name and the failing request are in the message).
"""

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from otklik.accounts.models import ApiScope
from otklik.accounts.tokens import issue_token
from otklik.appeals.workflow import Status

pytestmark = pytest.mark.django_db(transaction=False)

EXAMPLES = 8
SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def key(appeal_in, operator, private_category, fast_category, other_organization):
    """An operator's key with every scope, and appeals in several states to find."""
    for status in (Status.NEW, Status.CLARIFICATION, Status.IN_PROGRESS, Status.ANSWERED):
        appeal_in(status)
    appeal_in(Status.CLOSED, category=private_category)
    _token, key = issue_token(
        user=operator, name="schemathesis", scopes=ApiScope.values, rate_per_minute=10**6
    )
    return key


@pytest.fixture
def app():
    """Django's WSGI app that keeps the test's connection open between requests, as the test
    client does (the test data lives in its transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _operations(schema):
    for result in schema.get_all_operations():
        yield result.ok()


@override_settings(API_ANON_RATE_PER_MINUTE=10**6)
def test_every_operation_answers_without_server_errors_and_as_documented(app, key):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {key}"}
    failures = []
    operations = list(_operations(schema))
    assert len(operations) >= 10, [op.label for op in operations]

    for operation in operations:

        @SETTINGS
        @hypothesis.given(case=operation.as_strategy())
        def run(case):
            response = case.call(headers=headers)
            case.validate_response(
                response,
                checks=[not_a_server_error, response_schema_conformance],
                headers=headers,
            )

        try:
            run()
        except Exception as exc:  # each failing operation is reported, all are tried
            failures.append(f"{operation.label}: {exc}")

    assert not failures, "\n\n".join(failures)
