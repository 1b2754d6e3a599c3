"""/metrics: Prometheus text, who may read it, request counters (across processes too) and the
figures read from the database at scrape time."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import OperationalError
from django_tasks_db.models import DBTaskResult, get_date_max
from prometheus_client.parser import text_string_to_metric_families

from otklik.appeals.workflow import Status
from otklik.notifications.models import WebhookDelivery, WebhookSubscription

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_figures(settings):
    settings.METRICS_CACHE_SECONDS = 0
    settings.METRICS_TOKEN = ""
    settings.PROMETHEUS_MULTIPROC_DIR = ""


def samples(response) -> dict[tuple, float]:
    """{(name, (label pairs…)): value} of an exposition."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_loopback_reads_the_metrics_without_a_token(client):
    assert client.get("/metrics").status_code == 200


def test_a_remote_client_gets_404_without_a_configured_token(client):
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 404


def test_a_request_through_a_proxy_is_not_loopback(client):
    # nginx on the same machine connects from 127.0.0.1 but adds the client's address.
    response = client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 404


def test_with_a_token_only_its_bearer_reads_the_metrics(client, settings):
    settings.METRICS_TOKEN = "s3cret-scrape-token"
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer guess")
    assert wrong.status_code == 401
    assert wrong["WWW-Authenticate"].startswith("Bearer")
    right = client.get(
        "/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token"
    )
    assert right.status_code == 200


def test_requests_are_counted_by_method_route_and_status_class(client):
    before = samples(client.get("/metrics"))
    client.get("/health/")
    client.get("/health/")
    client.get("/no-such-page/")
    after = samples(client.get("/metrics"))

    def delta(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert delta("otklik_http_requests_total", method="GET", route="health", status="2xx") == 2
    assert delta("otklik_http_requests_total", method="GET", route="unmatched", status="4xx") == 1
    assert delta("otklik_http_request_duration_seconds_count", method="GET", route="health") == 2
    assert (
        delta(
            "otklik_http_request_duration_seconds_bucket", method="GET", route="health", le="+Inf"
        )
        == 2
    )


def test_overdue_open_appeals_are_counted_per_region_as_the_product_defines_them(client, appeal_in):
    with time_machine.travel(NOW - timedelta(days=60), tick=False):
        late = appeal_in(Status.IN_PROGRESS)
        appeal_in(Status.CLOSED)  # answered: not open
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        appeal_in(Status.IN_PROGRESS)  # not due yet
    with time_machine.travel(NOW, tick=False):
        found = samples(client.get("/metrics"))
    assert late.due_at < NOW
    assert found[("otklik_appeals_overdue_open", (("region", "48"),))] == 1
    # Appeals filed: the numbers given out (three, one per appeal).
    assert found[("otklik_appeals_filed_total", (("region", "48"),))] == 3


def test_the_task_queue_depth_and_the_age_of_the_oldest_ready_task(client):
    def task(status, **fields):
        return DBTaskResult.objects.create(
            status=status,
            args_kwargs={"args": [], "kwargs": {}},
            task_path="otklik.notifications.tasks.send_notification",
            backend_name="default",
            run_after=fields.pop("run_after", get_date_max()),
            **fields,
        )

    with time_machine.travel(NOW - timedelta(minutes=10), tick=False):
        task("READY")
        task("SUCCESSFUL", finished_at=NOW - timedelta(minutes=9))
    with time_machine.travel(NOW - timedelta(minutes=1), tick=False):
        task("READY")
        task("READY", run_after=NOW + timedelta(hours=1))  # not due: not waiting
        task("RUNNING")
    with time_machine.travel(NOW, tick=False):
        found = samples(client.get("/metrics"))
    assert found[("otklik_tasks", (("status", "ready"),))] == 3
    assert found[("otklik_tasks", (("status", "running"),))] == 1
    assert found[("otklik_tasks", (("status", "successful"),))] == 1
    assert found[("otklik_tasks", (("status", "failed"),))] == 0
    assert found[("otklik_tasks_oldest_ready_age_seconds", ())] == 600


def test_failing_webhooks_are_counted(client, operator):
    subscription = WebhookSubscription.objects.create(
        owner=operator, name="Город", url="https://city.example.ru/hook", secret="x" * 32
    )
    WebhookSubscription.objects.create(
        owner=operator,
        name="Бот",
        url="https://bot.example.ru/hook",
        secret="y" * 32,
        is_active=False,
        disabled_reason="failing for 3 days",
    )
    for state, attempts in [("pending", 0), ("pending", 3), ("failed", 8), ("delivered", 1)]:
        WebhookDelivery.objects.create(
            subscription=subscription,
            event_type="appeal.status_changed",
            payload={},
            state=state,
            attempts=attempts,
        )
    found = samples(client.get("/metrics"))
    assert found[("otklik_webhook_deliveries_retrying", ())] == 1
    assert found[("otklik_webhook_deliveries_failed", ())] == 1
    assert found[("otklik_webhook_subscriptions_disabled", ())] == 1
    assert found[("otklik_metrics_database_up", ())] == 1


def test_database_figures_are_read_once_per_cache_period(
    client, settings, django_assert_num_queries
):
    settings.METRICS_CACHE_SECONDS = 30
    client.get("/metrics")
    with django_assert_num_queries(0):
        assert client.get("/metrics").status_code == 200


COUNT_IN_A_WORKER = """
from otklik.ops import http_metrics
for _ in range({n}):
    http_metrics.observe(method="GET", route="portal:home", status=200, seconds=0.02)
"""


def test_counters_of_several_worker_processes_are_summed(client, settings, tmp_path):
    # Two gunicorn workers, each its own process writing its own file in the shared directory.
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    for n in (3, 4):
        subprocess.run(  # noqa: S603
            [sys.executable, "-c", COUNT_IN_A_WORKER.format(n=n)],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=60,
        )
    settings.PROMETHEUS_MULTIPROC_DIR = str(tmp_path)
    found = samples(client.get("/metrics"))
    key = (("method", "GET"), ("route", "portal:home"), ("status", "2xx"))
    assert found[("otklik_http_requests_total", key)] == 7
    assert (
        found[
            (
                "otklik_http_request_duration_seconds_bucket",
                (("le", "0.025"), ("method", "GET"), ("route", "portal:home")),
            )
        ]
        == 7
    )
    assert found[("otklik_tasks", (("status", "ready"),))] == 0


def test_a_broken_database_gives_database_up_0_and_still_the_request_counters(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr("otklik.ops.gauges.compute", broken)
    client.get("/health/")
    found = samples(client.get("/metrics"))
    assert found[("otklik_metrics_database_up", ())] == 0
    assert any(name == "otklik_http_requests_total" for name, _labels in found)


def test_a_broken_cache_does_not_break_the_scrape(client, settings, monkeypatch):
    def broken(*args, **kwargs):
        raise AttributeError("a cache back end that fails")

    settings.METRICS_CACHE_SECONDS = 30
    monkeypatch.setattr("otklik.ops.gauges.cache.get", broken)
    found = samples(client.get("/metrics"))
    assert found[("otklik_metrics_database_up", ())] == 1
    assert found[("otklik_tasks", (("status", "ready"),))] == 0
