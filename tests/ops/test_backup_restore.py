"""Backups and restores on SQLite and PostgreSQL: back up, change the data, restore, and the
data is as it was at backup time. PostgreSQL runs on throwaway databases made here (never the
test database), on the server of DATABASE_URL or 127.0.0.1:5432."""

import itertools
import json
import os
import sqlite3
from pathlib import Path

import dj_database_url
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from otklik.ops import backup
from otklik.ops.backup import BackupError, NeedsConfirmation, create_backup, restore_backup

SCHEMA = [
    "CREATE TABLE django_migrations (id integer PRIMARY KEY, app varchar(255), name varchar(255))",
    "CREATE TABLE appeal (id integer PRIMARY KEY, number varchar(20), text text)",
    "INSERT INTO django_migrations VALUES (1, 'appeals', '0001_initial'), "
    "(2, 'appeals', '0002_more'), (3, 'accounts', '0001_initial')",
    "INSERT INTO appeal VALUES (1, '48-2026-000001', 'Яма на дороге'), "
    "(2, '48-2026-000002', 'Не горит фонарь')",
]
CHANGE = [
    "UPDATE appeal SET text = 'изменено' WHERE id = 1",
    "DELETE FROM appeal WHERE id = 2",
    "INSERT INTO appeal VALUES (3, '48-2026-000003', 'после копии')",
]
AT_BACKUP = [(1, "48-2026-000001", "Яма на дороге"), (2, "48-2026-000002", "Не горит фонарь")]
_names = itertools.count()


def rows_sqlite(path: Path) -> list[tuple]:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT id, number, text FROM appeal ORDER BY id").fetchall()
    finally:
        db.close()


@pytest.fixture
def sqlite_db(tmp_path):
    path = tmp_path / "var" / "otklik.sqlite3"
    path.parent.mkdir()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    for statement in SCHEMA:
        db.execute(statement)
    db.commit()
    db.close()
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}


@pytest.fixture
def media(tmp_path):
    root = tmp_path / "media"
    (root / "appeals").mkdir(parents=True)
    (root / "appeals" / "photo.jpg").write_bytes(b"\xff\xd8 the photo")
    return root


