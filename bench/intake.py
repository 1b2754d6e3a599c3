"""Intake under load: appeals a second filed through Open311 (and the REST API, if present) on
gunicorn and PostgreSQL, next to the same server's /health/ as a ceiling.

Drops and creates a PostgreSQL database (BENCH_DB, default otklik_bench_intake), migrates it,
seeds a minimal region (region, municipality, category, executor, routing rule, an API key),
starts gunicorn (gthread workers, keep-alive), waits for /health/ and drives each target from
separate load processes with N concurrent keep-alive connections (http.client) for a fixed
time. Every POST carries a unique Idempotency-Key. Afterwards the number of appeals must equal
the number of 201/200 answers: nothing lost, nothing doubled.

    .venv/bin/python bench/intake.py [--duration 20] [--connections 8] [--workers 2]
        [--threads 4] [--endpoints health,open311,rest] [--cache db|locmem] [--port 8766]

PostgreSQL is reached as PG_URL (default postgres://postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))


# ---------------------------------------------------------------------------- database


def psql(pg_url: str, sql: str) -> None:
    subprocess.run(
        [
            shutil.which("psql") or "/usr/bin/psql",
            pg_url + "/postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-q",
            "-c",
            sql,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def manage(env: dict, *command: str) -> None:
    subprocess.run([str(BIN / "python"), "manage.py", *command], cwd=ROOT, env=env, check=True)


SEED = """
from otklik.accounts.models import ApiScope, User
from otklik.accounts.tokens import issue_token
from otklik.directory.models import Category, Municipality, Organization, Region, RoutingRule
from otklik.directory.production_calendar import seed_calendar

seed_calendar(2025, 2028)
region = Region.objects.create(code="48", name="Липецкая область", time_zone="Europe/Moscow",
                               center_lat=52.61, center_lon=39.59)
ring = [[39.49, 52.51], [39.69, 52.51], [39.69, 52.71], [39.49, 52.71], [39.49, 52.51]]
city = Municipality.objects.create(region=region, name="Липецк", oktmo="42701000",
                                   center_lat=52.61, center_lon=39.59,
                                   boundary={"type": "Polygon", "coordinates": [ring]})
roads = Category.objects.create(code="roads", name="Дороги")
pits = Category.objects.create(code="potholes", name="Ямы", parent=roads)
org = Organization.objects.create(region=region, municipality=city, name="УДХ Липецка")
RoutingRule.objects.create(category=pits, municipality=city, organization=org)
gateway = User.objects.create_user(email="gateway@bench.example", password=None,
                                   full_name="Шлюз")
_t, key = issue_token(user=gateway, name="bench", scopes=[ApiScope.OPEN311, ApiScope.APPEALS_FILE],
                      region=region, rate_per_minute=10_000_000)
