"""Concurrent retries of one POST (threads, each on its own connection; on PostgreSQL in CI):
one appeal, and every retry gets the first answer."""

import threading

import pytest
from django.db import connections
from django.test import Client

from otklik.accounts.models import ApiScope
from otklik.accounts.tokens import issue_token
from otklik.appeals.models import Appeal, AppealEvent
from tests.factories import RegionFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 6


def post_from_threads(url: str, data, **extra) -> list:
    """The same POST from THREADS threads released at once."""
    barrier = threading.Barrier(THREADS)
    responses, errors = [None] * THREADS, []

    def target(index):
        try:
            barrier.wait()
            responses[index] = Client().post(url, data, **extra)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return responses


@pytest.mark.urls("tests.api.idempotency_urls")
def test_concurrent_retries_make_one_appeal_and_all_get_its_number():
    RegionFactory(code="48", name="Липецкая область")
    responses = post_from_threads(
        "/api/test/appeals/", {"text": "Яма у дома 3"}, HTTP_IDEMPOTENCY_KEY="tap-tap-tap"
    )
    assert [r.status_code for r in responses] == [201] * THREADS
    numbers = {r.json()["number"] for r in responses}
    assert len(numbers) == 1
    assert Appeal.objects.count() == 1
    assert AppealEvent.objects.count() == 1
    replayed = [r for r in responses if r.has_header("Idempotent-Replayed")]
    assert len(replayed) == THREADS - 1


def test_concurrent_retries_of_the_rest_filing_make_one_appeal():
    """The real endpoint and a real key: six copies of one POST /api/v1/appeals/ at once."""
    region = RegionFactory(code="48", name="Липецкая область")
    _token, key = issue_token(
        user=UserFactory(), name="bot", scopes=[ApiScope.APPEALS_FILE], region=region
    )
    responses = post_from_threads(
        "/api/v1/appeals/",
        {"text": "Яма у дома 3 на Московской"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
        HTTP_IDEMPOTENCY_KEY="bot-retry-1",
    )
    assert [r.status_code for r in responses] == [201] * THREADS
    assert len({r.content for r in responses}) == 1
    assert Appeal.objects.count() == 1
