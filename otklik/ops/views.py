"""Endpoints for the machines around the product: liveness, readiness, Prometheus metrics.

None of them reads the session or renders a template, and none answers 500: a broken database
is a 503 with the reason, not an error page.
"""

from __future__ import annotations

import ipaddress
import logging
import os

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from . import gauges, readiness

log = logging.getLogger(__name__)

# Headers a reverse proxy adds: a request carrying one came from outside even when the proxy
# itself connects from loopback.
PROXY_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")
# The classic text format, which every Prometheus version reads.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@never_cache
@require_GET
def health(request):
    """Liveness: the process answers and reaches its database."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        log.warning("health: database unreachable", exc_info=True)
        return JsonResponse({"status": "fail"}, status=503)
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request):
    """Readiness: database with every migration applied, cache, task queue, media storage,
    settings. 200 when all pass, 503 otherwise; each check with its time in ms."""
    results = readiness.run_checks()
    ok = all(result.ok for result in results)
    body = {
        "status": "ok" if ok else "fail",
        "checks": {result.name: result.as_dict() for result in results},
    }
    return JsonResponse(body, status=200 if ok else 503)


def _from_loopback(request) -> bool:
    if any(header in request.headers for header in PROXY_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def _denied(request) -> HttpResponse | None:
    """401 for a wrong or missing METRICS_TOKEN; without a token, 404 beyond loopback."""
    token = settings.METRICS_TOKEN
    if not token:
        if _from_loopback(request):
            return None
        raise Http404
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and constant_time_compare(given.strip(), token):
        return None
    response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
    response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


class DatabaseCollector:
    """The database figures of `gauges` as Prometheus families."""

    def collect(self):
        up = GaugeMetricFamily(
            "otklik_metrics_database_up", "1 when the database figures below could be read."
        )
        try:
            families = gauges.current()
        except Exception:
            # The request figures are still worth a scrape: never a 500 here.
            log.warning("metrics: database figures unavailable", exc_info=True)
            families = []
        up.add_metric([], 1 if families else 0)
        yield up
        for family in families:
            kind = CounterMetricFamily if family.kind == "counter" else GaugeMetricFamily
            metric = kind(family.name, family.help, labels=list(family.labels))
            for labels, value in family.samples:
                metric.add_metric(list(labels), value)
            yield metric


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    directory = settings.PROMETHEUS_MULTIPROC_DIR
    if directory and os.path.isdir(directory):
        # Every worker's counters, summed from their files (http_metrics.py).
        MultiProcessCollector(registry, path=directory)
    else:
        from . import http_metrics

        registry.register(_Only(http_metrics.requests_total, http_metrics.request_duration))
    registry.register(DatabaseCollector())
    return registry


class _Only:
    """The process's own request metrics, without the default registry's other collectors."""

    def __init__(self, *metrics):
        self.metrics = metrics

    def collect(self):
        for metric in self.metrics:
            yield from metric.collect()


@never_cache
@require_GET
def metrics(request):
    """Prometheus text exposition: request counters and latency, and the database figures."""
    denied = _denied(request)
    if denied is not None:
        return denied
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE)
