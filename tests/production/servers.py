"""Real processes on loopback for the production tests: throwaway PostgreSQL databases and
clusters, gunicorn, task workers, redis-server. Every helper is a context manager that stops what
it started (whole process groups) even when the test fails.

The tests always run on PostgreSQL, whatever DATABASE_URL the suite itself uses: the machine's
server (OTKLIK_TEST_PG, default postgres://postgres@127.0.0.1:5432) for the databases, and a
cluster of their own (initdb into a temporary directory) when a test restarts the server.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
PG_URL = os.environ.get("OTKLIK_TEST_PG", "postgres://postgres@127.0.0.1:5432")
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
SETTINGS = "tests.production.process_settings"


# ---------------------------------------------------------------------------- waiting


def wait_for(condition: Callable[[], object], *, timeout: float = 30, what: str = "") -> object:
    """Poll `condition` until it returns something true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or condition}")
        time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------- processes


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, size: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-size:] if self.log.exists() else ""

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (gunicorn's workers, a worker's children)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)

    def stop(self, timeout: float = 10) -> None:
        if self.alive():
            self.kill(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout)
        self.kill(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(10)


@contextlib.contextmanager
def process(name: str, command: list[str], env: dict, logs: Path) -> Iterator[Process]:
    """A process in its own group, its output in `logs/name.log`; stopped on the way out."""
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}.log"
    with log.open("ab") as out:
        popen = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    proc = Process(name, popen, log)
    try:
        yield proc
    finally:
        proc.stop()


def process_env(database_url: str, data_dir: Path, **extra: str) -> dict:
    """The environment of a production process: DEBUG off, the given database, no Redis unless
    REDIS_URL is passed, letters kept in memory."""
    (data_dir / "static").mkdir(parents=True, exist_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            (
                "DJANGO_",
                "DATABASE_",
                "REDIS_",
                "CACHE_",
                "PYTEST",
                "OTKLIK_SYNC",
                "STORAGE_",
                "S3_",
                "AWS_",
                "EMAIL_",
                "MEDIA_",
                "STATIC_",
                "TASK_",
            )
        )
    }
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        PYTHONPATH=str(ROOT),
        DATABASE_URL=database_url,
        DB_CONN_MAX_AGE="60",
        SECRET_KEY="production-test-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DEBUG="0",
        HTTPS="0",
        DATA_DIR=str(data_dir),
        MEDIA_ROOT=str(data_dir / "media"),
        STATIC_ROOT=str(data_dir / "static"),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        WEBHOOK_ALLOW_PRIVATE="1",
        FILING_RATE_PER_HOUR_PER_IP="100000",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def manage(env: dict, *command: str) -> str:
    return run_python(env, "manage.py", *command)


