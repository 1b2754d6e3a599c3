"""Fixed-window rate counters (the API's per-token limit, the filing limits): one statement per
hit whatever the shared cache is.

With the database cache (the default), `take` is a single upsert on `RateCounter` that counts the
hit only while the key is under its limit, and answers whether it did. Django's database cache
needs six statements and a transaction for an `incr` (a cull count, a select, an update) and five
more for the `add` before it. With Redis or a local cache (tests), the cache's own add/incr are
cheap and are used. `purge` removes the rows of windows long past (a periodic job).
"""

from __future__ import annotations

import contextlib
import time

from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection
from django.db.models import F

from .models import RateCounter

_TABLE = RateCounter._meta.db_table
# Hits counted only while under the limit; a new window starts again at one. No row back: the
# key is at its limit in this window and nothing was counted.
_UPSERT = (
    f"INSERT INTO {_TABLE} (key, period, hits, expires) VALUES (%s, %s, 1, %s) "  # noqa: S608
    f"ON CONFLICT (key) DO UPDATE SET "
    f"hits = CASE WHEN {_TABLE}.period = excluded.period THEN {_TABLE}.hits + 1 ELSE 1 END, "
    f"period = excluded.period, expires = excluded.expires "
    f"WHERE {_TABLE}.period <> excluded.period OR {_TABLE}.hits < %s "
    f"RETURNING hits"
)


def in_database() -> bool:
    """Whether the shared cache is the database (then the counters are rows of RateCounter)."""
    return isinstance(caches["default"], DatabaseCache)


def _cache_count(key: str, timeout: int) -> int:
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # the window's key expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1


def take(key: str, *, limit: int, window: int, now: float | None = None) -> bool:
    """Count one hit of `key` in its current `window`-second window if it has had fewer than
    `limit`; False (nothing counted on the database, the hit counted on a cache) when it had."""
    now = time.time() if now is None else now
    period = int(now // window)
    if not in_database():
        return _cache_count(f"{key}:{period}", window + 60) <= limit
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [key, period, (period + 1) * window + 60, limit])
        return cursor.fetchone() is not None


def give_back(key: str, *, window: int, now: float | None = None) -> None:
    """Uncount one hit of `key` taken in this window (a filing refused by another limit)."""
    now = time.time() if now is None else now
    period = int(now // window)
    if not in_database():
        with contextlib.suppress(ValueError):  # the window's key is gone: nothing to give back
            cache.decr(f"{key}:{period}")
        return
    RateCounter.objects.filter(key=key, period=period, hits__gt=0).update(hits=F("hits") - 1)


def hits(key: str, *, window: int, now: float | None = None) -> int:
    """Hits of `key` in its current window (for tests and the admin)."""
    now = time.time() if now is None else now
    period = int(now // window)
    if not in_database():
        return cache.get(f"{key}:{period}", 0)
    row = RateCounter.objects.filter(key=key, period=period).values_list("hits", flat=True)
    return next(iter(row), 0)


def purge(now: float | None = None) -> int:
    """Delete the counters of windows long past; the number deleted."""
    now = time.time() if now is None else now
    deleted, _ = RateCounter.objects.filter(expires__lt=int(now)).delete()
    return deleted
