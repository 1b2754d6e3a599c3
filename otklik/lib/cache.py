"""The Redis cache of scale-out mode, which a Redis outage never turns into a failed request.

Django's RedisCache with short socket timeouts. When Redis cannot be reached, every operation is
served from a per-process local-memory cache instead: reads miss (or find what this process kept
during the outage), writes stay in this process, and `add`/`incr` keep counting there, so the API
rate limits still hold — per process instead of for the whole installation, the safe side of
"no limit at all" and of "refuse everyone". After a failure Redis is left alone for a short
back-off (no request waits on a dead server), then tried again; the first success empties the
local copy, so nothing kept during the outage outlives it. A warning is logged at most once a
minute per process.

The cache holds nothing that must survive (figures, counts, rate-limit windows): losing writes
during an outage costs a recount, never a wrong decision.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# An unreachable, restarting, timing-out, failed-over (read-only) Redis, or something else
# answering at its address: the cache is never worth a failed request.
OUTAGE = (RedisError, OSError)
CONNECT_TIMEOUT = 0.25  # seconds; a Redis on the same network answers in well under that
SOCKET_TIMEOUT = 0.5
RETRY_AFTER = 5.0  # seconds without trying Redis after a failure
WARN_EVERY = 60.0
LOCAL_MAX_ENTRIES = 10_000
clock = time.monotonic  # replaceable in tests


class _Health:
    """Whether one Redis location is believed down; shared by the threads of a process (Django
    makes one cache object per thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down_until = 0.0
        self.down = False
        self.last_warning = float("-inf")

    def usable(self) -> bool:
        return clock() >= self.down_until

    def failed(self, location: str, retry_after: float, error: Exception) -> None:
        now = clock()
        with self.lock:
            self.down = True
            self.down_until = now + retry_after
            warn = now - self.last_warning >= WARN_EVERY
            if warn:
                self.last_warning = now
        if warn:
            logger.warning(
                "Redis cache at %s is unreachable (%s); serving the cache and rate limits from "
                "this process's memory and trying again every %.0f s",
                _redacted(location),
                error.__class__.__name__,
                retry_after,
            )

    def succeeded(self, location: str) -> bool:
        """Mark the location up; True when it was down until now (the caller empties the local
        copy once)."""
        if not self.down:
            return False
        with self.lock:
            was_down, self.down = self.down, False
        if was_down:
            logger.warning("Redis cache at %s is reachable again", _redacted(location))
        return was_down


_health: dict[str, _Health] = {}
_health_lock = threading.Lock()


def _health_of(location: str) -> _Health:
    with _health_lock:
        return _health.setdefault(location, _Health())


def _redacted(location: str) -> str:
    """The location without a password (redis://:secret@host → redis://***@host)."""
    scheme, sep, rest = location.partition("://")
    if sep and "@" in rest:
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return location


class _ReusingClient(RedisCacheClient):
    """Django's client with one redis.Redis per connection pool instead of a new one for every
    command: redis-py 8 takes milliseconds to build one, ten times the command itself. A
    redis.Redis over a pool is safe to share, and Django keeps a cache object per thread."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(
                    self._servers[index], **self._pool_options
                )
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class ResilientRedisCache(RedisCache):
    """RedisCache that falls back to local memory while Redis is unreachable (module docstring).

    OPTIONS take everything RedisCache does (passed to redis-py's connection pool); the socket
    timeouts default to CONNECT_TIMEOUT/SOCKET_TIMEOUT, and `retry_after` (seconds) sets the
    back-off."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("retry_after", RETRY_AFTER))
        options.setdefault("socket_connect_timeout", CONNECT_TIMEOUT)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT)
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = _ReusingClient
        self._location = server if isinstance(server, str) else ",".join(server)
        self._health = _health_of(self._location)
        # LocMemCache instances of one name share their storage within the process.
        self._local = LocMemCache(
            f"otklik-redis-fallback:{self._location}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "VERSION": params.get("VERSION", 1),
                "KEY_FUNCTION": params.get("KEY_FUNCTION"),
                "OPTIONS": {"MAX_ENTRIES": LOCAL_MAX_ENTRIES},
            },
        )

    @property
    def redis_available(self) -> bool:
        """False while this process serves the cache from local memory."""
        return self._health.usable() and not self._health.down

    def _call(self, name: str, *args, **kwargs):
        if self._health.usable():
            try:
                result = getattr(super(), name)(*args, **kwargs)
            except OUTAGE as error:
                self._health.failed(self._location, self.retry_after, error)
            else:
                if self._health.succeeded(self._location):
                    self._local.clear()
                return result
        return getattr(self._local, name)(*args, **kwargs)

    # Every method RedisCache implements itself; the rest of BaseCache (get_or_set, decr,
    # incr_version, the async variants) is built on these.

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout=timeout, version=version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default=default, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout=timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout=timeout, version=version)

    def delete(self, key, version=None):
        return self._call("delete", key, version=version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version=version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version=version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta=delta, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout=timeout, version=version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version=version)

    def clear(self):
        self._local.clear()
        return self._call("clear")
