"""KPI figures at scale: ten million appeals in PostgreSQL, the rollup rebuild, the annual
ranking of all municipalities and the weekly review page — each next to the same figures
computed straight from the appeals table.

    .venv/bin/python bench/kpi.py                 # 10 000 000 appeals (loaded in 11 min, 2 cores)
    .venv/bin/python bench/kpi.py --appeals 500000
    .venv/bin/python bench/kpi.py --load-only     # then: --keep to time the readings again

It creates a fresh database `otklik_bench_kpi` (or $BENCH_DB) on 127.0.0.1:5432 (trust auth),
builds the demo region with 20 000 appeals through `build_demo` (a realistic mix of statuses,
deadlines, postponements, ratings, calls and instructions), then loads copies of its finished
appeals, their approved postponements and ratings with COPY, each copy moved back in time by a
few days, until the table holds the number asked for (answers and events are not copied: the
rework and formal-reply counters stay at the demo's level). Then it rebuilds the rollups and
times the readings.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import psycopg

DB = os.environ.get("BENCH_DB", "otklik_bench_kpi")
URL = f"postgres://postgres@127.0.0.1:5432/{DB}"
# The demo history copied to make the big table (a smaller one for bench/smoke.py).
TEMPLATE_APPEALS = int(os.environ.get("BENCH_TEMPLATE_APPEALS", "20000"))
FINISHED = "status IN ('closed', 'rejected')"
SHIFT_DAYS = 3  # each copy of the demo history starts three days before the previous one
RUNS = 5


def fresh_database() -> None:
    for command in (["dropdb", "--if-exists", "--force", DB], ["createdb", DB]):
        subprocess.run([*command, "-h", "127.0.0.1", "-U", "postgres"], check=True)


def start_django() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ["DATABASE_URL"] = URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


STRAIGHT_LIMIT_S = int(os.environ.get("BENCH_STRAIGHT_LIMIT", "900"))


SKIP_STRAIGHT = False


def straight_ms(function) -> str:
    """One timed run of a straight computation, each of its queries cancelled after
    STRAIGHT_LIMIT_S seconds (at ten million appeals some would run for hours)."""
    from django.db import OperationalError, connection

    if SKIP_STRAIGHT:
        return "(not timed: --no-straight)"

    with connection.cursor() as cursor:
        cursor.execute(f"SET statement_timeout = '{STRAIGHT_LIMIT_S}s'")
    started = time.perf_counter()
    try:
        function()
    except OperationalError:
        spent = time.perf_counter() - started
        return f"more than {spent:.0f} s (a query cancelled after {STRAIGHT_LIMIT_S} s)"
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
    return f"{(time.perf_counter() - started) * 1000:.0f} ms"


def median_ms(function, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


APPEAL_COLUMNS = (
    "id", "number", "region_id", "municipality_id", "category_id", "applicant_id", "channel",
    "contact_name", "contact_phone", "text", "address", "latitude", "longitude", "is_public",
    "status", "resolution", "executor_id", "repeat_of_id", "external_id", "created_at",
    "registration_due_at", "clarification_due_at", "registered_at", "redirection_due_at",
    "original_due_at", "due_at", "answered_at", "closed_at", "updated_at",
)  # fmt: skip
DATES = {
    "created_at", "registration_due_at", "clarification_due_at", "registered_at",
    "redirection_due_at", "original_due_at", "due_at", "answered_at", "closed_at", "updated_at",
}  # fmt: skip


def _select(columns: tuple[str, ...], table: str, replace: dict[str, str], where: str) -> str:
    """SELECT of `table`'s template rows × copies k = %(first)s…%(last)s, columns rewritten."""
    parts = [replace.get(c, f"t.{c} - make_interval(days => {SHIFT_DAYS} * k)" if c in DATES
                         else f"t.{c}") for c in columns]  # fmt: skip
    return (
        f"SELECT {', '.join(parts)} FROM {table} t "  # noqa: S608 (our own column names)
        f"CROSS JOIN generate_series(%(first)s, %(last)s) AS k WHERE {where}"
    )


def _copy(source, raw, select: str, target: str, params: dict) -> None:
    """Stream the SELECT out of PostgreSQL on one connection (`source`) and back into
    `target` with COPY on another (`raw`). One connection cannot do both: a COPY OUT holds it
    until read to the end."""
    with psycopg.ClientCursor(source) as reader, raw.cursor() as writer:
        query = reader.mogrify(select, params)
        with (
            reader.copy(f"COPY ({query}) TO STDOUT") as out,
            writer.copy(f"COPY {target} FROM STDIN") as into,
        ):
            for block in out:
                into.write(block)


