"""Login throttling: failed attempts counted per account and per client address in the shared
cache (the database cache embedded, Redis in scale-out, so every process and machine counts
together); past a threshold within a window the account, or the address, is locked for a while.

The password step and the second-factor step count into the same counters and obey the same
locks. An account is named by the address typed into the form, whether or not it exists, so a
locked unknown address answers exactly like a locked real one (no user enumeration).

Windows are fixed (numbered from the epoch), like the API's rate limit: a counter key carries its
window's number, so a cache that resets a key's expiry on `incr` (the database cache does)
cannot stretch a window. An attacker gets at most 2×N−1 guesses across a window boundary, then
the lock.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache

from otklik.lib.client import client_ip

log = logging.getLogger("otklik.security")


@dataclass(frozen=True)
class Lock:
    """Why attempts are refused and until when."""

    scope: str  # "account" or "address"
    until: datetime


def client_address(request) -> str:
    """The client's IP address as otklik/lib/client.py finds it (X-Forwarded-For only from
    TRUSTED_PROXIES): behind nginx every request would otherwise come from the proxy, and one
    guesser would lock everybody out."""
    return client_ip(request) or "unknown"


def _account_id(email: str) -> str:
    # Hashed: keys stay short and the cache does not hold addresses in clear.
    normalized = (email or "").strip().lower()
    return hashlib.sha256(normalized.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _limits() -> dict[str, int]:
    return {
        "account": settings.LOGIN_FAILURES_PER_ACCOUNT,
        "address": settings.LOGIN_FAILURES_PER_ADDRESS,
    }


def _window(now: float) -> int:
    return int(now // (settings.LOGIN_FAILURE_WINDOW_MINUTES * 60))


def _subjects(email: str, address: str) -> dict[str, str]:
    return {"account": _account_id(email), "address": address}


def current_lock(*, email: str, address: str) -> Lock | None:
    """The lock that refuses an attempt for this account from this address, if any."""
    now = time.time()
    keys = {
        scope: f"login-lock:{scope}:{ident}" for scope, ident in _subjects(email, address).items()
    }
    found = cache.get_many(list(keys.values()))
    for scope, key in keys.items():
        until = found.get(key)
        if until is not None and until > now:
            return Lock(scope=scope, until=datetime.fromtimestamp(until, tz=UTC))
    return None


def _count(key: str, timeout: int) -> int:
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1
    # The database cache's incr writes the key again with the default timeout; keep the window's.
    cache.touch(key, timeout)
    return count


def register_failure(*, email: str, address: str, step: str) -> Lock | None:
    """Count a failed attempt (`step`: "password" or "code"); returns the lock it starts, if the
    attempt was the last one allowed."""
    now = time.time()
    window_seconds = settings.LOGIN_FAILURE_WINDOW_MINUTES * 60
    window = _window(now)
    lock = None
    for scope, ident in _subjects(email, address).items():
        count = _count(f"login-fail:{scope}:{ident}:{window}", window_seconds + 60)
        if count >= _limits()[scope]:
            until = now + settings.LOGIN_LOCKOUT_MINUTES * 60
            cache.set(f"login-lock:{scope}:{ident}", until, timeout=int(until - now) + 1)
            lock = lock or Lock(scope=scope, until=datetime.fromtimestamp(until, tz=UTC))
            log.warning(
                "login locked: %s %s after %d failures (step %s) until %s",
                scope,
                ident if scope == "address" else f"account#{ident[:12]}",
                count,
                step,
                datetime.fromtimestamp(until, tz=UTC).isoformat(timespec="seconds"),
            )
    return lock


def clear_failures(*, email: str) -> None:
    """A complete login (with the second factor, where one is asked) forgets the account's
    failures. The address's are kept: one good account must not reset a guesser's count."""
    window = _window(time.time())
    ident = _account_id(email)
    cache.delete_many([f"login-fail:account:{ident}:{w}" for w in (window - 1, window)])
