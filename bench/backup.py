"""Time `manage.py backup` and `manage.py restore` on the demo region: SQLite and PostgreSQL.

The demo region (100 000 appeals by default) is built once and reused: SQLite in
var/bench-backup/demo.sqlite3, PostgreSQL in the database --pg-database on the server of
--postgres (created when missing). Each command runs in a child process with the settings read
from the environment, as in production; the figures are the backup's size, the time the work
itself took (from the manifest and the restore's own report) and the command's wall time with
the process start. The restore goes over the same database (--yes) and the appeal count is
checked after it.

    .venv/bin/python bench/backup.py [--appeals 100000] [--postgres URL] [--no-sqlite]
        [--pg-database otklik_bench_backup] [--sqlite-path var/bench-backup/demo.sqlite3]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COUNT = "from otklik.appeals.models import Appeal; print(Appeal.objects.count())"


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return result.stdout


def appeals(env: dict) -> int:
    try:
        return int(manage(env, "shell", "-c", COUNT).strip().splitlines()[-1])
    except (SystemExit, ValueError, IndexError):
        return 0


def ensure_demo(label: str, env: dict, options: argparse.Namespace) -> int:
    found = appeals(env)
    if found:
        print(f"{label}: reusing the demo region ({found} appeals)")
        return found
    print(f"{label}: building the demo region ({options.appeals} appeals), a few minutes…")
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "createcachetable")
    manage(env, "build_demo", f"--appeals={options.appeals}", "--no-progress")
    return appeals(env)


def measure(label: str, env: dict, count: int, database_size: int) -> None:
    with tempfile.TemporaryDirectory(prefix="otklik-backup-bench-") as output:
        started = time.monotonic()
        manage(env, "backup", f"--output={output}")
        backup_wall = time.monotonic() - started
        (manifest_path,) = Path(output).glob("otklik-*/manifest.json")
        manifest = json.loads(manifest_path.read_text())
        size = sum(entry["size"] for entry in manifest["files"].values())

        started = time.monotonic()
        said = manage(env, "restore", str(manifest_path), "--yes")
        restore_wall = time.monotonic() - started
        inner = re.search(r"in ([0-9.]+) s", said)
        restore_seconds = float(inner.group(1)) if inner else restore_wall
    after = appeals(env)
    assert after == count, f"{after} appeals after the restore, {count} before"
    print(
        f"{label}: {count} appeals, database {database_size / 2**20:.0f} MB; "
        f"backup {size / 2**20:.0f} MB in {manifest['seconds']:.1f} s "
        f"({backup_wall:.1f} s with the command's start); "
        f"restore {restore_seconds:.1f} s ({restore_wall:.1f} s with the command's start); "
        f"{after} appeals after the restore"
    )


def sqlite(options: argparse.Namespace) -> None:
    path = Path(options.sqlite_path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SQLITE_PATH": str(path), "DATA_DIR": str(path.parent)}
    env.pop("DATABASE_URL", None)
    count = ensure_demo("SQLite", env, options)
    measure("SQLite", env, count, path.stat().st_size)


def postgres(options: argparse.Namespace) -> None:
    import psycopg

    server = urllib.parse.urlsplit(options.postgres)
    name = options.pg_database
    with psycopg.connect(options.postgres, autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    url = urllib.parse.urlunsplit(server._replace(path=f"/{name}"))
    data_dir = ROOT / "var" / "bench-backup" / "postgresql"
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATABASE_URL": url, "DATA_DIR": str(data_dir)}
    count = ensure_demo("PostgreSQL", env, options)
    with psycopg.connect(url) as connection:
        size = connection.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    measure("PostgreSQL", env, count, size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appeals", type=int, default=100_000)
    parser.add_argument("--sqlite-path", default=str(ROOT / "var/bench-backup/demo.sqlite3"))
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument(
        "--postgres",
        help="URL of a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres",
    )
    parser.add_argument("--pg-database", default="otklik_bench_backup")
    options = parser.parse_args()
    if not options.no_sqlite:
        sqlite(options)
    if options.postgres:
        postgres(options)


if __name__ == "__main__":
    main()
