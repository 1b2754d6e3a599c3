"""What the page benchmarks share: Django set up on DATABASE_URL, static files served without
the manifest (no collectstatic needed), and the median server time of a page with its queries.

Each bench/*_pages.py script calls `start_django()` before importing anything from Django.
"""

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

RUNS = 5


def start_django() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    # No collectstatic here: static URLs without the manifest, as in the tests.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def measure(client, url: str, *, before: Callable[[], None] | None = None):
    """(median ms of RUNS requests, queries of one, status); `before` runs before each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries, status = [], 0, 0
    for _ in range(RUNS):
        if before is not None:
            before()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        queries, status = len(captured), response.status_code
    return statistics.median(times), queries, status
