"""Reads of the analytics from a PostgreSQL read replica, everything else from the primary.

Without a "replica" database (DATABASE_REPLICA_URL unset, the default) the router answers
nothing and Django behaves as it would without it. With one:

- writes always go to default, and migrations run only there;
- reads of the KPI rollups (KpiDay, KpiAnswerTime) go to the replica wherever they happen, and
  so does every read inside `replica_reads()` (the ranking, the weekly review, its heat map);
- but reads stay on default, replica or not, when the process has written in the current request
  or task (read-your-writes: a page shown after a change must show the change), inside a
  transaction on default, inside `primary_reads()` (the rollup refresh and rebuild, which read
  what they write), and for RollupState, RankingSettings and sessions (bookkeeping and settings
  someone has just saved).

The rollups are figures of whole days, refreshed as the lifecycle moves; a replica some seconds
behind shows them some seconds later, which is why only they and the analytics read paths move.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.signals import request_started
from django.db import DEFAULT_DB_ALIAS, connections
from django_tasks_db.compat import task_started  # the signal of the Django version in use

REPLICA = "replica"
ROLLUP_MODELS = frozenset({"analytics.kpiday", "analytics.kpianswertime"})
PRIMARY_MODELS = frozenset(
    {"analytics.rollupstate", "analytics.rankingsettings", "sessions.session"}
)
# The database cache's pseudo-model: caching a figure is not a write of the request's data.
NOT_A_WRITE = frozenset({"django_cache"})

_mode: ContextVar[str] = ContextVar("otklik_read_mode", default="")
_wrote: ContextVar[bool] = ContextVar("otklik_wrote", default=False)


def replica_configured() -> bool:
    return REPLICA in connections.settings


@contextmanager
def replica_reads() -> Iterator[None]:
    """Send the reads inside to the replica (a lag-tolerant analytics read path). Also a
    decorator. Has no effect inside `primary_reads()` or after a write."""
    token = _mode.set("primary" if _mode.get() == "primary" else "replica")
    try:
        yield
    finally:
        _mode.reset(token)


@contextmanager
def primary_reads() -> Iterator[None]:
    """Keep every read inside on default (code that reads what it has just written)."""
    token = _mode.set("primary")
    try:
        yield
    finally:
        _mode.reset(token)


def forget_writes(**kwargs) -> None:
    """A new request or task starts without the previous one's writes."""
    _wrote.set(False)


request_started.connect(forget_writes, dispatch_uid="otklik.lib.db_router.forget_writes")
task_started.connect(forget_writes, dispatch_uid="otklik.lib.db_router.forget_writes")


def _on_replica_allowed() -> bool:
    return (
        replica_configured()
        and _mode.get() != "primary"
        and not _wrote.get()
        and not connections[DEFAULT_DB_ALIAS].in_atomic_block
    )


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        # The database cache's pseudo-model has no label_lower, only its app_label.
        label = getattr(model._meta, "label_lower", model._meta.app_label)
        if label in PRIMARY_MODELS or not _on_replica_allowed():
            return None
        if label in ROLLUP_MODELS or _mode.get() == "replica":
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        if model._meta.app_label not in NOT_A_WRITE:
            _wrote.set(True)
        # An object read from the replica is saved to default all the same.
        return DEFAULT_DB_ALIAS if replica_configured() else None

    def allow_relation(self, obj1, obj2, **hints):
        if replica_configured() and {obj1._state.db, obj2._state.db} <= {
            DEFAULT_DB_ALIAS,
            REPLICA,
        }:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None
