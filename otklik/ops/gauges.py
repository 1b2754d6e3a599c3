"""Figures read from the database when /metrics is scraped: the task queue, overdue appeals,
failing webhooks, appeals filed.

Every query is a count on an index, on a table the retention job keeps short, or on a few rows
(appeals filed are the numbers given out, appeals/numbers.py), and the whole
set is kept in the shared cache for METRICS_CACHE_SECONDS, so that several Prometheus servers or
a short scrape interval do not multiply the load. Overdue is the product's definition (KPI.md,
`analytics.weekly.worst_overdue`): an open appeal, unanswered, past its `due_at`.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Min
from django.utils import timezone

from otklik.appeals.models import Appeal
from otklik.appeals.numbers import numbers_given
from otklik.appeals.workflow import OPEN_STATUSES
from otklik.directory.models import Region
from otklik.notifications.models import WebhookDelivery, WebhookSubscription

log = logging.getLogger(__name__)

CACHE_KEY = "otklik:metrics:gauges"
TASK_STATUSES = ("READY", "RUNNING", "SUCCESSFUL", "FAILED")


@dataclass
class Family:
    name: str
    kind: str  # "gauge" or "counter"
    help: str
    labels: tuple[str, ...] = ()
    samples: list[tuple[tuple[str, ...], float]] = field(default_factory=list)


def _task_families(now: datetime) -> list[Family]:
    if not settings.TASKS["default"]["BACKEND"].startswith("django_tasks_db."):
        return []
    from django_tasks_db.models import DBTaskResult, get_date_max

    depth = Family(
        "otklik_tasks", "gauge", "Background tasks in the database queue, by status.", ("status",)
    )
    counts = dict(
        DBTaskResult.objects.values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    depth.samples = [((status.lower(),), counts.get(status, 0)) for status in TASK_STATUSES]

    # A ready task waits since it was enqueued, or since its run_after when it had one.
    ready = DBTaskResult.objects.filter(status="READY")
    oldest = [
        ready.filter(run_after=get_date_max()).aggregate(t=Min("enqueued_at"))["t"],
        ready.exclude(run_after=get_date_max())
        .filter(run_after__lte=now)
        .aggregate(t=Min("run_after"))["t"],
    ]
    waiting_since = min((t for t in oldest if t is not None), default=None)
    age = Family(
        "otklik_tasks_oldest_ready_age_seconds",
        "gauge",
        "How long the oldest task that is due has waited for a worker (0 when none).",
    )
    age.samples = [((), max(0.0, (now - waiting_since).total_seconds()) if waiting_since else 0.0)]
    return [depth, age]


def _appeal_families(now: datetime) -> list[Family]:
    codes = dict(Region.objects.values_list("pk", "code"))
    overdue = Family(
        "otklik_appeals_overdue_open",
        "gauge",
        "Open appeals still unanswered past their deadline (due_at), by region code.",
        ("region",),
    )
    # Rows, not GROUP BY: SQLite would then walk the whole region index; this way both
    # engines search the (status, due_at) index and return only the overdue appeals.
    found = Counter(
        Appeal.objects.filter(status__in=OPEN_STATUSES, answered_at__isnull=True, due_at__lt=now)
        .order_by()
        .values_list("region_id", flat=True)
    )
    overdue.samples = [((code,), found.get(pk, 0)) for pk, code in sorted(codes.items())]
    filed = Family(
        "otklik_appeals_filed",
        "counter",
        "Appeals filed since the start, by region code (rejected and merged ones included).",
        ("region",),
    )
    # The numbers given out are the appeals filed (and, on PostgreSQL, the few taken by a
    # filing that rolled back), read per region and year instead of counting the appeal table.
    totals: Counter = Counter()
    for (region_id, _year), value in numbers_given().items():
        totals[region_id] += value
    filed.samples = [((code,), totals.get(pk, 0)) for pk, code in sorted(codes.items())]
    return [overdue, filed]


def _webhook_families() -> list[Family]:
    retrying = Family(
        "otklik_webhook_deliveries_retrying",
        "gauge",
        "Webhook deliveries waiting for another attempt after a failed one.",
    )
    retrying.samples = [
        ((), WebhookDelivery.objects.filter(state="pending", attempts__gt=0).count())
    ]
    failed = Family(
        "otklik_webhook_deliveries_failed",
        "gauge",
        "Webhook deliveries given up after the last attempt (kept for replay).",
    )
    failed.samples = [((), WebhookDelivery.objects.filter(state="failed").count())]
    disabled = Family(
        "otklik_webhook_subscriptions_disabled",
        "gauge",
        "Webhook subscriptions switched off after failing for too long.",
    )
    disabled.samples = [
        (
            (),
            WebhookSubscription.objects.filter(is_active=False).exclude(disabled_reason="").count(),
        )
    ]
    return [retrying, failed, disabled]


def compute(now: datetime | None = None) -> list[Family]:
    """Read every database figure now (no cache)."""
    now = now or timezone.now()
    started = time.perf_counter()
    families = [*_task_families(now), *_appeal_families(now), *_webhook_families()]
    took = Family(
        "otklik_metrics_database_seconds",
        "gauge",
        "Time the database figures of this scrape took to read.",
    )
    took.samples = [((), round(time.perf_counter() - started, 4))]
    return [*families, took]


def current() -> list[Family]:
    """The database figures, from the shared cache when read within METRICS_CACHE_SECONDS. A
    broken cache does not break the scrape: the figures are read directly then."""
    seconds = settings.METRICS_CACHE_SECONDS
    families = None
    if seconds > 0:
        try:
            families = cache.get(CACHE_KEY)
        except Exception:
            log.warning("metrics: the cache cannot be read", exc_info=True)
            seconds = 0
    if families is None:
        families = compute()
        if seconds > 0:
            cache.set(CACHE_KEY, families, seconds)
    return families
