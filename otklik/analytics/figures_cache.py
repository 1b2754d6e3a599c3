"""Computed figures (KPI sets, rankings) kept in the cache until what they are made of changes.

The KPIs of a scope and period take tens of milliseconds to compute from the rollups, and the
same few are asked for again and again (the REST API's `kpis` and `ranking`), while the rollups
change only when the outbox hands a batch over, a rebuild runs, or a forecast is stored. Each of
those bumps one version (`bump`, when its transaction commits); a kept figure made under an
older version is stale. During a storm the outbox bumps every second or so, and the figures
would be recomputed on every request: a stale figure is still served while it is younger than
settings.ANALYTICS_FIGURES_MAX_STALE seconds (30; 0: never), so each is recomputed at most that
often. What changes without a bump (a unit's name) shows within TIMEOUT seconds.

The caller checks access first: a key holds the figures of a scope, never a person's rights.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "analytics:figures-version"
TIMEOUT = 300  # seconds: the bound for changes that bump nothing
clock = time.time_ns  # replaceable in tests
T = TypeVar("T")


def version() -> int:
    """The current version (a token: only compared for equality); a new one when the cache
    lost it, never an old one again."""
    found = cache.get(VERSION_KEY)
    if found is None:
        cache.add(VERSION_KEY, clock(), None)
        found = cache.get(VERSION_KEY, 0)
    return found


def new_version() -> None:
    """Make every kept figure stale, now."""
    cache.set(VERSION_KEY, clock(), None)


def bump() -> None:
    """Make every kept figure stale once the transaction commits: before that the readers see
    the old rows anyway, and a write of the version inside the transaction would hold its row
    of the database cache locked until the commit (another writer's bump would wait)."""
    transaction.on_commit(new_version)


def cached(parts: tuple, compute: Callable[[], T]) -> T:
    """`compute()`'s value for the key made of `parts` (reprs of scope, period, day, …): the
    kept one when it was made under the current version or is young enough, else made anew."""
    key = "analytics:figures:" + hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    current = version()
    found = cache.get(key)
    if found is not None:
        made_under, made_at, value = found
        max_stale = settings.ANALYTICS_FIGURES_MAX_STALE * 1_000_000_000
        if made_under == current or clock() - made_at <= max_stale:
            return value
    made_at = clock()  # before computing: a change while it runs leaves the result stale
    value = compute()
    cache.set(key, (current, made_at, value), TIMEOUT)
    return value
