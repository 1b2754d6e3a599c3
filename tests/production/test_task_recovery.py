"""Tasks left RUNNING by a dead worker go back to the queue (lib/task_recovery.py); a task
whose worker is alive stays. On PostgreSQL the worker's lease (an advisory lock) decides, on
SQLite the age. The real killed worker is in test_faults.py."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from otklik.appeals.tasks import process_outbox
from otklik.lib.periodic import run_once
from otklik.lib.task_recovery import _lock_key, recover_stale_tasks


def running(started_ago: timedelta) -> DBTaskResult:
    result = process_outbox.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - started_ago,
        worker_ids=["gone"],
    )
    return DBTaskResult.objects.get(pk=result.id)


def status(task: DBTaskResult) -> str:
    task.refresh_from_db()
    return task.status


def worker_connection():
    """A second session, as a live worker's, on the test database (PostgreSQL)."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params, autocommit=True)


@pytest.mark.django_db
def test_a_task_of_a_dead_worker_goes_back_and_a_young_or_live_one_stays(settings):
    old = running(timedelta(hours=2))
    young = running(timedelta(seconds=10))
    if connection.vendor == "postgresql":
        alive = running(timedelta(hours=2))
        with worker_connection() as worker:
            worker.execute("SELECT pg_advisory_lock(%s, %s)", _lock_key(alive.pk))
            assert recover_stale_tasks() == 1
            assert status(alive) == TaskResultStatus.RUNNING
        # The worker's session is gone, and so is its lease.
        assert recover_stale_tasks() == 1
        assert status(alive) == TaskResultStatus.READY
    else:
        assert recover_stale_tasks() == 1
    assert status(old) == TaskResultStatus.READY
    assert status(young) == TaskResultStatus.RUNNING
    old.refresh_from_db()
    assert old.worker_ids == ["gone"]  # the history of who tried stays


@pytest.mark.django_db
def test_the_periodic_pass_recovers_first(settings):
    running(timedelta(hours=2))
    assert run_once()["tasks_recovered"] == 1
