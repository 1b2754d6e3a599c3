"""Backups of the database and the local files, and their restore.

A backup is a directory `otklik-YYYYMMDD-HHMMSS/` with the database (PostgreSQL: `pg_dump` in
the custom format; SQLite: a copy made with SQLite's online backup API, consistent while the
server writes, WAL included), a tar of each local file tree (media, trained models, private
imports) and `manifest.json`: time, engine, the newest applied migration of each app, and the
size and SHA-256 of every file.

A restore checks every SHA-256 first, then replaces the database (PostgreSQL: `pg_restore
--clean --if-exists` in one transaction; SQLite: a checked copy renamed over the file) and the
file trees (unpacked beside them, then renamed into place). The server, the workers and the
periodic loop must be stopped while it runs.

Functions take a database's settings (an entry of DATABASES), so tests and benchmarks run them
on databases of their own.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

MANIFEST = "manifest.json"
FORMAT = 1
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message says why, for the operator."""


class NeedsConfirmation(BackupError):
    """The target database holds data: a restore replaces it only when told to (--yes)."""


@dataclass(frozen=True)
class Restored:
    engine: str
    database: str
    trees: tuple[str, ...]
    seconds: float
    migrations_differ: bool


# ---------------------------------------------------------------------------- helpers


def engine_of(db: dict) -> str:
    engine = db["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"Unsupported database engine: {engine}")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _private_file(path: Path) -> None:
    # Backups hold personal data: readable by the service's user only.
    path.chmod(0o600)


def pg_binary(name: str, bin_dir: str = "") -> str:
    """`pg_dump` or `pg_restore`: from bin_dir, else PATH, else the newest Debian install."""
    if bin_dir:
        candidate = Path(bin_dir) / name
        if candidate.is_file():
            return str(candidate)
        raise BackupError(f"{name} not found in {bin_dir}")
    found = shutil.which(name)
    if found:
        return found
    installed = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if installed:
        return installed[-1]
    raise BackupError(f"{name} not found: install the PostgreSQL client or set PG_BIN_DIR")


def _pg_env(db: dict) -> dict[str, str]:
    """libpq's environment for the database: nothing on the command line (ps shows it)."""
    env = {**os.environ}
    values = {
        "PGHOST": db.get("HOST"),
        "PGPORT": db.get("PORT"),
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
        "PGDATABASE": db.get("NAME"),
        "PGSSLMODE": (db.get("OPTIONS") or {}).get("sslmode"),
    }
    env.update({key: str(value) for key, value in values.items() if value})
    return env


def _pg_connect(db: dict):
    import psycopg

    options = db.get("OPTIONS") or {}
    params = {
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "dbname": db["NAME"],
        "sslmode": options.get("sslmode"),
    }
    return psycopg.connect(autocommit=True, **{k: v for k, v in params.items() if v})


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise BackupError(f"{Path(command[0]).name} failed: " + " | ".join(message))


def _heads(rows) -> dict[str, str]:
    """The newest applied migration of each app (names start with their number)."""
    heads: dict[str, str] = {}
    for app, name in rows:
        if name > heads.get(app, ""):
            heads[app] = name
    return dict(sorted(heads.items()))


def _sqlite_heads(path: Path) -> dict[str, str]:
    connection = sqlite3.connect(path)
    try:
        return _heads(connection.execute("SELECT app, name FROM django_migrations").fetchall())
    except sqlite3.OperationalError:  # no Django tables (yet)
        return {}
    finally:
        connection.close()


def _pg_heads(db: dict) -> dict[str, str]:
    import psycopg

    with _pg_connect(db) as connection:
        try:
            return _heads(connection.execute("SELECT app, name FROM django_migrations").fetchall())
        except psycopg.errors.UndefinedTable:
            return {}


def code_heads() -> dict[str, str]:
    """The newest migration of each app in the code (read from the files, no database)."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    return _heads(loader.graph.leaf_nodes())


# ---------------------------------------------------------------------------- database


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"No SQLite database at {source}")
    # Read-only, through SQLite itself: the copy is one consistent snapshot (WAL included)
    # while the server and the worker go on writing.
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        # A single self-contained file: no -wal beside it to forget.
        dst.execute("PRAGMA journal_mode=DELETE")
        if dst.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError("The copy of the SQLite database failed its check")
    finally:
        dst.close()
        src.close()


def _pg_dump(db: dict, target: Path, bin_dir: str) -> None:
    _run(
        [pg_binary("pg_dump", bin_dir), "--format=custom", "--no-password", f"--file={target}"],
        _pg_env(db),
    )


def database_is_empty(db: dict) -> bool:
    """No tables yet (a fresh database): a restore needs no confirmation."""
    if engine_of(db) == "sqlite":
        path = Path(db["NAME"])
        if not path.exists() or path.stat().st_size == 0:
            return True
        connection = sqlite3.connect(path)
        try:
            count = connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
        finally:
            connection.close()
        return count == 0
    with _pg_connect(db) as connection:
        count = connection.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
        ).fetchone()[0]
    return count == 0


def _sqlite_in_use(path: Path) -> bool:
    """Whether another process has the database open. In WAL mode the last connection to close
    checkpoints and removes the -wal file; if it stays after ours closed, someone else has it."""
    if not path.exists():
        return False
    connection = sqlite3.connect(path, timeout=5)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    return Path(f"{path}-wal").exists() or Path(f"{path}-shm").exists()


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _sqlite_restore(backup: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f"{target.name}.restoring")
    for leftover in (temporary, Path(f"{temporary}-wal"), Path(f"{temporary}-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(backup, temporary)
    connection = sqlite3.connect(temporary)
    try:
        # The SHA-256 proved the file is the one the backup checked; a quick check of the
        # copy catches a bad disk here (a full integrity_check doubles the restore's time).
        if connection.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError("The backup's SQLite database failed its check")
        connection.execute("PRAGMA journal_mode=WAL")
    except BaseException:
        connection.close()
        temporary.unlink(missing_ok=True)
        raise
    connection.close()
    if _sqlite_in_use(target):
        temporary.unlink(missing_ok=True)
        raise BackupError(
            f"{target} is open in another process: stop the server, the task worker and the "
            "periodic loop, then restore"
        )
    _fsync(temporary)
    os.replace(temporary, target)
    _fsync(target.parent)


def _pg_restore(db: dict, backup: Path, bin_dir: str) -> None:
    _run(
        [
            pg_binary("pg_restore", bin_dir),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={db['NAME']}",
            str(backup),
        ],
        _pg_env(db),
    )


# ---------------------------------------------------------------------------- file trees


def _tar_tree(root: Path, target: Path, arcname: str) -> None:
    with tarfile.open(target, "w") as tar:
        tar.add(root, arcname=arcname)


def _restore_tree(archive: Path, root: Path, arcname: str) -> None:
    """Unpack beside `root`, then swap the directories: a failed unpack leaves root as it was."""
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = root.parent / f".{root.name}.restoring"
    previous = root.parent / f".{root.name}.previous"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(previous, ignore_errors=True)
    staging.mkdir(mode=0o700)
    with tarfile.open(archive) as tar:
        # The "data" filter refuses absolute paths, links out of the tree and device files.
        tar.extractall(staging, filter="data")
    unpacked = staging / arcname
    if not unpacked.is_dir():
        shutil.rmtree(staging, ignore_errors=True)
        raise BackupError(f"{archive.name} holds no {arcname}/ directory")
    if root.exists():
        os.replace(root, previous)
    os.replace(unpacked, root)
    shutil.rmtree(previous, ignore_errors=True)
    shutil.rmtree(staging, ignore_errors=True)


# ---------------------------------------------------------------------------- backup, restore


def create_backup(
    *,
    db: dict,
    output: Path,
    trees: dict[str, Path] | None = None,
    bin_dir: str = "",
    now: datetime | None = None,
) -> Path:
    """Back up the database and the file trees ({name: directory}) into a new directory under
    `output`; returns the manifest's path."""
    engine = engine_of(db)
    now = now or datetime.now(UTC)
    output.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = now.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    directory = output / f"otklik-{stamp}"
    suffix = 1
    while directory.exists():
        suffix += 1
        directory = output / f"otklik-{stamp}-{suffix}"
    directory.mkdir(mode=0o700)
    started = time.monotonic()
    if engine == "sqlite":
        database = directory / "database.sqlite3"
        _sqlite_backup(Path(db["NAME"]), database)
        heads = _sqlite_heads(database)
    else:
        database = directory / "database.dump"
        heads = _pg_heads(db)
        _pg_dump(db, database, bin_dir)
    files = [database]
    for name, root in sorted((trees or {}).items()):
        if root.is_dir():
            archive = directory / f"{name}.tar"
            _tar_tree(root, archive, name)
            files.append(archive)
    for path in files:
        _private_file(path)
    manifest = {
        "format": FORMAT,
        "created_at": now.astimezone(UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "database": database.name,
        "migrations": heads,
        "trees": [path.stem for path in files[1:]],
        "files": {
            path.name: {"size": path.stat().st_size, "sha256": sha256_of(path)} for path in files
        },
        "seconds": round(time.monotonic() - started, 2),
    }
    path = directory / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    _private_file(path)
    return path


def read_manifest(path: Path) -> tuple[Path, dict]:
    """The backup's directory and manifest, from the manifest's path or the directory's."""
    manifest_path = path / MANIFEST if path.is_dir() else path
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"Not a backup manifest: {manifest_path} ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format in {manifest_path}")
    return manifest_path.parent, manifest


def verify_backup(directory: Path, manifest: dict) -> None:
    """Every file of the manifest is there with its size and SHA-256; BackupError if not."""
    files = manifest.get("files") or {}
    if manifest.get("database") not in files:
        raise BackupError("The manifest lists no database file")
    for name, expected in files.items():
        path = directory / name
        if Path(name).name != name or not path.is_file():
            raise BackupError(f"Missing from the backup: {name}")
        if path.stat().st_size != expected.get("size") or sha256_of(path) != expected.get("sha256"):
            raise BackupError(f"Checksum mismatch: {name} is damaged or was changed")


def restore_backup(
    *,
    manifest_path: Path,
    db: dict,
    trees: dict[str, Path] | None = None,
    confirmed: bool = False,
    bin_dir: str = "",
    release: Callable[[], None] | None = None,
) -> Restored:
    """Verify the backup, then replace the database and the file trees with it. Refuses with
    NeedsConfirmation when the database holds data and `confirmed` is false. `release` is
    called once the checks passed, just before the database is replaced (the command closes
    its own connections there)."""
    started = time.monotonic()
    directory, manifest = read_manifest(manifest_path)
    engine = engine_of(db)
    if manifest.get("engine") != engine:
        raise BackupError(
            f"This backup is of a {manifest.get('engine')} database; the configured one is {engine}"
        )
    verify_backup(directory, manifest)
    if not confirmed and not database_is_empty(db):
        raise NeedsConfirmation(
            f"The database {db['NAME']} holds data that the restore would replace"
        )
    if release is not None:
        release()
    database = directory / manifest["database"]
    if engine == "sqlite":
        _sqlite_restore(database, Path(db["NAME"]))
    else:
        _pg_restore(db, database, bin_dir)
    restored = []
    for name, root in sorted((trees or {}).items()):
        archive = f"{name}.tar"
        if archive in manifest["files"]:
            _restore_tree(directory / archive, root, name)
            restored.append(name)
    return Restored(
        engine=engine,
        database=str(db["NAME"]),
        trees=tuple(restored),
        seconds=round(time.monotonic() - started, 2),
        migrations_differ=manifest.get("migrations") != code_heads(),
    )
