"""submit_appeal under concurrent requests: real threads, each on its own connection."""

import threading

import pytest
from django.db import connection, connections

from otklik.appeals import services
from otklik.appeals.models import Appeal, AppealEvent
from tests.factories import RegionFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 4


def run_in_threads(work) -> list:
    """Start all threads at once; each closes its own connection when done."""
    barrier = threading.Barrier(THREADS)
    results, errors = [None] * THREADS, []

    def target(index):
        try:
            barrier.wait()
            results[index] = work(index)
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
    return results


def test_a_retried_submission_racing_itself_makes_one_appeal():
    region = RegionFactory(code="48", name="Липецкая область")
    citizen = UserFactory()
    results = run_in_threads(
        lambda _: (
            services.submit_appeal(
                region=region, text="Яма у дома 3", applicant=citizen, idempotency_key="tap-twice"
            ).pk
        )
    )
    assert len(set(results)) == 1
    assert Appeal.objects.count() == 1
    assert AppealEvent.objects.count() == 1
    assert connection.vendor in ("sqlite", "postgresql")


def test_concurrent_submissions_get_distinct_consecutive_numbers():
    region = RegionFactory(code="48", name="Липецкая область")
    citizen = UserFactory()
    numbers = run_in_threads(
        lambda i: services.submit_appeal(region=region, text=f"Яма {i}", applicant=citizen).number
    )
    assert sorted(int(number.rsplit("-", 1)[1]) for number in numbers) == [1, 2, 3, 4]
