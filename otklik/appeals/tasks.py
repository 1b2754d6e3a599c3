"""Thin background tasks: they take ids or nothing and call services."""

from __future__ import annotations

from django_tasks import task

# The outbox lives in outbox.py; queued rows name their task by path, so the old path
# `otklik.appeals.tasks.process_outbox` must keep resolving.
from .outbox import process_outbox, process_outbox_batch  # noqa: F401


@task()
def run_import(batch_id: int) -> str:
    """Import a stored batch of appeals (appeals/imports.py); restartable where it stopped."""
    from .imports import run_batch

    return run_batch(batch_id)
