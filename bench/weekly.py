"""Server time and query count of the weekly review, on the database of DATABASE_URL.

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python bench/weekly.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/otklik_demo .venv/bin/python bench/weekly.py
    … bench/weekly.py --profile        # also print a pyinstrument profile of each page

Builds the demo region (`manage.py build_demo`, 100 000 appeals) when the database has none,
otherwise reuses it. Requests, as the demo's leadership user (session forced, no second factor
asked): the page on its default week, the current week, the last complete week and a week ten
weeks back, and the XLSX export of the current week. Prints the
median of 5 runs (wall time, and the CPU time of this process, steadier on a busy machine) and
the queries of one run per page, like bench/office_pages.py. Goal: under
300 ms per page on SQLite and PostgreSQL.
"""

import statistics
import sys
import time
from datetime import timedelta

from pagebench import RUNS, start_django

start_django()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from otklik.accounts.models import User  # noqa: E402
from otklik.analytics import weekly  # noqa: E402
from otklik.analytics.figures import today_in  # noqa: E402
from otklik.appeals.models import Appeal  # noqa: E402
from otklik.demo.geography import REGION_CODE  # noqa: E402
from otklik.directory.models import Region  # noqa: E402

LEADERSHIP = "leadership@demo.otklik.ru"
PAST_WEEKS = 10  # the past week asked for: this many weeks before the current one


def ensure_demo() -> Region:
    """The demo region, built first when the database has no appeals in it."""
    call_command("migrate", verbosity=0, interactive=False)
    region = Region.objects.filter(code=REGION_CODE).first()
    if region is None or not region.appeals.exists():
        print("Building the demo region (a few minutes)…", flush=True)
        call_command("createcachetable", verbosity=0)
        call_command("seed_calendar", verbosity=0)
        call_command("build_demo", no_progress=True)
        region = Region.objects.get(code=REGION_CODE)
    return region


def measure(client: Client, url: str) -> tuple[float, float, int, int]:
    """(median wall ms, median CPU ms of this process, queries of one run, status) of RUNS
    requests. On a shared machine the wall time wanders with the load; the CPU time of the
    process (Django, and SQLite itself, which runs inside it) much less."""
    walls, cpus, queries, status = [], [], 0, 0
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as captured:
            wall, cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            cpus.append((time.process_time() - cpu) * 1000)
            walls.append((time.perf_counter() - wall) * 1000)
        queries, status = len(captured), response.status_code
    return statistics.median(walls), statistics.median(cpus), queries, status


def profile(client: Client, url: str) -> None:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    with profiler:
        client.get(url)
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def main() -> None:
    settings.STAFF_TWO_FACTOR = False  # the session is forced: no second factor to pass
    region = ensure_demo()
    today = today_in(region.pk, timezone.now())
    current = weekly.week_code(weekly.Period.week(today))
    last = weekly.week_code(weekly.Period.week(today - timedelta(weeks=1)))
    past = weekly.week_code(weekly.Period.week(today - timedelta(weeks=PAST_WEEKS)))
    client = Client()
    client.force_login(User.objects.get(email=LEADERSHIP))
    page = reverse("office:weekly")
    pages = [
        ("weekly review (default)", page),
        (f"weekly review ?week={current}", f"{page}?week={current}"),
        (f"weekly review ?week={last}", f"{page}?week={last}"),
        (f"weekly review ?week={past}", f"{page}?week={past}"),
        (f"XLSX export ?week={current}", f"{reverse('office:weekly_xlsx')}?week={current}"),
    ]
    print(f"{connection.vendor}: {Appeal.objects.count()} appeals; today {today} in the region")
    print(f"{'page':<36}{'median ms':>10}{'CPU ms':>8}{'queries':>9}{'status':>8}")
    for name, url in pages:
        client.get(url)  # warm the connection and templates
        ms, cpu, queries, status = measure(client, url)
        print(f"{name:<36}{ms:>10.1f}{cpu:>8.1f}{queries:>9}{status:>8}", flush=True)
        if status != 200:  # a redirect or an error measures nothing (make bench-smoke)
            raise SystemExit(f"{url} answered {status}, not 200")
    if "--profile" in sys.argv:
        for _name, url in pages[:2]:
            profile(client, url)


if __name__ == "__main__":
    main()
