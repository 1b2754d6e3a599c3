"""The parallel rebuild on PostgreSQL (partitions summed in SQL by worker processes, swapped in
at the end) gives exactly the rows of the serial one, and a failure in a partition leaves the
old figures in place. The workers use their own connections, so the data must be committed:
these tests run outside a transaction."""

from __future__ import annotations

import signal

import pytest
from django.db import connection, transaction

from otklik.analytics import rollups
from otklik.analytics.models import KpiAnswerTime, KpiDay, RollupState
from otklik.analytics.rollups import partitioned
from tests.analytics.test_rollups import history, snapshot  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# On SQLite (the embedded default) there are no partitions: `jobs` falls back to the serial
# pass, and each test checks that fallback instead (same rows, no partition touched).
POSTGRES = connection.vendor == "postgresql"


def everything() -> tuple:
    states = sorted(
        RollupState.objects.values_list("subject", "object_id", "region_id", "contribution")
    )
    return (*snapshot(), [(*s[:3], sorted(s[3].items())) for s in states])


def schema() -> list:
    """The indexes, constraints and identity sequence of the rollup tables, by name."""
    tables = [m._meta.db_table for m in (KpiDay, KpiAnswerTime, RollupState)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, regexp_replace(indexdef, ' ON \\S+', '') "
            "FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY 1, 2",
            [tables],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT t, pg_get_serial_sequence(t, 'id') FROM unnest(%s::text[]) t ORDER BY 1",
            [tables],
        )
        sequences = cursor.fetchall()
    return [indexes, constraints, sequences]


def leftovers() -> list[str]:
    names = [*partitioned.STAGES, *(partitioned._next(m) for m in partitioned.TARGETS)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relname = ANY(%s)", [names])
        return [row[0] for row in cursor.fetchall()]


def test_the_parallel_rebuild_writes_the_rows_of_the_serial_one(history):  # noqa: F811
    with transaction.atomic():  # as in test_rollups (some services expect a transaction)
        history(1)
    tables = schema() if POSTGRES else None
    serial = rollups.rebuild(serial=True)
    expected = everything()
    assert expected[0] and expected[1] and expected[2], "the history produced figures"

    parallel = rollups.rebuild(jobs=2)
    assert everything() == expected
    if not POSTGRES:
        assert parallel.rows == serial.rows and "swap" not in (parallel.steps or {})
        return
    assert (parallel.appeals, parallel.instructions, parallel.points, parallel.rows) == (
        serial.appeals,
        serial.instructions,
        serial.points,
        serial.rows,
    )
    assert {"flags", "partitions", "merge", "indexes", "swap"} <= set(parallel.steps)
    # The swapped-in tables carry the live tables' names for every index, constraint and the
    # identity sequence (migrations find them), and nothing of the staging is left.
    assert schema() == tables
    assert leftovers() == []

    # One worker, the same statements in one transaction: the same rows again.
    rollups.rebuild(jobs=1)
    assert everything() == expected
    # The contributions swapped in are the ones a refresh computes: nothing to change.
    appeal_ids = RollupState.objects.filter(subject="appeal").values_list("object_id", flat=True)
    assert rollups.refresh_appeals(list(appeal_ids)) == 0
    assert everything() == expected


def test_a_failing_partition_leaves_the_old_figures(
    history,  # noqa: F811
    municipality,
    monkeypatch,
    request,
):
    with transaction.atomic():
        history(2)
    before = everything()
    fill = partitioned.fill_partition

    def failing(cursor, partition):
        if partition.municipality == municipality.pk:
            raise RuntimeError("disk full")
        return fill(cursor, partition)

    # The workers are forked: they see the patched function.
    monkeypatch.setattr(partitioned, "fill_partition", failing)
    # ... and inherit a graceful-stop handler (run_periodic installs one): the pool must still
    # be able to end them after the failure.
    signal.signal(signal.SIGTERM, lambda *_: None)
    request.addfinalizer(lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL))
    if not POSTGRES:
        rollups.rebuild(jobs=2)  # the serial pass: no partition is filled
        assert everything() == before
        return
    with pytest.raises(RuntimeError, match="disk full"):
        rollups.rebuild(jobs=2)
    assert everything() == before
    assert leftovers() == []

    # The lock and the staging are released: the next rebuild runs and agrees.
    monkeypatch.setattr(partitioned, "fill_partition", fill)
    rollups.rebuild(jobs=2)
    assert everything() == before


def test_a_second_rebuild_at_the_same_time_is_refused_and_touches_nothing(history):  # noqa: F811
    import psycopg

    with transaction.atomic():
        history(3)
    before = everything()
    if not POSTGRES:
        # No lock to take: SQLite has one writer, and the serial pass is one transaction.
        assert "swap" not in (rollups.rebuild(jobs=2).steps or {})
        assert everything() == before
        return
    other = psycopg.connect(**partitioned._database(), autocommit=True)
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [partitioned.LOCK_KEY])
        other.execute(f"CREATE TABLE {partitioned.STAGE_DAY} (running integer)")
        with pytest.raises(RuntimeError, match="another rebuild"):
            rollups.rebuild(jobs=2)
        # The running one's staging is left alone.
        assert leftovers() == [partitioned.STAGE_DAY]
        other.execute(f"DROP TABLE {partitioned.STAGE_DAY}")
    finally:
        other.close()
    assert everything() == before