def run_python(env: dict, *command: str) -> str:
    """Run the venv's python with `command`; its output, or an AssertionError with its errors."""
    done = subprocess.run(
        [str(BIN / "python"), *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise AssertionError(f"python {' '.join(command)} failed:\n{done.stderr[-4000:]}")
    return done.stdout


# ---------------------------------------------------------------------------- HTTP


def get_status(url: str, timeout: float = 2) -> int | None:
    parts = url.split("/", 3)
    host, port = parts[2].split(":")
    try:
        connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
        connection.request("GET", "/" + (parts[3] if len(parts) > 3 else ""))
        status = connection.getresponse().status
        connection.close()
        return status
    except (OSError, http.client.HTTPException):
        return None


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


def call(
    base: str, method: str, path: str, body=None, headers: dict | None = None, timeout: float = 30
) -> Reply:
    """One HTTP request on a new connection; `body` a dict is sent as JSON."""
    headers = dict(headers or {})
    if isinstance(body, dict):
        body = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    host, port = base.split("//", 1)[1].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return Reply(response.status, dict(response.getheaders()), response.read())
    finally:
        connection.close()


@dataclass
class Server:
    url: str
    process: Process
    up: Callable[[], bool]

    def wait_up(self) -> None:
        wait_for(self.up, timeout=90, what=f"{self.process.name} to answer /health/")


@contextlib.contextmanager
def gunicorn(
    env: dict,
    logs: Path,
    *,
    name: str = "gunicorn",
    workers: int = 2,
    threads: int = 4,
    wait: bool = True,
) -> Iterator[Server]:
    """gunicorn serving otklik.wsgi on a free port, up once /health/ answers 200 (with
    `wait=False` the caller waits: `server.wait_up()`, to start several at once)."""
    port = free_port()
    command = [
        str(BIN / "gunicorn"),
        "otklik.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--graceful-timeout",
        "3",
        "--log-level",
        "warning",
    ]
    with process(name, command, env, logs) as proc:
        url = f"http://127.0.0.1:{port}"

        def up():
            if not proc.alive():
                raise AssertionError(f"{name} exited:\n{proc.tail()}")
            return get_status(url + "/health/") == 200

        server = Server(url, proc, up)
        if wait:
            server.wait_up()
        yield server


@contextlib.contextmanager
def db_worker(
    env: dict, logs: Path, *, name: str = "worker", module: str = ""
) -> Iterator[Process]:
    """`manage.py db_worker` polling every 0.1 s; `module` runs a test module in its place (one
    that patches a task, then starts the same worker)."""
    args = ["--no-startup-delay", "--interval", "0.1", "--worker-id", name]
    if module:
        command = [str(BIN / "python"), "-m", module, *args]
    else:
        command = [str(BIN / "python"), "manage.py", "db_worker", *args]
    with process(name, command, env, logs) as proc:
        yield proc


@contextlib.contextmanager
def redis_server(logs: Path, port: int = 0) -> Iterator[Process]:
    """A redis-server of its own on a free port (or `port`), without persistence."""
    port = port or free_port()
    command = [
        shutil.which("redis-server") or "redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    with process(f"redis-{port}", command, dict(os.environ), logs) as proc:
        proc.port = port  # type: ignore[attr-defined]

        def up():
            if not proc.alive():
                raise AssertionError(f"redis-server exited:\n{proc.tail()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                return True
            return False

        wait_for(up, timeout=20, what="redis-server")
        yield proc


# ---------------------------------------------------------------------------- PostgreSQL


def sql(url: str, statement: str, params: tuple = ()) -> list[tuple]:
    """Run one statement in autocommit on `url`; its rows, if any."""
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as connection:
        cursor = connection.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


@dataclass
class Template:
    """A migrated and seeded database the tests' databases are copied from."""

    server: str
    name: str
    seed: dict = field(default_factory=dict)

    @contextlib.contextmanager
    def database(self) -> Iterator[str]:
        """A fresh copy of the template (CREATE DATABASE … TEMPLATE), dropped afterwards."""
        name = f"otklik_procs_{uuid.uuid4().hex[:12]}"
        sql(f"{self.server}/postgres", f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"')
        try:
            yield f"{self.server}/{name}"
        finally:
            sql(f"{self.server}/postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def template_database(data_dir: Path) -> Iterator[Template]:
    """A throwaway database on the machine's server with the schema, the cache table and the
    minimal region (seed.py); dropped at the end."""
    name = f"otklik_procs_tpl_{uuid.uuid4().hex[:12]}"
    url = f"{PG_URL}/{name}"
    sql(f"{PG_URL}/postgres", f'CREATE DATABASE "{name}"')
    try:
        env = process_env(url, data_dir, OTKLIK_SYNCDB="1")
        out = run_python(env, "-m", "tests.production.seed")
        line = next(line for line in out.splitlines() if line.startswith("SEED "))
        yield Template(PG_URL, name, json.loads(line[5:]))
    finally:
        sql(f"{PG_URL}/postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Cluster:
    """A PostgreSQL server of the test's own, on a free port."""

    data: Path
    port: int
    log: Path
    as_postgres: list[str]

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}"

    def pg_ctl(self, *args: str) -> None:
        subprocess.run(
            [
                *self.as_postgres,
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                *args,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def restart(self) -> None:
        self.pg_ctl("restart", "-m", "fast", "-w")

    def stop(self) -> None:
        self.pg_ctl("stop", "-m", "fast", "-w")

    def start(self) -> None:
        self.pg_ctl("start", "-w")


@contextlib.contextmanager
def cluster() -> Iterator[Cluster]:
    """initdb into a temporary directory and start it on a free port (as the postgres user
    when run as root: PostgreSQL refuses to run as root); stopped and removed at the end."""
    base = Path(tempfile.mkdtemp(prefix="otklik-pg-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    data, port = base / "data", free_port()
    found = Cluster(data, port, base / "server.log", as_postgres)
    try:
        subprocess.run(
            [
                *as_postgres,
                str(PG_BIN / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale",
                "C.UTF-8",
                "--no-sync",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = "
                f"'{base}'\nfsync = off\nfull_page_writes = off\nsynchronous_commit = off\n"
            )
        found.start()
        yield found
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            found.pg_ctl("stop", "-m", "immediate", "-w")
        shutil.rmtree(base, ignore_errors=True)


def copy_database(source_url: str, target_url: str) -> None:
    """pg_dump | psql: the template into another server."""
    target_server, target_db = target_url.rsplit("/", 1)
    sql(f"{target_server}/postgres", f'CREATE DATABASE "{target_db}"')
    dump = subprocess.Popen(
        [str(PG_BIN / "pg_dump"), "--no-owner", "--no-privileges", source_url],
        stdout=subprocess.PIPE,
    )
    subprocess.run(
        [str(PG_BIN / "psql"), "-q", "-v", "ON_ERROR_STOP=1", target_url],
        stdin=dump.stdout,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    assert dump.wait() == 0
