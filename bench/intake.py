"""Intake under load: appeals a second filed through Open311, the REST API and the portal's
report form on gunicorn and PostgreSQL, next to the same server's /health/ as a ceiling.

Drops and creates a PostgreSQL database (BENCH_DB, default otklik_bench_intake), migrates it,
seeds a minimal region (region, municipality, category, executor, routing rule, an API key,
citizens with a password), starts gunicorn (gthread workers, keep-alive), waits for /health/
and drives each target from separate load processes with N concurrent keep-alive connections
(http.client) for a fixed time:

    health    GET /health/
    open311   Open311 POST /open311/v2/requests.json with the gateway's api_key
    rest      REST POST /api/v1/appeals/ with a unique Idempotency-Key
    portal    the report form without a photo: a logged-in citizen's session and CSRF token, a
              fresh form_key (the form's idempotency key); when similar appeals are shown the
              citizen confirms «a new problem» and sends again (timed as one filing)

Prints rate and p50/p95/p99 per target and each filing path's rate as a share of /health/'s.
The rate limits come from settings this bench passes to the server (LIMITS below), never from
being hit. Afterwards the appeals in the database are counted per path (by a marker in their
text) against the 201s (302s for the portal) received: nothing lost, nothing doubled. Any
answer but the expected one, or a count that differs, ends the run with exit status 1.

    .venv/bin/python bench/intake.py [--duration 20] [--connections 8] [--workers 2]
        [--threads 4] [--endpoints health,open311,rest,portal] [--cache db|redis|locmem]
        [--port 8766] [--smoke]

PostgreSQL is reached as PG_URL (default postgres://postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))


# The server's rate limits, set by the bench (one address and a few users play every client):
# high enough never to be reached, still counted on every filing as in production.
LIMITS = {
    "API_ANON_RATE_PER_MINUTE": "100000000",
    "FILING_RATE_PER_HOUR": "100000000",
    "FILING_RATE_PER_HOUR_PER_IP": "100000000",
    "ADDRESS_SEARCH_RATE_PER_MINUTE": "100000000",
}
TARGETS = ("health", "open311", "rest", "portal")
# The answer that means «filed» on each path.
FILED = {"open311": 201, "rest": 201, "portal": 302}
PASSWORD = "bench-intake-2026"  # noqa: S105 (throwaway users of a throwaway database)
CITIZENS = 16

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
from django.utils import timezone

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
                      region=region, rate_per_minute=100_000_000)
for i in range(%(citizens)d):
    citizen = User.objects.create_user(email=f"citizen{i}@bench.example", password=%(password)r,
                                       full_name=f"Нагрузочный Тест {i}")
    if hasattr(citizen, "email_confirmed_at"):
        citizen.email_confirmed_at = timezone.now()
        citizen.save(update_fields=["email_confirmed_at"])
import json
print(json.dumps({"key": key, "category": pits.pk}))
"""


