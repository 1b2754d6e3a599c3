"""Request counters and the latency histogram, written by the request middleware.

gunicorn serves with several worker processes, and each would count only its own requests. With
PROMETHEUS_MULTIPROC_DIR set (before the process starts) prometheus_client keeps these values in
memory-mapped files there, one per process, and /metrics sums the files of every worker, the
ones that exited included. Without it the values live in the process: right for one process
(`runserver`, a single-worker gunicorn), wrong for several — docs/operations.md says so.

Counters are cheap in both modes (no database, no lock shared between processes), which is why
requests are counted here and not in the database.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

requests_total = Counter(
    "otklik_http_requests",
    "HTTP requests served, by method, route name and status class.",
    ["method", "route", "status"],
)
request_duration = Histogram(
    "otklik_http_request_duration_seconds",
    "Time to answer an HTTP request (all middleware included), by method and route name.",
    ["method", "route"],
    buckets=BUCKETS,
)


def observe(*, method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request."""
    method = method if method in METHODS else "other"
    requests_total.labels(method, route, f"{status // 100}xx").inc()
    request_duration.labels(method, route).observe(seconds)
