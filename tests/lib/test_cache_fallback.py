"""The Redis cache of scale-out mode (otklik/lib/cache.py): REDIS_URL alone turns it on, it is
a real Redis cache while Redis answers, and a Redis outage never breaks a request — the rate
limits keep counting in the process's memory and Redis is used again once it is back.

Needs the Redis of the machine at 127.0.0.1:6379 and the redis-server binary: missing, the tests
fail."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
import uuid
from datetime import UTC, datetime

import pytest
import redis
import time_machine
from django.core.cache.backends.redis import RedisCache
from django.test import Client, override_settings
from redis.backoff import NoBackoff
from redis.retry import Retry

from otklik.appeals.models import Appeal
from otklik.lib import cache as cache_module
from otklik.lib.cache import ResilientRedisCache
from tests.lib.fresh_settings import settings_in_subprocess

LIVE = "redis://127.0.0.1:6379/15"  # the machine's Redis; db 15 and a fresh prefix per test
API = "/api/v1/directory/categories"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, what: str, deadline: float = 10.0):
    end = time.monotonic() + deadline
    while not condition():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.02)


class RedisServer:
    """A redis-server of this test's own on a free port, which the test can kill and restart."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        assert self.binary, "redis-server is not on PATH"
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(
            port=self.port,
            socket_connect_timeout=0.5,
            socket_timeout=0.5,
            retry=Retry(NoBackoff(), 0),  # the default backs off for seconds on a dead server
        )

    def _answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.ConnectionError:
            return False

    def start(self) -> None:
        options = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        self.process = subprocess.Popen(  # noqa: S603
            [self.binary, *options, "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(self._answers, "redis-server to answer")
        except AssertionError:
            self.process.kill()
            raise

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)
        assert not self._answers()


@pytest.fixture
def own_redis():
    server = RedisServer()
    server.start()
    yield server
    if server.process.poll() is None:
        server.kill()


@pytest.fixture
def health():
    """Every test starts with every Redis location believed up."""
    cache_module._health.clear()
    yield
    cache_module._health.clear()


def resilient(location: str, prefix: str, **options) -> dict:
    return {
        "default": {
            "BACKEND": "otklik.lib.cache.ResilientRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": prefix,
            "OPTIONS": options,
        }
    }


def test_redis_url_alone_switches_the_cache_to_redis(tmp_path):
    expression = '[s.CACHES["default"]["BACKEND"], s.CACHES["default"].get("LOCATION")]'
    assert settings_in_subprocess(
        {"REDIS_URL": "redis://cache.internal:6379/2"}, expression, tmp_path
    ) == [
        "otklik.lib.cache.ResilientRedisCache",
        "redis://cache.internal:6379/2",
    ]
    assert settings_in_subprocess({}, expression, tmp_path) == [
        "django.core.cache.backends.db.DatabaseCache",
        "otklik_cache",
    ]


def test_every_cache_operation_of_the_product_works_on_the_real_redis(health):
    live = redis.Redis.from_url(LIVE)
    assert live.ping()
    prefix = f"otklik-test-{uuid.uuid4().hex}"
    cache = ResilientRedisCache(LIVE, {"KEY_PREFIX": prefix})
    try:
        # api/ratelimit.py TokenThrottle and accounts/lockout.py: add, then incr.
        assert cache.add("rate", 1, timeout=70)
        assert not cache.add("rate", 1, timeout=70)
        assert cache.incr("rate") == 2
        with pytest.raises(ValueError):
            cache.incr("never-added")
        # analytics/public_figures.py: get_or_set, add, set.
        assert cache.get_or_set("count", lambda: 41, 600) == 41
        assert cache.get_or_set("count", lambda: 99, 600) == 41
        cache.set("figures", {"open": 3}, 600)
        assert cache.get("figures") == {"open": 3}
        # accounts/lockout.py: get_many, set, delete_many.
        assert cache.get_many(["rate", "figures", "missing"]) == {"rate": 2, "figures": {"open": 3}}
        cache.delete_many(["rate", "figures"])
        assert cache.get("rate") is None
        assert cache.has_key("count")
        assert cache.touch("count", 30)
        assert cache.delete("count")
        cache.set("kept", "in redis", 600)
        # It is Redis that holds them, not this process.
        assert live.get(f"{prefix}:1:kept") is not None
        assert 0 < live.ttl(f"{prefix}:1:kept") <= 600
        assert cache.redis_available
    finally:
        keys = live.keys(f"{prefix}:*")
        if keys:
            live.delete(*keys)


def test_with_redis_unreachable_every_operation_answers_from_local_memory(health, caplog):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    cache = ResilientRedisCache(dead, {"KEY_PREFIX": "t", "OPTIONS": {"retry_after": 0}})
    with caplog.at_level(logging.WARNING, logger="otklik.lib.cache"):
        assert cache.get("anything", "default") == "default"
        assert cache.get_many(["a", "b"]) == {}
        assert cache.get_or_set("count", lambda: 7, 600) == 7
        assert cache.add("rate", 1, timeout=70)
        assert cache.incr("rate") == 2
        assert cache.incr("rate") == 3
        cache.set("lock", "until", 60)
        assert cache.get_many(["lock", "rate"]) == {"lock": "until", "rate": 3}
        cache.delete_many(["lock"])
        assert not cache.has_key("lock")
        assert not cache.redis_available
    # Tried on every call (no back-off here), warned once a minute.
    warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(warnings) == 1
    assert "127.0.0.1" in warnings[0].getMessage()


def test_after_a_failure_redis_is_left_alone_for_the_back_off(health, monkeypatch):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    cache = ResilientRedisCache(dead, {"OPTIONS": {"retry_after": 5}})
    now = [1000.0]
    monkeypatch.setattr(cache_module, "clock", lambda: now[0])
    tried = []
    redis_get = RedisCache.get

    def counting_get(self, *args, **kwargs):
        tried.append(now[0])
        return redis_get(self, *args, **kwargs)

    monkeypatch.setattr(RedisCache, "get", counting_get)
    assert cache.get("k") is None
    assert cache.get("k") is None
    now[0] += 4.9
    assert cache.get("k") is None
    assert tried == [1000.0]
    now[0] += 0.2
    assert cache.get("k") is None
    assert tried == [1000.0, 1005.1]


def test_a_password_in_the_redis_url_is_never_logged(health, caplog):
    port = free_port()
    cache = ResilientRedisCache(f"redis://:s3cret@127.0.0.1:{port}/0", {})
    with caplog.at_level(logging.WARNING, logger="otklik.lib.cache"):
        cache.get("k")
    assert "s3cret" not in caplog.text
    assert f"redis://***@127.0.0.1:{port}/0" in caplog.text


@pytest.mark.django_db
def test_the_api_rate_limit_keeps_counting_while_redis_is_down_and_uses_it_again_after(
    health, own_redis, region
):
    prefix = f"otklik-test-{uuid.uuid4().hex}"
    client = Client()
    key = f"{prefix}:1:api-rate:a127.0.0.1:"

    def codes(n: int) -> list[int]:
        return [client.get(API).status_code for _ in range(n)]

    caches = resilient(own_redis.url, prefix, retry_after=0)
    # One fixed rate window: the clock stands still at 20 s past a minute.
    moment = datetime(2026, 3, 2, 9, 0, 20, tzinfo=UTC)
    with (
        override_settings(CACHES=caches, API_ANON_RATE_PER_MINUTE=3),
        time_machine.travel(moment, tick=False),
    ):
        window = int(moment.timestamp() // 60)
        assert codes(2) == [200, 200]
        assert int(own_redis.client().get(f"{key}{window}")) == 2

        own_redis.kill()
        # Redis is gone: the portal and the API still answer, and the limit still holds,
        # counted from zero in this process's memory.
        assert codes(4) == [200, 200, 200, 429]

        own_redis.start()  # a fresh, empty Redis on the same port
        assert codes(1) == [200]
        assert int(own_redis.client().get(f"{key}{window}")) == 1
        assert codes(3) == [200, 200, 429]
        assert int(own_redis.client().get(f"{key}{window}")) == 4


@pytest.mark.django_db
def test_with_redis_down_the_portal_still_accepts_an_appeal(
    health, client, citizen, region, municipality, category
):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    client.force_login(citizen)
    with override_settings(CACHES=resilient(dead, "t")):
        page = client.get("/report/")
        assert page.status_code == 200
        response = client.post(
            "/report/",
            {
                "form_key": str(uuid.uuid4()),
                "category": str(category.pk),
                "latitude": str(municipality.center_lat),
                "longitude": str(municipality.center_lon),
                "address": "г. Липецк, ул. Московская, 12",
                "text": "Глубокая яма на проезжей части у дома 12 по улице Московской.",
            },
        )
        appeal = Appeal.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"/appeals/{appeal.number}/"
        assert client.get(response["Location"]).status_code == 200
        assert client.get("/appeals/").status_code == 200  # the public list's cached count
