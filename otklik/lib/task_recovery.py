"""Tasks whose worker died, put back in the queue.

django_tasks_db marks a task RUNNING when a worker claims it and never looks at it again, so a
worker killed mid-task (SIGKILL, out of memory, a lost machine) would leave it RUNNING for ever.
The rule:

- PostgreSQL: while a worker runs a task its connection holds a session advisory lock keyed by
  the task's id (taken on `task_started`, released on `task_finished`); PostgreSQL drops the lock
  by itself when the worker's connection dies. A task RUNNING for longer than
  TASK_RECOVERY_GRACE_SECONDS whose lock nobody holds has no live worker: it goes back to READY.
- SQLite (the embedded mode: one worker on one machine, no locks to ask): a task RUNNING for
  longer than TASK_STALE_SECONDS (an hour by default) goes back to READY.

`run_periodic` does it on every pass. A task may therefore run twice; every task of the project
is idempotent (appeals/outbox.py, notifications/tasks.py): its effect happens once.
"""

from __future__ import annotations

import logging
import uuid
import zlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.dispatch import receiver
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import TaskResultStatus, task_finished, task_started
from django_tasks_db.models import DBTaskResult

log = logging.getLogger(__name__)

# The first key of the two-key advisory lock: this module's locks never meet anyone else's.
LOCK_CLASS = 0x4F544B  # "OTK"


def _lock_key(task_id) -> tuple[int, int]:
    """The advisory lock of a task: (class, a signed 32-bit hash of the task's id)."""
    digest = zlib.crc32(uuid.UUID(str(task_id)).bytes)
    return LOCK_CLASS, digest - 2**32 if digest >= 2**31 else digest


def _holds_leases(sender) -> bool:
    return (
        isinstance(sender, type)
        and issubclass(sender, DatabaseBackend)
        and connection.vendor == "postgresql"
    )


@receiver(task_started)
def _take_lease(sender, task_result, **kwargs) -> None:
    # A signal receiver that raised would fail the task: a lease that cannot be taken is only
    # logged (the task then looks abandoned and may run again, which is safe).
    if not _holds_leases(sender):
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", _lock_key(task_result.id))
    except DatabaseError:
        log.warning("no lease for task %s", task_result.id, exc_info=True)


@receiver(task_finished)
def _release_lease(sender, task_result, **kwargs) -> None:
    if not _holds_leases(sender):
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", _lock_key(task_result.id))
    except DatabaseError:
        # The connection died with the task: so did its lock.
        log.warning("lease of task %s not released", task_result.id, exc_info=True)


def _is_abandoned(task: DBTaskResult) -> bool:
    """Whether no live worker holds the task's lease (PostgreSQL)."""
    key = _lock_key(task.pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
        free = cursor.fetchone()[0]
        if free:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)
    return free


def recover_stale_tasks(*, now: datetime | None = None) -> int:
    """Put the RUNNING tasks whose worker died back to READY; returns how many."""
    now = now or timezone.now()
    postgres = connection.vendor == "postgresql"
    age = settings.TASK_RECOVERY_GRACE_SECONDS if postgres else settings.TASK_STALE_SECONDS
    running = DBTaskResult.objects.running().filter(started_at__lt=now - timedelta(seconds=age))
    recovered = 0
    for task in running.only("pk", "task_path", "worker_ids"):
        if postgres and not _is_abandoned(task):
            continue
        # Only if still RUNNING: a worker may have finished it meanwhile.
        if DBTaskResult.objects.filter(pk=task.pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.READY, started_at=None
        ):
            log.warning(
                "task %s (%s) of dead worker %s put back in the queue",
                task.pk,
                task.task_path,
                (task.worker_ids or ["?"])[-1],
            )
            recovered += 1
    return recovered
