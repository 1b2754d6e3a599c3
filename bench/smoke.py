"""Every bench script at a tiny scale, so that none can rot unnoticed (`make bench-smoke`).

Builds a small demo region (`build_demo --appeals 1000`) in a throwaway PostgreSQL database,
runs each script of SCRIPTS below in turn with its small-scale options — against that database
when it reads DATABASE_URL, on its own throwaway databases (PostgreSQL, where it starts a server)
otherwise — and prints a table of seconds and results. A script fails on an exception, a
non-zero exit or any answer but the one expected (the page benches stop on any status but 200,
the server benches on any non-2xx/3xx answer). Exit status 1 if any failed, or if a script in
bench/ is neither in SCRIPTS nor in NOT_SCRIPTS: a new bench must say how it runs small.

    .venv/bin/python bench/smoke.py [--only intake,load] [--keep-db]

PostgreSQL is reached as PG_URL (default postgres://postgres@127.0.0.1:5432); the scripts that
need Redis (cache_fallback) find it on 127.0.0.1:6379, as in .ci/run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = str(Path(sys.executable))
DEMO_DB = os.environ.get("BENCH_SMOKE_DB", "otklik_bench_smoke")
PSQL = shutil.which("psql") or "/usr/bin/psql"
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")

# script → (its small-scale arguments, runs on the smoke demo database). Add a new bench here
# with options that make it run in seconds.
SCRIPTS: dict[str, tuple[list[str], bool]] = {
    "formal_reply.py": ([], False),
    "masking.py": (["--texts", "20"], False),
    "cache_fallback.py": (["--ops", "200"], False),
    "address_search.py": (["--streets", "40", "--houses", "2", "--runs", "5"], False),
    "office_pages.py": ([], True),
    "portal_pages.py": ([], True),
    "public_pages.py": ([], True),
    "weekly.py": ([], True),
    "forecast.py": (["--tiny"], True),
    "serve.py": (["--requests", "2", "--port", "18765"], True),
    "incidents.py": (["--appeals", "500", "--arrivals", "20"], False),
    "demo.py": (["--appeals", "200", "--no-sqlite", "--postgres", f"{PG_URL}/postgres"], False),
    "backup.py": (
        [
            *("--appeals", "200", "--no-sqlite", "--postgres", f"{PG_URL}/postgres"),
            *("--pg-database", "otklik_bench_smoke_backup"),
        ],
        False,
    ),
    "intelligence_classifier.py": (["--appeals", "300"], False),
    "intelligence_texts.py": (
        ["--appeals", "1500", "--demo", "300", "--queries", "5", "--pairs", "20"],
        False,
    ),
    "kpi.py": (["--appeals", "1000", "--no-straight"], False),
    "intake.py": (["--smoke", "--port", "18766"], False),
    "profile_filing.py": (["--smoke"], False),
    "load.py": (["--smoke", "--reuse-db", "--port", "18767"], True),
    "routes.py": (["--smoke"], False),
    "profile_requests.py": (["--smoke"], True),
    "startup.py": (["--runs", "1", "--gunicorn", "--port", "18768"], False),
}
# Modules the scripts import, and scripts made of others.
NOT_SCRIPTS = {
    "smoke.py": "this runner",
    "pagebench.py": "shared by the *_pages.py scripts",
    "load_search.py": "part of load.py",
    "intelligence.py": "runs intelligence_classifier.py and intelligence_texts.py, run above",
}
# Environment of each script beyond the demo database: its own throwaway database names.
EXTRA_ENV = {
    "intake.py": {"BENCH_DB": "otklik_bench_smoke_intake"},
    "profile_filing.py": {"BENCH_DB": "otklik_bench_smoke_profile"},
    "load.py": {"BENCH_DB": DEMO_DB},
    "kpi.py": {"BENCH_DB": "otklik_bench_smoke_kpi", "BENCH_TEMPLATE_APPEALS": "500"},
}
THROWAWAY_DBS = (
    "otklik_bench_smoke_intake",
    "otklik_bench_smoke_profile",
    "otklik_bench_smoke_kpi",
    "otklik_bench_smoke_backup",
)
TIMEOUT_S = 900


def psql(sql: str) -> None:
    subprocess.run(
        [PSQL, f"{PG_URL}/postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def build_demo(env: dict) -> None:
    psql(f'DROP DATABASE IF EXISTS "{DEMO_DB}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{DEMO_DB}"')
    for command in (
        ["migrate", "--no-input", "-v", "0"],
        ["createcachetable"],
        ["build_demo", "--appeals", "1000", "--no-progress"],
    ):
        subprocess.run(
            [PYTHON, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def run(script: str, args: list[str], env: dict) -> tuple[bool, float, str]:
    began = time.monotonic()
    try:
        done = subprocess.run(
            [PYTHON, str(BENCH / script), *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as exc:
        output = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else exc.stdout
        return False, time.monotonic() - began, f"{output or ''}\ntimed out after {TIMEOUT_S} s"
    output = done.stdout + done.stderr
    return done.returncode == 0, time.monotonic() - began, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated script names (without .py)")
    parser.add_argument("--keep-db", action="store_true", help="keep (and reuse) the demo DB")
    args = parser.parse_args()
    on_disk = {path.name for path in BENCH.glob("*.py")}
    unknown = sorted(on_disk - set(SCRIPTS) - set(NOT_SCRIPTS))
    if unknown:
        raise SystemExit(f"bench/smoke.py: add to SCRIPTS how to run small: {', '.join(unknown)}")
    chosen = [s for s in SCRIPTS if s in on_disk]
    if args.only:
        wanted = {f"{name.strip()}.py" for name in args.only.split(",")}
        chosen = [s for s in chosen if s in wanted]
    demo_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "otklik.settings",
        "DATABASE_URL": f"{PG_URL}/{DEMO_DB}",
    }
    plain_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    began = time.monotonic()
    if any(SCRIPTS[s][1] for s in chosen):
        kept = args.keep_db and (
            subprocess.run(
                [PSQL, f"{PG_URL}/{DEMO_DB}", "-tAc", "SELECT count(*) FROM appeals_appeal"],
                capture_output=True,
                text=True,
            ).stdout.strip()
            not in ("", "0")
        )
        if not kept:
            print(f"demo region of 1000 appeals in {DEMO_DB}", flush=True)
            build_demo(demo_env)
    results = []
    try:
        for script in chosen:
            script_args, on_demo = SCRIPTS[script]
            env = {**(demo_env if on_demo else plain_env), **EXTRA_ENV.get(script, {})}
            print(f"== {script} {' '.join(script_args)}", flush=True)
            ok, seconds, output = run(script, script_args, env)
            print(output.rstrip() if not ok else output.rstrip()[-1500:], flush=True)
            print(f"-- {script}: {'ok' if ok else 'FAILED'} in {seconds:.0f} s", flush=True)
            results.append((script, ok, seconds))
    finally:
        if not args.keep_db:
            for name in (DEMO_DB, *THROWAWAY_DBS):
                psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"\n{'script':<30} {'seconds':>8}  result")
    for script, ok, seconds in results:
        print(f"{script:<30} {seconds:8.0f}  {'ok' if ok else 'FAILED'}")
    failed = [script for script, ok, _s in results if not ok]
    print(f"{len(results)} scripts in {time.monotonic() - began:.0f} s; failed: {failed or 'none'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
