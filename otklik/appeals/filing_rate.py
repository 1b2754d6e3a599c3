"""How many appeals one person and one address may file in an hour.

FILING_RATE_PER_HOUR per user and FILING_RATE_PER_HOUR_PER_IP per client address (0 turns a
limit off), counted in fixed clock-hour windows in the shared cache (the database cache, or
Redis in scale-out). A retry of a filing already made is not a filing: callers ask
`services.filed_with_key` first. When the cache is out of reach the limit is not applied and a
warning is logged: taking in an appeal matters more than the limit.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from otklik.accounts import rate_counters

logger = logging.getLogger(__name__)
WINDOW = 3600


@dataclass(frozen=True)
class Refusal:
    """A filing refused: the limit is reached until `until`."""

    until: datetime

    def retry_after(self, now: datetime | None = None) -> int:
        """Seconds until filing is possible again (at least one)."""
        now = now or timezone.now()
        return max(1, math.ceil((self.until - now).total_seconds()))


def _count(key: str) -> int:
    if cache.add(key, 1, timeout=WINDOW + 60):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # the window's key expired between add and incr
        cache.add(key, 1, timeout=WINDOW + 60)
        return 1


def _take_in_database(limits: dict, *, now: float, refusal: Refusal) -> Refusal | None:
    # One upsert per limit, counting only under the limit; a later limit's refusal gives the
    # earlier hits back, so a refused filing counts nothing.
    taken = []
    for windowed, limit in limits.items():
        key = windowed.rsplit(":", 1)[0]
        if not rate_counters.take(key, limit=limit, window=WINDOW, now=now):
            for earlier in taken:
                rate_counters.give_back(earlier, window=WINDOW, now=now)
            return refusal
        taken.append(key)
    return None


def take_filing(*, user, address: str | None, now: datetime | None = None) -> Refusal | None:
    """Count one filing by `user` from `address`; a Refusal, counting nothing, when either has
    reached its limit in this hour (None: go ahead)."""
    now = now or timezone.now()
    window = int(now.timestamp() // WINDOW)
    limits = {}
    if settings.FILING_RATE_PER_HOUR > 0:
        limits[f"filing-rate:u{user.pk}:{window}"] = settings.FILING_RATE_PER_HOUR
    if address and settings.FILING_RATE_PER_HOUR_PER_IP > 0:
        limits[f"filing-rate:a{address}:{window}"] = settings.FILING_RATE_PER_HOUR_PER_IP
    if not limits:
        return None
    refusal = Refusal(until=datetime.fromtimestamp((window + 1) * WINDOW, tz=UTC))
    try:
        if rate_counters.in_database():
            return _take_in_database(limits, now=now.timestamp(), refusal=refusal)
        counts = cache.get_many(list(limits))
        if any(counts.get(key, 0) >= limit for key, limit in limits.items()):
            return refusal
        # Two filings at the same moment may both pass the look above; the count after the
        # increment settles it.
        over = [_count(key) > limit for key, limit in limits.items()]
    except Exception:
        logger.warning(
            "The filing rate limit is not applied: the cache is out of reach", exc_info=True
        )
        return None
    return refusal if any(over) else None