def load_copies(total: int) -> float:
    """COPY shifted copies of the template's finished appeals (and their approved postponements
    and ratings) until the appeals table holds `total` rows; returns seconds. Copy k of appeal i
    gets id i + k·span and every date moved back by SHIFT_DAYS·k days. Only closed and rejected
    appeals are copied: the history is finished work, the template's open appeals are the current
    work (a region does not have half a million appeals in progress)."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), max(id) FROM appeals_appeal")
        count, span = cursor.fetchone()
        cursor.execute(f"SELECT count(*) FROM appeals_appeal WHERE {FINISHED}")  # noqa: S608
        (finished,) = cursor.fetchone()
    copies = max(0, -(-(total - count) // finished))
    raw = connection.connection  # psycopg 3
    source = psycopg.connect(URL, autocommit=True)
    appeal_select = _select(
        APPEAL_COLUMNS,
        "appeals_appeal",
        {
            "id": f"t.id + k * {span}",
            "number": "'48-B' || k || '-' || t.id",
            "repeat_of_id": "NULL",
        },
        f"t.id <= {span} AND t.{FINISHED}",
    )
    postponement_columns = (
        "appeal_id", "requested_by_id", "requested_at", "previous_due_at", "requested_due_at",
        "reason", "state", "decided_by_id", "decided_at", "decision_comment", "is_repeated",
    )  # fmt: skip
    rating_columns = ("appeal_id", "applicant_id", "score", "is_solved", "comment", "created_at")
    moved = {"appeal_id": f"t.appeal_id + k * {span}"}
    finished_ids = f"SELECT id FROM appeals_appeal WHERE id <= {span} AND {FINISHED}"  # noqa: S608 (our own numbers)
    extra_dates = {"requested_at", "previous_due_at", "requested_due_at", "decided_at"}
    DATES.update(extra_dates)
    postponement_select = _select(
        postponement_columns, "appeals_postponement", moved,
        f"t.state = 'approved' AND t.appeal_id IN ({finished_ids})",
    )  # fmt: skip
    rating_select = _select(
        rating_columns, "appeals_rating", moved, f"t.appeal_id IN ({finished_ids})"
    )
    dropped = _drop_secondary_indexes(raw, ["appeals_appeal", "appeals_postponement",
                                            "appeals_rating"])  # fmt: skip
    block = 25
    for first in range(1, copies + 1, block):
        params = {"first": first, "last": min(copies, first + block - 1)}
        _copy(source, raw, appeal_select, f"appeals_appeal ({', '.join(APPEAL_COLUMNS)})", params)
        _copy(source, raw, postponement_select,
              f"appeals_postponement ({', '.join(postponement_columns)})", params)  # fmt: skip
        _copy(source, raw, rating_select, f"appeals_rating ({', '.join(rating_columns)})", params)
        raw.commit()
        print(f"  … {count + finished * params['last']:,} appeals", flush=True)
    _recreate(raw, dropped)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('appeals_appeal', 'id'), max(id)) "
            "FROM appeals_appeal"
        )
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


# Not needed by these figures, and the slowest index to build at this size.
SKIPPED_INDEXES = {"appeal_text_search"}


def _drop_secondary_indexes(raw, tables: list[str]) -> list[tuple[str, str]]:
    """Drop the indexes that back no constraint (COPY into a table with two dozen indexes is
    many times slower than building them once afterwards); return their definitions."""
    with raw.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    raw.commit()
    return indexes


def _recreate(raw, indexes: list[tuple[str, str]]) -> None:
    started = time.perf_counter()
    with raw.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for name, definition in indexes:
            if name not in SKIPPED_INDEXES:
                cursor.execute(definition)
    raw.commit()
    print(f"  {len(indexes)} indexes rebuilt after the load (the full-text index skipped): "
          f"{time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip


def direct_ranking(region_id, period, today) -> None:
    """The ranking's figures straight from the source tables: every municipality, this period
    and the same period a year before (analytics.kpi.totals_by: grouped queries, one pass)."""
    from otklik.analytics import kpi
    from otklik.analytics.figures import Scope

    scope = Scope(region_id)
    kpi.totals_by(scope, period, today, "municipality")
    kpi.totals_by(scope, period.previous_year(), today, "municipality")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--appeals", type=int, default=10_000_000)
    parser.add_argument("--keep", action="store_true", help="reuse the loaded database")
    parser.add_argument(
        "--load-only", action="store_true", help="stop after the load and the rollup rebuild"
    )
    parser.add_argument("--no-straight", action="store_true", help="time the rollup readings only")
    args = parser.parse_args()
    global SKIP_STRAIGHT
    SKIP_STRAIGHT = args.no_straight
    if not args.keep:
        fresh_database()
    start_django()
    from django.core.management import call_command
    from django.utils import timezone
    from pagebench import log_in_with_code, plain_static

    from otklik.analytics import figures, kpi, ranking, rollups
    from otklik.analytics.figures import Period, Scope
    from otklik.analytics.models import KpiDay, RollupState
    from otklik.appeals.models import Appeal
    from otklik.demo.region import DEMO_PASSWORD, DEMO_TOTP_SECRET
    from otklik.directory.models import Region

    if not args.keep:
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)  # the login's throttle counts in it
        started = time.perf_counter()
        call_command(
            "build_demo", appeals=TEMPLATE_APPEALS, no_progress=True, verbosity=0, force=True
        )
        print(
            f"demo region with {TEMPLATE_APPEALS:,} appeals: {time.perf_counter() - started:.0f} s"
        )
        seconds = load_copies(args.appeals)
        print(f"COPY to {Appeal.objects.count():,} appeals: {seconds:.0f} s")
        started = time.perf_counter()
        report = rollups.rebuild(chunk=20_000)
        print(
            f"rollup rebuild: {report.seconds:.0f} s for {report.appeals:,} appeals and "
            f"{report.instructions:,} instructions → {report.rows:,} rollup rows"
        )
        if args.load_only:
            return
    region = Region.objects.get()
    today = figures.today_in(region.pk, timezone.now())
    year = Period.year(today.replace(year=today.year - 1))
    print(
        f"appeals: {Appeal.objects.count():,}; rollup rows: {KpiDay.objects.count():,}; "
        f"states: {RollupState.objects.count():,}"
    )
    ranked = ranking.ranking("municipality", region.pk, year, today)
    print(f"annual ranking {year.start}…{year.last_day}: {len(ranked.rows)} municipalities, "
          f"{sum(r.kpis.received for r in ranked.rows):,} appeals received")  # fmt: skip
    fast = median_ms(lambda: ranking.ranking("municipality", region.pk, year, today))
    slow = straight_ms(lambda: direct_ranking(region.pk, year, today))
    print(f"annual ranking of all municipalities: {fast:.1f} ms from rollups "
          f"(target < 100 ms); {slow} straight from the appeals table")  # fmt: skip
    organizations = median_ms(lambda: ranking.ranking("organization", region.pk, year, today))
    print(f"annual ranking of all organizations: {organizations:.1f} ms from rollups")
    scope = Scope(region.pk)
    kpi_page = median_ms(lambda: figures.kpis(scope, year, today))
    kpi_direct = straight_ms(lambda: kpi.kpis(scope, year, today))
    print(f"all KPIs of the region for the year: {kpi_page:.1f} ms from rollups; "
          f"{kpi_direct} straight")  # fmt: skip
    # The demo's leadership user logs in as a person does (password, then the app's code).
    plain_static()
    client = log_in_with_code("leadership@demo.otklik.ru", DEMO_PASSWORD, DEMO_TOTP_SECRET)
    week = Period.week(today - timedelta(days=7))
    url = f"/office/weekly/?week={week.start.isocalendar()[0]}-W{week.start.isocalendar()[1]:02d}"
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}, not 200")
    page = median_ms(lambda: client.get(url))

    def weekly_direct():
        kpi.kpis(scope, week, today)
        kpi.kpis(scope, week.previous(), today)
        direct_ranking(region.pk, Period(week.end - timedelta(days=28), week.end), today)

    page_direct = straight_ms(weekly_direct)
    print(f"weekly review page {url}: {page:.0f} ms (status {response.status_code}, target "
          f"< 300 ms); its headline figures and ranking straight from the appeals table: "
          f"{page_direct}")  # fmt: skip


if __name__ == "__main__":
    main()
