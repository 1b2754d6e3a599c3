"""Serve the demo region as `make run` does and measure it from a second process on loopback.

Starts gunicorn (same options as scripts/run-embedded) and one db_worker on the current database
(SQLite under var/ by default, or DATABASE_URL), requests the main pages as a visitor and as the
demo operator, and prints latency per page and the resident memory (RSS) of every process.

    .venv/bin/python bench/serve.py [--requests 50] [--port 8765]
"""

import argparse
import http.cookiejar
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (gunicorn workers), in MB."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def per_process_rss(pid: int) -> dict[int, float]:
    out = {}
    children = Path(f"/proc/{pid}/task/{pid}/children")
    pids = [pid] + ([int(p) for p in children.read_text().split()] if children.exists() else [])
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                out[p] = int(line.split()[1]) / 1024
    return out


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not start at {url}")


def timed(opener, url: str, n: int) -> tuple[float, float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        with opener.open(url, timeout=30) as response:
            response.read()
            assert response.status == 200, url
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    base = f"http://127.0.0.1:{args.port}"
    env = {**os.environ, "HTTPS": "0", "DJANGO_SETTINGS_MODULE": "otklik.settings"}
    gunicorn = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "otklik.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    worker = subprocess.Popen(
        [str(BIN / "python"), "manage.py", "db_worker", "--no-startup-delay"], cwd=ROOT, env=env
    )
    try:
        wait_until_up(base + "/health/")
        print(
            f"after start: gunicorn {rss_mb(gunicorn.pid):.0f} MB "
            f"(per process {per_process_rss(gunicorn.pid)}), worker {rss_mb(worker.pid):.0f} MB"
        )
        visitor = urllib.request.build_opener()
        home = visitor.open(base + "/").read().decode()
        number = re.search(r"/appeals/([0-9-]+)/", home).group(1)
        jar = http.cookiejar.CookieJar()
        operator = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        login = operator.open(base + "/accounts/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login).group(1)
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token,
                "username": "operator@demo.otklik.ru",
                "password": "otklik-demo-2026",
            }
        ).encode()
        operator.open(
            urllib.request.Request(
                base + "/accounts/login/", data=data, headers={"Referer": base + "/accounts/login/"}
            )
        ).read()
        pages = [
            ("home (visitor)", visitor, "/"),
            ("public appeal (visitor)", visitor, f"/appeals/{number}/"),
            ("office list (operator, region)", operator, "/office/"),
            ("office list page 100 (operator)", operator, "/office/?page=100"),
            ("office appeal (operator)", operator, f"/office/appeals/{number}/"),
        ]
        print(f"{'page':<36} {'p50 ms':>8} {'p95 ms':>8}")
        for name, opener, path in pages:
            p50, p95 = timed(opener, base + path, args.requests)
            print(f"{name:<36} {p50:8.1f} {p95:8.1f}")
        print(
            f"after load: gunicorn {rss_mb(gunicorn.pid):.0f} MB "
            f"(per process {per_process_rss(gunicorn.pid)}), worker {rss_mb(worker.pid):.0f} MB"
        )
    finally:
        gunicorn.terminate()
        worker.terminate()
        gunicorn.wait(10)
        worker.wait(10)


if __name__ == "__main__":
    main()
