"""Concurrent retries of one POST (threads, each on its own connection; on PostgreSQL in CI):
one appeal, and every retry gets the first answer."""

import threading

import pytest
from django.db import connections
from django.test import Client

from otklik.appeals.models import Appeal, AppealEvent
from tests.factories import RegionFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.api.idempotency_urls"),
]
THREADS = 6


def post_from_threads(key: str) -> list:
    barrier = threading.Barrier(THREADS)
    responses, errors = [None] * THREADS, []

    def target(index):
        try:
            barrier.wait()
            responses[index] = Client().post(
                "/api/test/appeals/", {"text": "Яма у дома 3"}, HTTP_IDEMPOTENCY_KEY=key
            )
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


def test_concurrent_retries_make_one_appeal_and_all_get_its_number():
    RegionFactory(code="48", name="Липецкая область")
    responses = post_from_threads("tap-tap-tap")
    assert [r.status_code for r in responses] == [201] * THREADS
    numbers = {r.json()["number"] for r in responses}
    assert len(numbers) == 1
    assert Appeal.objects.count() == 1
    assert AppealEvent.objects.count() == 1
    replayed = [r for r in responses if r.has_header("Idempotent-Replayed")]
    assert len(replayed) == THREADS - 1
