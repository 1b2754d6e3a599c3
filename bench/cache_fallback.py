"""What the Redis cache (otklik/lib/cache.py) costs a request: the rate-limit pair (add + incr)
and a figure's get, against the Redis at 127.0.0.1:6379 (db 15), against a dead port while the
back-off holds (local memory only), and against a dead port tried on every call (the moment of
the outage: a refused connection each time).

    .venv/bin/python bench/cache_fallback.py [--ops 20000]

A refused connection is the cheap case; a Redis that stops answering costs up to the socket
timeouts (REDIS_CONNECT_TIMEOUT / REDIS_TIMEOUT) once per process per REDIS_RETRY_AFTER.
"""

import argparse
import os
import socket
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")

import django

django.setup()

import logging  # noqa: E402

from django.core.cache.backends.redis import RedisCache  # noqa: E402

from otklik.lib.cache import ResilientRedisCache  # noqa: E402

LIVE = "redis://127.0.0.1:6379/15"

logging.getLogger("otklik.lib.cache").setLevel(logging.ERROR)


def dead_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(label: str, cache, ops: int) -> None:
    prefix = uuid.uuid4().hex
    started = time.perf_counter()
    for i in range(ops):
        key = f"{prefix}:{i % 100}"
        if not cache.add(key, 1, timeout=70):
            cache.incr(key)
        cache.get(f"{prefix}:figure")
    elapsed = time.perf_counter() - started
    print(f"{label:<48} {ops / elapsed:>9.0f} requests/s  {elapsed / ops * 1e6:>7.1f} µs each")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ops", type=int, default=20_000)
    ops = parser.parse_args().ops
    live = ResilientRedisCache(LIVE, {"KEY_PREFIX": "bench"})
    assert live.add("bench-probe", 1, timeout=5) is not None and live.redis_available, "no Redis"
    run("Redis up", live, ops)
    run("Redis up, Django's RedisCache (for comparison)", RedisCache(LIVE, {}), ops)
    backoff = ResilientRedisCache(f"redis://127.0.0.1:{dead_port()}/0", {})
    run("Redis down, in back-off (local memory)", backoff, ops)
    every = ResilientRedisCache(
        f"redis://127.0.0.1:{dead_port()}/0", {"OPTIONS": {"retry_after": 0}}
    )
    run("Redis down, tried on every call", every, ops // 10)


if __name__ == "__main__":
    main()
