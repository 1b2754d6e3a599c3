"""What the page benchmarks share: Django set up on DATABASE_URL, static files served without
the manifest (no collectstatic needed), and the median server time of a page with its queries.

Each bench/*_pages.py script calls `start_django()` before importing anything from Django.
"""

import os
import re
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
    plain_static()


def plain_static() -> None:
    """Any host, and static URLs without the manifest, as in the tests (no collectstatic)."""
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def measure(client, url: str, *, before: Callable[[], None] | None = None):
    """(median ms of RUNS requests, queries of one, status); `before` runs before each.
    Any status but 200 stops the bench (SystemExit): a redirect or an error measures nothing."""
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
        if status != 200:
            raise SystemExit(f"{url} answered {status}, not 200: the bench measures nothing")
    return statistics.median(times), queries, status


def _csrf(client, url: str) -> str:
    page = client.get(url)
    if page.status_code != 200:
        raise SystemExit(f"{url} answered {page.status_code}, not 200")
    found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    if found is None:
        raise SystemExit(f"{url} has no CSRF token")
    return found.group(1).decode()


def log_in_with_code(email: str, password: str, secret: str):
    """A test Client logged in as a person does it: the password form, then the code of the
    authenticator app (TOTP from `secret`), both with CSRF checked. SystemExit when it fails."""
    from django.test import Client
    from django.urls import reverse

    from otklik.accounts import totp
    from otklik.accounts.models import TotpDevice

    client = Client(enforce_csrf_checks=True)
    login, verify = reverse("login"), reverse("two_factor:verify")
    response = client.post(
        login,
        {"csrfmiddlewaretoken": _csrf(client, login), "username": email, "password": password},
    )
    if response.status_code != 302:
        raise SystemExit(f"login of {email}: the password form answered {response.status_code}")
    # A code is good once (the device keeps the step of the last one): take the first step
    # after it within the allowed drift, waiting for the clock when a run a moment ago used them.
    last = TotpDevice.objects.filter(user__email=email).values_list("last_step", flat=True).first()
    step = max(totp.time_step(time.time()), (last or -1) + 1)
    while step > totp.time_step(time.time()) + totp.DRIFT_STEPS:
        time.sleep(1)  # pacing to the clock, as a person waits for the next code
    code = totp.code_at(secret, step * totp.STEP_SECONDS)
    response = client.post(verify, {"csrfmiddlewaretoken": _csrf(client, verify), "code": code})
    if response.status_code == 302:
        return client
    raise SystemExit(f"login of {email}: the code was refused ({response.status_code})")
