"""A wake-up task queued once, however many writes ask for it.

A task that drains a queue of its own (the outbox's `process_outbox`) needs waking after a write,
not once per write: in a storm of 300 appeals a second, one row in the task table per appeal is a
second commit per filing and a worker busy claiming tasks that find nothing left to do. So a
wake-up is queued only when no run of the task is waiting yet. Called after the write's commit,
that is enough: a run still waiting in the queue starts after this commit and sees what it wrote.
A run already started may have missed it, so a running one does not count.

With a task backend other than django_tasks_db's (tests may use the immediate one), every call
enqueues.
"""

from __future__ import annotations

from django.db import router
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult


def enqueue_unless_waiting(task):
    """Queue `task` (no arguments) unless a run of it is waiting in its queue; returns the new
    run's result, or None when one was already waiting."""
    backend = task.get_backend()
    if isinstance(backend, DatabaseBackend):
        # Where the run would be written, never a replica that may lag behind a claim.
        database = router.db_for_write(DBTaskResult)
        waiting = (
            DBTaskResult.objects.using(database)
            .ready()
            .filter(
                task_path=task.module_path,
                queue_name=task.queue_name,
                backend_name=backend.alias,
            )
        )
        if waiting.exists():
            return None
    return task.enqueue()
