"""Public numbers (appeals/numbers.py): a sequence per region and year on PostgreSQL that takes
no lock, the counter row on SQLite; unique under concurrent filings, continuing after the floor
a bulk writer set, and counted by the /metrics gauge."""

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections

from otklik.appeals import numbers, services
from otklik.appeals.models import Appeal
from tests.factories import RegionFactory, UserFactory

MSK = ZoneInfo("Europe/Moscow")
FILINGS = 4  # per thread
THREADS = 4


def file(region, applicant, n=0):
    return services.submit_appeal(
        region=region,
        text=f"Яма у дома {n}",
        applicant=applicant,
        now=datetime(2026, 3, 2, tzinfo=MSK),
    )


@pytest.mark.django_db
def test_numbers_continue_after_the_floor_a_bulk_writer_raised(region, citizen):
    numbers.raise_floor(region, 2026, 41)
    assert file(region, citizen).number == "48-2026-000042"
    numbers.raise_floor(region, 2026, 10)  # never backwards
    assert file(region, citizen).number == "48-2026-000043"
    assert numbers.numbers_given()[(region.pk, 2026)] == 43


@pytest.mark.django_db(transaction=True)
def test_concurrent_filings_of_one_region_never_share_a_number():
    region = RegionFactory(code="48")
    applicants = [UserFactory() for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    errors = []

    def target(index):
        try:
            barrier.wait()
            for n in range(FILINGS):
                file(region, applicants[index], n)
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
    taken = list(Appeal.objects.values_list("number", flat=True))
    assert len(taken) == len(set(taken)) == THREADS * FILINGS
    if connection.vendor == "sqlite":
        # SQLite's counter row is gapless; PostgreSQL's sequence is unique, not gapless.
        assert sorted(taken)[-1] == f"48-2026-{THREADS * FILINGS:06d}"


@pytest.mark.django_db
def test_a_filing_takes_its_number_from_the_vendors_counter(region, citizen):
    """PostgreSQL: a sequence (nextval), no counter row locked. SQLite (one writer at a time):
    the counter row, never a sequence."""
    file(region, citizen)  # the sequence or the counter row is made by the first filing
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        file(region, citizen)
    statements = " ".join(q["sql"] for q in captured.captured_queries)
    if connection.vendor == "postgresql":
        assert "nextval" in statements
        assert "appealnumbersequence" not in statements.lower()
    else:
        assert "nextval" not in statements
        assert "appealnumbersequence" in statements.lower()
