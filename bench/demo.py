"""Build the demo region into a fresh database and measure it: seconds, appeals/s, rows, size.

SQLite: a new file in a temporary directory. PostgreSQL (with --postgres URL of a server, e.g.
postgres://postgres@127.0.0.1:5432/postgres): a new database `otklik_bench_<pid>` on that
server, created and dropped through that URL. Each build runs `migrate` and `build_demo` in a
child process, so settings are read from the environment as in production.

    .venv/bin/python bench/demo.py [--appeals 100000] [--seed 48] [--postgres URL]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run in the child: counts and database size after the build, as JSON on the last line.
REPORT = """
import json
from django.db import connection
from otklik.appeals.models import Answer, Appeal, AppealEvent, Postponement, Rating
size = None
if connection.vendor == "postgresql":
    with connection.cursor() as c:
        c.execute("SELECT pg_database_size(current_database())")
        size = c.fetchone()[0]
print(json.dumps({
    "appeals": Appeal.objects.count(), "events": AppealEvent.objects.count(),
    "answers": Answer.objects.count(), "postponements": Postponement.objects.count(),
    "ratings": Rating.objects.count(), "size": size,
}))
"""


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def measure(label: str, env: dict, options: argparse.Namespace, size_of=None) -> None:
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "createcachetable")
    started = time.monotonic()
    manage(env, "build_demo", f"--appeals={options.appeals}", f"--seed={options.seed}",
           "--no-progress")  # fmt: skip
    elapsed = time.monotonic() - started
    report = json.loads(manage(env, "shell", "-c", REPORT).strip().splitlines()[-1])
    size = report["size"] if report["size"] is not None else size_of()
    print(
        f"{label}: {elapsed:.1f} s for {report['appeals']} appeals "
        f"({report['appeals'] / elapsed:.0f} appeals/s, process start included); "
        f"{report['events']} events, {report['answers']} answers, "
        f"{report['postponements']} postponements, {report['ratings']} ratings; "
        f"database {size / 2**20:.0f} MB"
    )


def sqlite(options: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "demo.sqlite3"
        env = {**os.environ, "SQLITE_PATH": str(path), "DATA_DIR": directory}
        env.pop("DATABASE_URL", None)

        def size() -> int:
            return sum(p.stat().st_size for p in Path(directory).glob("demo.sqlite3*"))

        measure("SQLite", env, options, size)


def postgres(options: argparse.Namespace) -> None:
    import psycopg

    server = urllib.parse.urlsplit(options.postgres)
    name = f"otklik_bench_{os.getpid()}"
    with psycopg.connect(options.postgres, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = urllib.parse.urlunsplit(server._replace(path=f"/{name}"))
        measure("PostgreSQL", {**os.environ, "DATABASE_URL": url}, options)
    finally:
        with psycopg.connect(options.postgres, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appeals", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=48)
    parser.add_argument("--postgres", help="URL of a PostgreSQL server to build on as well")
    parser.add_argument("--no-sqlite", action="store_true")
    options = parser.parse_args()
    if not options.no_sqlite:
        sqlite(options)
    if options.postgres:
        postgres(options)


if __name__ == "__main__":
    main()