def _server() -> dict:
    if connection.vendor == "postgresql":
        return dict(connection.settings_dict)
    url = os.environ.get("OTKLIK_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    return dj_database_url.parse(url)


@pytest.fixture
def pg_database():
    """`pg_database()`: a new empty PostgreSQL database's settings; all dropped afterwards."""
    server = _server()
    made = []
    admin = backup._pg_connect({**server, "NAME": "postgres"})

    def make() -> dict:
        name = f"otklik_ops_test_{os.getpid()}_{next(_names)}"
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return {**server, "ENGINE": "django.db.backends.postgresql", "NAME": name}

    yield make
    for name in made:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def run_pg(db: dict, statements: list[str]) -> None:
    with backup._pg_connect(db) as pg:
        for statement in statements:
            pg.execute(statement)


def rows_pg(db: dict) -> list[tuple]:
    with backup._pg_connect(db) as pg:
        return pg.execute("SELECT id, number, text FROM appeal ORDER BY id").fetchall()


# ---------------------------------------------------------------------------- SQLite


def test_sqlite_backup_change_restore_gives_the_data_as_at_backup_time(sqlite_db, media, tmp_path):
    manifest = create_backup(db=sqlite_db, output=tmp_path / "backups", trees={"media": media})
    db = sqlite3.connect(sqlite_db["NAME"])
    for statement in CHANGE:
        db.execute(statement)
    db.commit()
    db.close()
    (media / "appeals" / "photo.jpg").unlink()
    (media / "appeals" / "later.jpg").write_bytes(b"later")

    restored = restore_backup(
        manifest_path=manifest, db=sqlite_db, trees={"media": media}, confirmed=True
    )

    assert rows_sqlite(Path(sqlite_db["NAME"])) == AT_BACKUP
    assert (media / "appeals" / "photo.jpg").read_bytes() == b"\xff\xd8 the photo"
    assert not (media / "appeals" / "later.jpg").exists()
    assert restored.trees == ("media",)
    # The restored file is in WAL mode again and opens cleanly.
    db = sqlite3.connect(sqlite_db["NAME"])
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()


def test_sqlite_backup_is_consistent_while_a_writer_holds_a_transaction(sqlite_db, tmp_path):
    writer = sqlite3.connect(sqlite_db["NAME"], isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO appeal VALUES (9, '48-2026-000009', 'не закоммичено')")
    try:
        manifest = create_backup(db=sqlite_db, output=tmp_path / "backups")
    finally:
        writer.execute("COMMIT")
        writer.close()
    copy = manifest.parent / "database.sqlite3"
    assert rows_sqlite(copy) == AT_BACKUP
    data = json.loads(manifest.read_text())
    assert data["engine"] == "sqlite"
    assert data["migrations"] == {"accounts": "0001_initial", "appeals": "0002_more"}
    assert data["files"]["database.sqlite3"]["sha256"] == backup.sha256_of(copy)
    assert oct(copy.stat().st_mode & 0o777) == "0o600"


def test_sqlite_restore_into_a_new_machine_needs_no_confirmation(sqlite_db, tmp_path):
    manifest = create_backup(db=sqlite_db, output=tmp_path / "backups")
    fresh = {**sqlite_db, "NAME": str(tmp_path / "new" / "otklik.sqlite3")}
    restore_backup(manifest_path=manifest.parent, db=fresh)
    assert rows_sqlite(Path(fresh["NAME"])) == AT_BACKUP


def test_sqlite_restore_refuses_while_the_database_is_open_elsewhere(sqlite_db, tmp_path):
    manifest = create_backup(db=sqlite_db, output=tmp_path / "backups")
    server = sqlite3.connect(sqlite_db["NAME"])
    server.execute("UPDATE appeal SET text = 'сервер работает' WHERE id = 1")
    server.commit()
    try:
        with pytest.raises(BackupError, match="stop the server"):
            restore_backup(manifest_path=manifest, db=sqlite_db, confirmed=True)
    finally:
        server.close()
    assert rows_sqlite(Path(sqlite_db["NAME"]))[0][2] == "сервер работает"
    assert not list(Path(sqlite_db["NAME"]).parent.glob("*.restoring"))


def test_a_database_with_data_is_replaced_only_when_confirmed(sqlite_db, tmp_path):
    manifest = create_backup(db=sqlite_db, output=tmp_path / "backups")
    with pytest.raises(NeedsConfirmation):
        restore_backup(manifest_path=manifest, db=sqlite_db)


def test_a_damaged_backup_is_refused_before_anything_changes(sqlite_db, media, tmp_path):
    manifest = create_backup(db=sqlite_db, output=tmp_path / "backups", trees={"media": media})
    copy = manifest.parent / "database.sqlite3"
    db = sqlite3.connect(copy)
    db.execute("UPDATE appeal SET text = 'подменено' WHERE id = 1")
    db.commit()
    db.close()
    (media / "appeals" / "new.jpg").write_bytes(b"new")
    with pytest.raises(BackupError, match=r"Checksum mismatch: database\.sqlite3"):
        restore_backup(manifest_path=manifest, db=sqlite_db, trees={"media": media}, confirmed=True)
    assert (media / "appeals" / "new.jpg").exists()


def test_a_backup_of_another_engine_is_refused(sqlite_db, tmp_path):
    manifest = create_backup(db=sqlite_db, output=tmp_path / "backups")
    pg = {"ENGINE": "django.db.backends.postgresql", "NAME": "otklik"}
    with pytest.raises(BackupError, match="sqlite"):
        restore_backup(manifest_path=manifest, db=pg, confirmed=True)


# ---------------------------------------------------------------------------- PostgreSQL


def test_postgresql_backup_change_restore_gives_the_data_as_at_backup_time(
    pg_database, media, tmp_path
):
    db = pg_database()
    run_pg(db, SCHEMA)
    manifest = create_backup(db=db, output=tmp_path / "backups", trees={"media": media})
    data = json.loads(manifest.read_text())
    assert data["engine"] == "postgresql"
    assert data["migrations"] == {"accounts": "0001_initial", "appeals": "0002_more"}
    run_pg(db, [*CHANGE, "CREATE INDEX appeal_text ON appeal (text)"])
    (media / "appeals" / "photo.jpg").unlink()

    with pytest.raises(NeedsConfirmation):
        restore_backup(manifest_path=manifest, db=db)
    assert rows_pg(db)[0][2] == "изменено"

    restore_backup(manifest_path=manifest, db=db, trees={"media": media}, confirmed=True)
    assert rows_pg(db) == AT_BACKUP
    assert (media / "appeals" / "photo.jpg").exists()

    # And onto a new, empty database (another machine): no confirmation needed.
    fresh = pg_database()
    restore_backup(manifest_path=manifest, db=fresh)
    assert rows_pg(fresh) == AT_BACKUP


def test_postgresql_restore_failing_midway_leaves_the_database_as_it_was(pg_database, tmp_path):
    db = pg_database()
    run_pg(db, SCHEMA)
    manifest = create_backup(db=db, output=tmp_path / "backups")
    # A newer table that depends on a restored one: the clean step cannot drop `appeal`.
    run_pg(
        db,
        [
            *CHANGE,
            "ALTER TABLE appeal ADD UNIQUE (number)",
            "CREATE TABLE answer (id int, number varchar(20) REFERENCES appeal (number))",
        ],
    )
    with pytest.raises(BackupError, match="pg_restore failed"):
        restore_backup(manifest_path=manifest, db=db, confirmed=True)
    assert rows_pg(db)[0][2] == "изменено"


# ---------------------------------------------------------------------------- commands


@pytest.mark.django_db
def test_the_commands_back_up_the_configured_database_and_refuse_unsafe_restores(
    tmp_path, settings
):
    media = Path(settings.MEDIA_ROOT)
    (media / "appeals").mkdir(parents=True, exist_ok=True)
    (media / "appeals" / "x.jpg").write_bytes(b"photo")
    call_command("backup", output=tmp_path)
    (manifest,) = tmp_path.glob("otklik-*/manifest.json")
    directory, data = backup.read_manifest(manifest)
    assert data["engine"] == {"sqlite": "sqlite", "postgresql": "postgresql"}[connection.vendor]
    # The test database is migrated to the code's newest migrations.
    assert data["migrations"] == backup.code_heads()
    assert "media" in data["trees"]
    backup.verify_backup(directory, data)

    # The test database holds tables: never replaced without --yes.
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(directory))
    (directory / data["database"]).write_bytes(b"not a database")
    with pytest.raises(CommandError, match="Checksum mismatch"):
        call_command("restore", str(manifest), "--yes")
    with pytest.raises(CommandError, match="Not a backup manifest"):
        call_command("restore", str(tmp_path / "nothing-here.json"), "--yes")
    assert connection.is_usable()
