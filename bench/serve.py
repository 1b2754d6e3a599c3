"""Serve the demo region as `make run` does and measure it from a second process on loopback.

Starts gunicorn (same options as scripts/run-embedded) and one db_worker on the current database
(SQLite under var/ by default, or DATABASE_URL), requests the main pages as a visitor and as the
demo operator, and prints latency per page and the resident memory (RSS) of every process.
Static files are collected into a temporary directory first. The operator logs in as a person
does: the password, then the code of the authenticator app from the demo's published key. Any
answer but 200 (a redirect too) stops the bench with a non-zero exit.

    .venv/bin/python bench/serve.py [--requests 50] [--port 8765]
"""

import argparse
import http.cookiejar
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from otklik.accounts import totp  # noqa: E402 (pure functions, no Django set up)

DEMO_PASSWORD = "otklik-demo-2026"  # noqa: S105 (otklik.demo.region's, published)
DEMO_TOTP_SECRET = "OTKLIKDEMOSECRETFORSTAFFLOGINS22"  # noqa: S105 (docs/security.md)


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
            if response.status != 200 or response.geturl() != url:
                raise SystemExit(f"{url} answered {response.status} at {response.geturl()}")
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def second_factor(opener, base: str) -> None:
    """Type the app's code on the code page; the next step's code too if this one was used a
    moment ago (a code is good once; the server accepts one step either side)."""
    url = base + "/accounts/two-factor/"
    for offset in (0, totp.STEP_SECONDS):
        page = opener.open(url).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        code = totp.code_at(DEMO_TOTP_SECRET, time.time() + offset)
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "code": code}).encode()
        request = urllib.request.Request(url, data=data, headers={"Referer": url})
        with opener.open(request) as response:
            if response.geturl() != url:
                return  # accepted: redirected to the office (a refused code shows the page again)
    raise SystemExit("the operator's authenticator code was refused")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    base = f"http://127.0.0.1:{args.port}"
    static = tempfile.mkdtemp(prefix="otklik-serve-static-")
    env = {
        **os.environ,
        "HTTPS": "0",
        "DJANGO_SETTINGS_MODULE": "otklik.settings",
        "STATIC_ROOT": static,
    }
    subprocess.run(
        [str(BIN / "python"), "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
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
        second_factor(operator, base)
        pages = [
            ("home (visitor)", visitor, "/"),
            ("public appeal (visitor)", visitor, f"/appeals/{number}/"),
            ("office list (operator, region)", operator, "/office/appeals/"),
            ("office list page 5 (operator)", operator, "/office/appeals/?page=5"),
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
        gunicorn.wait(30)
        worker.wait(30)
        shutil.rmtree(static, ignore_errors=True)


if __name__ == "__main__":
    main()