def seed(env: dict, citizens: int) -> dict:
    code = SEED % {"citizens": citizens, "password": PASSWORD}
    out = subprocess.run(
        [str(BIN / "python"), "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def marker(target: str) -> str:
    """The mark of a path in the text of the appeals it filed."""
    return f"[{target}]"


def count_appeals(env: dict) -> dict[str, int]:
    """Appeals in the database per filing path, and in total ("all")."""
    code = (
        "import json; from otklik.appeals.models import Appeal; "
        "print(json.dumps({'all': Appeal.objects.count(), "
        + ", ".join(
            f"{t!r}: Appeal.objects.filter(text__contains={marker(t)!r}).count()" for t in FILED
        )
        + "}))"
    )
    out = subprocess.run(
        [str(BIN / "python"), "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def login(port: int, email: str) -> dict:
    """A citizen's session cookies, logged in through the login form with CSRF."""
    cookies: dict = {}

    def send(method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        connection.request(method, path, body=body, headers={**(headers or {}), "Cookie": cookie})
        response = connection.getresponse()
        data = response.read()
        connection.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data

    _status, page = send("GET", "/accounts/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": email, "password": PASSWORD}
    )
    status, _data = send(
        "POST", "/accounts/login/", body, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    if status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"login of {email} failed: {status}")
    return cookies


# ---------------------------------------------------------------------------- load


def _request(target: str, seeded: dict, n: int, *, form_key: str = "", confirm: bool = False):
    """(method, path, body, headers) of the n-th request of a target."""
    if target == "health":
        return "GET", "/health/", b"", {}
    key = seeded["key"]
    lat = 52.55 + (n % 97) * 0.001
    lon = 39.55 + (n % 89) * 0.001
    text = f"Яма на дороге, нагрузочный тест {marker(target)} №{n}"
    if target == "portal":
        cookies = seeded["sessions"][n % len(seeded["sessions"])]
        fields = {
            "csrfmiddlewaretoken": cookies.get("csrftoken", ""),
            "form_key": form_key or str(uuid.uuid4()),
            "category": seeded["category"],
            "latitude": f"{lat:.6f}",
            "longitude": f"{lon:.6f}",
            "address": "Липецк, ул. Московская, 12",
            "text": text,
        }
        if confirm:
            fields["confirm_new"] = "1"
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        }
        return "POST", "/report/", urllib.parse.urlencode(fields).encode(), headers
    headers = {} if os.environ.get("BENCH_NO_KEY") else {"Idempotency-Key": uuid.uuid4().hex}
    if target == "open311":
        body = urllib.parse.urlencode(
            {
                "api_key": key,
                "service_code": "potholes",
                "lat": f"{lat:.5f}",
                "long": f"{lon:.5f}",
                "description": text,
                "email": "bench@example.ru",
            }
        ).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return "POST", "/open311/v2/requests.json", body, headers
    body = json.dumps(
        {
            "category": "potholes",
            "text": text,
            "latitude": lat,
            "longitude": lon,
        }
    ).encode()
    headers |= {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
    return "POST", "/api/v1/appeals/", body, headers


def _send(connection, target, seeded, n):
    """One filing (or /health/): (status, body); a portal filing that is shown similar
    appeals is confirmed as a new problem and sent again, as a citizen does."""
    form_key = str(uuid.uuid4())
    method, path, body, headers = _request(target, seeded, n, form_key=form_key)
    connection.request(method, path, body=body or None, headers=headers)
    response = connection.getresponse()
    data = response.read()
    if target == "portal" and response.status == 200 and b'name="confirm_new"' in data:
        method, path, body, headers = _request(target, seeded, n, form_key=form_key, confirm=True)
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
    return response.status, data


def _connection_loop(port, target, seeded, stop_at, start_n, step, result, lock):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, statuses, errors = [], {}, []
    n = start_n
    expected = FILED.get(target, 200)
    while time.monotonic() < stop_at:
        began = time.perf_counter()
        try:
            status, data = _send(connection, target, seeded, n)
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            n += step
            continue
        n += step
        latencies.append((time.perf_counter() - began) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
        if status != expected and len(errors) < 5:
            errors.append(f"{status}: {data[:300].decode('utf-8', 'replace')}")
    connection.close()
    with lock:
        result["latencies"].extend(latencies)
        for status, count in statuses.items():
            result["statuses"][status] = result["statuses"].get(status, 0) + count
        result["errors"].extend(errors[:5])


def load_process(port, target, seeded, duration, connections, index, processes, queue):
    """One load process: `connections` threads, each with its own keep-alive connection."""
    result = {"latencies": [], "statuses": {}, "errors": []}
    lock = threading.Lock()
    stop_at = time.monotonic() + duration
    step = processes * connections
    threads = [
        threading.Thread(
            target=_connection_loop,
            args=(port, target, seeded, stop_at, index * connections + i, step, result, lock),
        )
        for i in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put(result)


def drive(port, target, seeded, duration, connections, processes) -> dict:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    per_process = max(1, connections // processes)
    workers = [
        context.Process(
            target=load_process,
            args=(port, target, seeded, duration, per_process, i, processes, queue),
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


def probe(port: int, target: str, seeded: dict) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    status, _data = _send(connection, target, seeded, 10**9)
    connection.close()
    return status


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
    parser.add_argument("--endpoints", default=",".join(TARGETS))
    parser.add_argument(
        "--cache",
        choices=["db", "redis", "locmem"],
        default="db",
        help="the cache the throttle counts in: the default shared database cache, Redis as "
        "REDIS_URL sets it in production (BENCH_REDIS_URL, default redis://127.0.0.1:6379/14, "
        "a fresh key prefix a run), or each process's memory (no shared counter at all)",
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
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a tiny run that only checks the bench works (make bench-smoke): 1 s per target",
    )
    args = parser.parse_args()
    if args.smoke:
        args.duration, args.warmup, args.connections, args.processes = 1, 0.5, 2, 1
        args.workers, args.threads = 1, 2

    db = os.environ.get("BENCH_DB", "otklik_bench_intake")
    pg_url = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")
    scratch = Path(tempfile.mkdtemp(prefix="otklik-intake-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "otklik.settings",
        "DATABASE_URL": f"{pg_url}/{db}",
        "DEBUG": "0",
        "HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DB_CONN_MAX_AGE": "600",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        # The portal's pages need collected static files; uploads and data go to scratch.
        "DATA_DIR": str(scratch / "var"),
        "STATIC_ROOT": str(scratch / "static"),
        "MEDIA_ROOT": str(scratch / "media"),
        **LIMITS,
    }
    if args.no_idempotency_key:
        os.environ["BENCH_NO_KEY"] = "1"  # read by the spawned load processes
    if args.cache == "locmem":
        env["CACHE_BACKEND"] = "django.core.cache.backends.locmem.LocMemCache"
    elif args.cache == "redis":
        env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
        env["CACHE_KEY_PREFIX"] = f"bench-intake-{uuid.uuid4().hex[:8]}"

    print(f"database {db}: drop, create, migrate, seed")
    psql(pg_url, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    psql(pg_url, f'CREATE DATABASE "{db}"')
    if args.async_commit:
        psql(pg_url, f'ALTER DATABASE "{db}" SET synchronous_commit = off')
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "createcachetable")
    manage(env, "collectstatic", "--no-input", "-v", "0")
    citizens = 2 if args.smoke else CITIZENS
    seeded = seed(env, citizens)

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
        seeded["sessions"] = [
            login(args.port, f"citizen{i}@bench.example") for i in range(citizens)
        ]
        load = os.getloadavg()
        print(
            f"gunicorn: {args.workers} gthread workers × {args.threads} threads, keep-alive; "
            f"load: {args.processes} processes, {args.connections} connections, "
            f"{args.duration:g} s per target; throttle cache: {args.cache}; "
            f"Idempotency-Key: {'no' if args.no_idempotency_key else 'yes'}; "
            f"synchronous_commit: {'off' if args.async_commit else 'on'}; "
            f"CPUs: {os.cpu_count()}; load average before: {load[0]:.2f} {load[1]:.2f}"
        )
        print("rate limits set for the server: " + ", ".join(f"{k}={v}" for k, v in LIMITS.items()))
        print(
            f"{'target':<10} {'req/s':>8} {'×health':>8} {'p50 ms':>8} {'p95 ms':>8} "
            f"{'p99 ms':>8} {'ok':>7} {'other':>6}  load avg"
        )
        filed = dict.fromkeys(FILED, 0)
        failed = False
        health_rate = None
        for target in args.endpoints.split(","):
            target = target.strip()
            if target not in TARGETS:
                raise SystemExit(f"unknown endpoint {target}; known: {', '.join(TARGETS)}")
            expected = FILED.get(target, 200)
            if target != "health":
                status = probe(args.port, target, seeded)
                if status != expected:
                    print(f"{target:<10} failed: a probe answered {status}, not {expected}")
                    failed = True
                    continue
                filed[target] += 1
            # Every worker imports and warms its caches on its first requests: not measured.
            warm = drive(args.port, target, seeded, args.warmup, args.connections, args.processes)
            result = drive(
                args.port, target, seeded, args.duration, args.connections, args.processes
            )
            latencies = result["latencies"]
            ok = result["statuses"].get(expected, 0)
            other = sum(result["statuses"].values()) - ok
            other_warm = sum(warm["statuses"].values()) - warm["statuses"].get(expected, 0)
            if target != "health":
                filed[target] += ok + warm["statuses"].get(expected, 0)
            rate = len(latencies) / result["elapsed"]
            if target == "health":
                health_rate = rate
            share = f"{rate / health_rate:8.2f}" if health_rate and target != "health" else " " * 8
            print(
                f"{target:<10} {rate:8.0f} {share} {percentile(latencies, 0.50):8.1f} "
                f"{percentile(latencies, 0.95):8.1f} {percentile(latencies, 0.99):8.1f} "
                f"{ok:7d} {other:6d}  {os.getloadavg()[0]:.2f}"
            )
            errors = warm["errors"] + result["errors"]
            for error in errors[:5]:
                print(f"    error: {error}")
            if other or other_warm or errors:
                failed = True
        appeals = count_appeals(env)
        for target, said in filed.items():
            if target not in args.endpoints:
                continue
            verdict = "OK" if appeals[target] == said else "MISMATCH"
            failed |= appeals[target] != said
            print(
                f"{target:<10} appeals in the database: {appeals[target]}; "
                f"{FILED[target]} answers: {said} — {verdict}"
            )
        total = sum(filed.values())
        failed |= appeals["all"] != total
        print(f"all        appeals in the database: {appeals['all']}; filed answers: {total}")
        if failed:
            print("FAILED: an answer other than the expected one, or appeals lost or doubled")
            sys.exit(1)
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
