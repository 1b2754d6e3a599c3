"""What one process costs to start (issue 18): time, resident memory, modules, heavy libraries.

Two measurements, each repeated in fresh processes and reported with the median:
- import: `django.setup()`, `import otklik.urls` and `get_wsgi_application()` in a new Python
  process. Prints the seconds, the RSS after it (VmRSS, MiB), the number of modules in
  sys.modules and which heavy libraries (HEAVY below) are already loaded.
- gunicorn (`--gunicorn`): `gunicorn otklik.wsgi -w 1` on a loopback port, the seconds from the
  start until /health/ answers 200, and the worker's RSS (MiB) after that first answer.
The load average is printed with each run: the figures mean little on a busy machine.
Each run uses a throwaway DATA_DIR (empty SQLite; /health/ only needs `SELECT 1`).

    .venv/bin/python bench/startup.py                      # 3 import runs
    .venv/bin/python bench/startup.py --runs 5 --gunicorn  # and 5 gunicorn starts
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(Path(sys.executable))
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
HEAVY = ("sklearn", "scipy", "numpy", "pypdf", "openpyxl", "PIL", "pymorphy3", "natasha")
READY_TIMEOUT_S = 120


def rss_mib(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def child() -> None:
    """The measured process: prints one JSON line."""
    began = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
    import django

    django.setup()
    importlib.import_module("otklik.urls")
    from django.core.wsgi import get_wsgi_application

    get_wsgi_application()
    seconds = time.perf_counter() - began
    heavy = [name for name in HEAVY if name in sys.modules]
    print(json.dumps({"s": seconds, "rss": rss_mib(), "modules": len(sys.modules), "heavy": heavy}))


def environment(data_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DATA_DIR=data_dir, PYTHONDONTWRITEBYTECODE="1")
    return env


def import_run() -> dict:
    with tempfile.TemporaryDirectory(prefix="startup-") as data_dir:
        done = subprocess.run(
            [PYTHON, __file__, "--child"],
            cwd=ROOT,
            env=environment(data_dir),
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def gunicorn_run(port: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="startup-") as data_dir:
        began = time.monotonic()
        server = subprocess.Popen(
            [GUNICORN, "otklik.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=environment(data_dir),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while True:
                if time.monotonic() - began > READY_TIMEOUT_S or server.poll() is not None:
                    raise SystemExit("gunicorn did not answer /health/")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    time.sleep(0.05)
            seconds = time.monotonic() - began
            children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
            return {"s": seconds, "rss": sum(rss_mib(pid) for pid in children)}
        finally:
            server.terminate()
            server.wait(timeout=30)


def report(label: str, runs: list[dict]) -> None:
    for number, run in enumerate(runs, 1):
        extra = ""
        if "modules" in run:
            extra = f"  {run['modules']} modules  heavy: {', '.join(run['heavy']) or 'none'}"
        print(f"{label} run {number}: {run['s']:.2f} s  RSS {run['rss']:.0f} MiB{extra}")
        print(f"    load average {run['load']}")
    seconds = statistics.median(run["s"] for run in runs)
    rss = statistics.median(run["rss"] for run in runs)
    print(f"{label} median of {len(runs)}: {seconds:.2f} s  RSS {rss:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--gunicorn", action="store_true", help="also start gunicorn --runs times")
    parser.add_argument("--port", type=int, default=18768)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child()
        return
    runs = [{**import_run(), "load": load_average()} for _ in range(args.runs)]
    report("import", runs)
    if args.gunicorn:
        runs = [{**gunicorn_run(args.port), "load": load_average()} for _ in range(args.runs)]
        report("gunicorn", runs)


if __name__ == "__main__":
    main()
