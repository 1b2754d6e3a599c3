"""Incident clustering speed: the cost of clustering one arriving appeal next to a large history,
and of rebuilding a window.

    .venv/bin/python bench/incidents.py                       # SQLite file, 200 000 appeals
    .venv/bin/python bench/incidents.py --appeals 1000000 --pg   # PostgreSQL otklik_bench_incidents

It makes a fresh database, loads `--appeals` background appeals (random points over the region,
20 categories, 90 days) with bulk inserts, then files `--arrivals` new appeals through the real
clustering path (`services.cluster_appeal`), a third of them in 20 hot spots (they form
incidents, grow and merge), the rest scattered. It prints the time per appeal (median, p95),
the throughput, how many incidents formed, and the time of `rebuild_incidents` over the
arrivals' window, which must give the same incidents.
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

PG_DB = "otklik_bench_incidents"


def start_django(pg: bool) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    if pg:
        for command in (["dropdb", "--if-exists", PG_DB], ["createdb", PG_DB]):
            subprocess.run([*command, "-h", "127.0.0.1", "-U", "postgres"], check=True)
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # the reference data's version key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appeals", type=int, default=200_000)
    parser.add_argument("--arrivals", type=int, default=1500)
    parser.add_argument("--pg", action="store_true")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    start_django(args.pg)

    from django.db import connection
    from django.utils import timezone

    from otklik.appeals.models import Appeal
    from otklik.directory.models import Category, Municipality, Region
    from otklik.incidents import services
    from otklik.incidents.models import Incident

    rng = random.Random(args.seed)
    region = Region.objects.create(
        code="48", name="Липецкая область", center_lat=52.6, center_lon=39.6
    )
    municipality = Municipality.objects.create(
        region=region, name="Липецк", oktmo="42701000", center_lat=52.6, center_lon=39.6
    )
    categories = [Category.objects.create(code=f"c{n}", name=f"Тема {n}") for n in range(20)]
    now = timezone.now()
    start = now - timedelta(days=90)

    loaded = time.perf_counter()
    batch = []
    for n in range(args.appeals):
        batch.append(
            Appeal(
                number=f"48-2026-{n:07d}",
                region=region,
                municipality=municipality,
                category=rng.choice(categories),
                text="Фоновое обращение",
                latitude=52.3 + rng.random() * 0.6,
                longitude=39.0 + rng.random() * 1.2,
                created_at=start + timedelta(seconds=rng.random() * 85 * 86400),
            )
        )
        if len(batch) == 10_000:
            Appeal.objects.bulk_create(batch)
            batch = []
    Appeal.objects.bulk_create(batch)
    print(
        f"{connection.vendor}: {args.appeals} background appeals loaded in "
        f"{time.perf_counter() - loaded:.0f} s"
    )

    spots = [(52.4 + rng.random() * 0.4, 39.2 + rng.random() * 0.8) for _ in range(20)]
    window_start = now - timedelta(days=3)
    arrivals = []
    for n in range(args.arrivals):
        moment = window_start + timedelta(seconds=n * (2 * 86400 / args.arrivals))
        if n % 3 == 0:
            lat, lon = rng.choice(spots)
            lat, lon = lat + rng.gauss(0, 0.002), lon + rng.gauss(0, 0.003)
            category = categories[spots.index(min(spots, key=lambda s: abs(s[0] - lat))) % 5]
        else:
            lat, lon = 52.3 + rng.random() * 0.6, 39.0 + rng.random() * 1.2
            category = rng.choice(categories)
        arrivals.append(
            Appeal(
                number=f"48-2027-{n:07d}",
                region=region,
                municipality=municipality,
                category=category,
                text="Новое обращение",
                address=f"ул. Тестовая, {n}",
                latitude=lat,
                longitude=lon,
                created_at=moment,
            )
        )
    arrivals = Appeal.objects.bulk_create(arrivals)
    arrivals = list(
        Appeal.objects.filter(number__startswith="48-2027-")
        .order_by("created_at", "pk")
        .select_related("category")
    )

    times = []
    rules = services.Rules()
    for appeal in arrivals:
        begun = time.perf_counter()
        services.cluster_appeal(appeal, rules=rules, send=False)
        times.append((time.perf_counter() - begun) * 1000)
    times.sort()
    total = sum(times) / 1000
    incidents = Incident.objects.count()
    merged = Incident.objects.filter(state=Incident.State.MERGED).count()
    members = sum(Incident.objects.values_list("appeal_count", flat=True))
    print(
        f"clustering one arriving appeal: median {statistics.median(times):.2f} ms, "
        f"p95 {times[int(len(times) * 0.95)]:.2f} ms, max {times[-1]:.1f} ms"
    )
    print(f"throughput: {len(times) / total:.0f} appeals/s ({len(times)} in {total:.1f} s)")
    print(f"incidents: {incidents} ({merged} merged), {members} appeals in active/closed ones")

    def state():
        return sorted(
            (i.category_id, i.state, i.appeal_count, round(i.center_lat, 6), round(i.center_lon, 6))
            for i in Incident.objects.all()
        )

    live = state()
    begun = time.perf_counter()
    result = services.rebuild_incidents(since=window_start)
    print(
        f"rebuild of the window ({result.appeals} appeals): "
        f"{time.perf_counter() - begun:.1f} s, same incidents: {state() == live}"
    )


if __name__ == "__main__":
    main()
