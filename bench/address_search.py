"""Time the address search (directory/addresses.py) and the text locator
(directory/address_text.py) on a register the size of a big region's.

Builds, in a fresh SQLite database under a temporary DATA_DIR (or the database of
DATABASE_URL, which it fills — use a scratch one), a region of 20 municipalities with --streets
made-up streets (the demo's real street names crossed with settlements) of --houses houses each,
then prints the median and 95th percentile of a search for typed prefixes and of locating a
house in demo-like texts.

    .venv/bin/python bench/address_search.py [--streets 20000] [--houses 20] [--runs 300]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/otklik_bench_addr .venv/bin/python bench/...
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup() -> None:
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="bench-addr-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # the reference data's version key


def build(streets: int, houses: int, rng: random.Random):
    from otklik.demo import geography
    from otklik.directory.address_import import HouseRow, save_houses
    from otklik.directory.models import House, Municipality, Region, Street

    House.objects.all().delete()
    Street.objects.all().delete()
    region, _ = Region.objects.get_or_create(code="48", defaults={"name": "Липецкая область"})
    specs = geography.MUNICIPALITIES
    for spec in specs:
        Municipality.objects.get_or_create(
            oktmo=spec.oktmo,
            defaults={
                "region": region,
                "name": spec.name,
                "center_lat": spec.seat.lat,
                "center_lon": spec.seat.lon,
            },
        )
    names = sorted(
        set(geography.LIPETSK_STREETS + geography.ELETS_STREETS + geography.TOWN_STREETS)
    )
    rows = []
    for i in range(streets):
        spec = specs[i % len(specs)]
        settlement = f"{spec.seat.kind} {spec.seat.name} {i // (len(specs) * len(names))}"
        street = names[(i // len(specs)) % len(names)]
        for number in range(1, houses + 1):
            lat = spec.seat.lat + rng.uniform(-0.05, 0.05)
            lon = spec.seat.lon + rng.uniform(-0.05, 0.05)
            rows.append(HouseRow(spec.oktmo, settlement, street, str(number), lat, lon))
    started = time.perf_counter()
    result = save_houses(region=region, rows=rows)
    took = time.perf_counter() - started
    print(f"register: {result.streets} streets, {result.houses} houses, imported in {took:.1f} s")
    return region, names


def timed(function, inputs) -> list[float]:
    times = []
    for value in inputs:
        started = time.perf_counter()
        function(value)
        times.append((time.perf_counter() - started) * 1000)
    return times


def report(label: str, times: list[float]) -> None:
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"{label}: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms ({len(times)} runs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--streets", type=int, default=20000)
    parser.add_argument("--houses", type=int, default=20)
    parser.add_argument("--runs", type=int, default=300)
    options = parser.parse_args()
    setup()
    from django.db import connection

    from otklik.directory.address_text import find_address_in_text
    from otklik.directory.addresses import search_addresses

    rng = random.Random(48)
    region, names = build(options.streets, options.houses, rng)
    print(f"database: {connection.vendor}")
    queries = []
    for _ in range(options.runs):
        name = rng.choice(names).split(". ", 1)[-1]
        cut = rng.randint(3, len(name))
        queries.append(f"{name[:cut]} {rng.randint(1, options.houses)}" if cut > 5 else name[:cut])
    report(
        "search (typed prefix, ± house)",
        timed(lambda q: search_addresses(region=region, query=q), queries),
    )
    texts = [
        f"Добрый день! Возле дома № {rng.randint(1, options.houses)} по {rng.choice(names)} "
        "уже неделю не вывозят мусор, контейнеры переполнены. Прошу принять меры."
        for _ in range(options.runs)
    ]
    report("locate in text", timed(lambda t: find_address_in_text(region=region, text=t), texts))


if __name__ == "__main__":
    main()
