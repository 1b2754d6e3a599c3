"""Readiness: can this process serve? Each check is small, timed, and never raises.

A load balancer asks /ready/ every few seconds, so the checks touch each dependency once and
cheaply: one query, one cache write, one tiny file. A failed check says only the class of the
error (the page is public); the full error goes to the log.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

log = logging.getLogger(__name__)

MIN_SECRET_KEY_LENGTH = 32

# Once every migration is applied it stays applied for the life of the process (the code does
# not change under it), so the migration graph is read from disk once, not at every probe.
_migrations_applied = False


class NotReady(Exception):
    """A check found a problem it can name."""


@dataclass(frozen=True)
class Result:
    name: str
    ok: bool
    ms: float
    error: str = ""

    def as_dict(self) -> dict:
        data: dict = {"status": "ok" if self.ok else "fail", "ms": self.ms}
        if self.error:
            data["error"] = self.error
        return data


def check_database() -> None:
    global _migrations_applied
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    if _migrations_applied:
        return
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise NotReady("migrations not applied")
    _migrations_applied = True


def check_cache() -> None:
    key = f"otklik:ready:{uuid.uuid4().hex}"
    cache.set(key, "1", 30)
    found = cache.get(key)
    cache.delete(key)
    if found != "1":
        raise NotReady("cache does not keep values")


def check_tasks() -> None:
    backend = settings.TASKS["default"]["BACKEND"]
    if not backend.startswith("django_tasks_db."):
        return
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(status="READY").exists()


def check_storage() -> None:
    name = default_storage.save(f"ready/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    default_storage.delete(name)


def check_settings() -> None:
    if len(settings.SECRET_KEY) < MIN_SECRET_KEY_LENGTH:
        raise NotReady("SECRET_KEY too short")
    if not settings.DEBUG and (not settings.ALLOWED_HOSTS or "*" in settings.ALLOWED_HOSTS):
        raise NotReady("ALLOWED_HOSTS must name the hosts")


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "tasks": check_tasks,
    "storage": check_storage,
    "settings": check_settings,
}


def run_check(name: str, check: Callable[[], None]) -> Result:
    started = time.perf_counter()
    try:
        check()
    except NotReady as exc:
        error = str(exc)
    except Exception as exc:
        log.warning("readiness check %s failed", name, exc_info=True)
        error = type(exc).__name__
    else:
        error = ""
    ms = round((time.perf_counter() - started) * 1000, 1)
    return Result(name=name, ok=not error, ms=ms, error=error)


def run_checks() -> list[Result]:
    return [run_check(name, check) for name, check in CHECKS.items()]