print(key)
"""


def seed(env: dict) -> str:
    out = subprocess.run(
        [str(BIN / "python"), "manage.py", "shell", "-c", SEED],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.strip().splitlines()[-1]


def count_appeals(env: dict) -> int:
    code = "from otklik.appeals.models import Appeal; print(Appeal.objects.count())"
    out = subprocess.run(
        [str(BIN / "python"), "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return int(out.strip().splitlines()[-1])


# ---------------------------------------------------------------------------- load


def _request(target: str, key: str, n: int) -> tuple[str, str, bytes, dict]:
    """(method, path, body, headers) of the n-th request of a target."""
    if target == "health":
        return "GET", "/health/", b"", {}
    lat = 52.55 + (n % 97) * 0.001
    lon = 39.55 + (n % 89) * 0.001
    headers = {} if os.environ.get("BENCH_NO_KEY") else {"Idempotency-Key": uuid.uuid4().hex}
    if target == "open311":
        body = urllib.parse.urlencode(
            {
                "api_key": key,
                "service_code": "potholes",
                "lat": f"{lat:.5f}",
                "long": f"{lon:.5f}",
                "description": f"Яма на дороге, нагрузочный тест №{n}",
                "email": "bench@example.ru",
            }
        ).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return "POST", "/open311/v2/requests.json", body, headers
    body = json.dumps(
        {
            "category": "potholes",
            "text": f"Яма на дороге, нагрузочный тест №{n}",
            "latitude": lat,
            "longitude": lon,
        }
    ).encode()
    headers |= {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
    return "POST", "/api/v1/appeals/", body, headers


def _connection_loop(port, target, key, stop_at, start_n, step, result, lock):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, statuses, errors = [], {}, []
    n = start_n
    while time.monotonic() < stop_at:
        method, path, body, headers = _request(target, key, n)
        n += step
        began = time.perf_counter()
        try:
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            data = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        latencies.append((time.perf_counter() - began) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
        if status >= 300 and len(errors) < 5:
            errors.append(f"{status}: {data[:300].decode('utf-8', 'replace')}")
    connection.close()
    with lock:
        result["latencies"].extend(latencies)
        for status, count in statuses.items():
            result["statuses"][status] = result["statuses"].get(status, 0) + count
        result["errors"].extend(errors[:5])


def load_process(port, target, key, duration, connections, index, processes, queue):
    """One load process: `connections` threads, each with its own keep-alive connection."""
    result = {"latencies": [], "statuses": {}, "errors": []}
    lock = threading.Lock()
    stop_at = time.monotonic() + duration
    step = processes * connections
    threads = [
        threading.Thread(
            target=_connection_loop,
            args=(port, target, key, stop_at, index * connections + i, step, result, lock),
        )
        for i in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put(result)


def drive(port, target, key, duration, connections, processes) -> dict:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    per_process = max(1, connections // processes)
    workers = [
        context.Process(
            target=load_process,
            args=(port, target, key, duration, per_process, i, processes, queue),
        )
        for i in range(processes)
    ]
    began = time.monotonic()
    for worker in workers:
        worker.start()
    results = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - began
    merged = {"latencies": [], "statuses": {}, "errors": [], "elapsed": elapsed}
    for result in results:
        merged["latencies"] += result["latencies"]
        merged["errors"] += result["errors"]
        for status, count in result["statuses"].items():
            merged["statuses"][status] = merged["statuses"].get(status, 0) + count
    return merged


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def probe(port: int, target: str, key: str) -> int:
    method, path, body, headers = _request(target, key, 0)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, body=body or None, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


def wait_until_up(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/health/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer /health/ on port {port}")


# ---------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20, help="seconds per target")
    parser.add_argument("--warmup", type=float, default=3, help="unmeasured seconds first")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    parser.add_argument("--processes", type=int, default=2, help="load processes")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument("--endpoints", default="health,open311,rest")
    parser.add_argument(
        "--cache",
        choices=["db", "locmem"],
        default="db",
        help="the cache the throttle counts in: the default shared database cache, or each "
        "process's memory (as with a Redis cache, no database writes)",
    )
    parser.add_argument(
        "--no-idempotency-key",
        action="store_true",
        help="send POSTs without an Idempotency-Key (no transaction around the whole request)",
    )
    parser.add_argument(
        "--async-commit",
        action="store_true",
        help="synchronous_commit=off on the bench database: commits do not wait for the disk",
    )
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()

    db = os.environ.get("BENCH_DB", "otklik_bench_intake")
    pg_url = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "otklik.settings",
        "DATABASE_URL": f"{pg_url}/{db}",
        "DEBUG": "0",
        "HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DB_CONN_MAX_AGE": "600",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    if args.no_idempotency_key:
        os.environ["BENCH_NO_KEY"] = "1"  # read by the spawned load processes
    if args.cache == "locmem":
        env["CACHE_BACKEND"] = "django.core.cache.backends.locmem.LocMemCache"

    print(f"database {db}: drop, create, migrate, seed")
    psql(pg_url, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    psql(pg_url, f'CREATE DATABASE "{db}"')
    if args.async_commit:
        psql(pg_url, f'ALTER DATABASE "{db}" SET synchronous_commit = off')
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "createcachetable")
    key = seed(env)

    gunicorn = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "otklik.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--worker-class",
            "gthread",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_until_up(args.port)
        load = os.getloadavg()
        print(
            f"gunicorn: {args.workers} gthread workers × {args.threads} threads, keep-alive; "
            f"load: {args.processes} processes, {args.connections} connections, "
            f"{args.duration:g} s per target; throttle cache: {args.cache}; "
            f"Idempotency-Key: {'no' if args.no_idempotency_key else 'yes'}; "
            f"synchronous_commit: {'off' if args.async_commit else 'on'}; "
            f"CPUs: {os.cpu_count()}; load average before: {load[0]:.2f} {load[1]:.2f}"
        )
        print(
            f"{'target':<10} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
            f"{'ok':>7} {'other':>6}  load avg"
        )
        created = 0
        for target in args.endpoints.split(","):
            target = target.strip()
            if target not in ("health", "open311", "rest"):
                raise SystemExit(f"unknown endpoint {target}")
            if target != "health":
                status = probe(args.port, target, key)
                if status not in (200, 201):
                    print(f"{target:<10} skipped: a probe POST answered {status}")
                    continue
                created += 1
            # Every worker imports and warms its caches on its first requests: not measured.
            warm = drive(args.port, target, key, args.warmup, args.connections, args.processes)
            if target != "health":
                created += sum(c for s, c in warm["statuses"].items() if s in (200, 201))
            result = drive(args.port, target, key, args.duration, args.connections, args.processes)
            latencies = result["latencies"]
            ok = sum(c for s, c in result["statuses"].items() if s in (200, 201))
            other = sum(c for s, c in result["statuses"].items() if s not in (200, 201))
            if target != "health":
                created += ok
            rate = len(latencies) / result["elapsed"]
            print(
                f"{target:<10} {rate:8.0f} {statistics.median(latencies):8.1f} "
                f"{percentile(latencies, 0.95):8.1f} {percentile(latencies, 0.99):8.1f} "
                f"{ok:7d} {other:6d}  {os.getloadavg()[0]:.2f}"
            )
            for error in result["errors"][:5]:
                print(f"    error: {error}")
        appeals = count_appeals(env)
        verdict = "OK" if appeals == created else "MISMATCH"
        print(f"appeals in the database: {appeals}; 201/200 answers: {created} — {verdict}")
        if appeals != created:
            sys.exit(1)
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)


if __name__ == "__main__":
    main()
