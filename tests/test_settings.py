"""Settings: safe production defaults, Russian first, Moscow time, SQLite in WAL mode."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils.translation import gettext

BASE_DIR = Path(__file__).resolve().parent.parent


def run_python(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """Run Python on the project with a clean environment plus `env`."""
    clean = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "otklik.settings",
        "DATA_DIR": str(tmp_path / "var"),
        **env,
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_deploy_checks_pass_with_the_production_environment(tmp_path):
    result = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        DEBUG="0",
        HTTPS="1",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="example.ru",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_deploy_checks_fail_without_https(tmp_path):
    result = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="example.ru",
    )
    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout  # SECURE_SSL_REDIRECT


def test_defaults_are_russian_moscow_time_no_debug_and_a_generated_key(tmp_path):
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.LANGUAGE_CODE, s.TIME_ZONE, s.DEBUG, len(s.SECRET_KEY), "
        "s.DATABASES['default']['ENGINE'], s.ALLOWED_HOSTS]))"
    )
    first = run_python(["-c", script], tmp_path)
    assert first.returncode == 0, first.stderr
    language, time_zone, debug, key_length, engine, hosts = json.loads(first.stdout)
    assert (language, time_zone, debug) == ("ru", "Europe/Moscow", False)
    assert key_length >= 50
    assert engine == "django.db.backends.sqlite3"
    assert "*" not in hosts
    key_file = tmp_path / "var" / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    # The generated key is kept: a second start uses the same one.
    assert run_python(["-c", script], tmp_path).stdout == first.stdout


def test_processes_starting_together_agree_on_the_generated_key(tmp_path, monkeypatch):
    # Two processes on a fresh installation: the other one links its key into place first. This
    # one's own draft must lose, be removed, and the other's whole key be used — never an empty
    # file half written (which made Django refuse to start: "SECRET_KEY must not be empty").
    import otklik.settings as conf

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr(conf, "DATA_DIR", tmp_path)

    def the_other_process_was_first(draft, path):
        Path(path).write_text("the-first-process-key")
        raise FileExistsError(path)

    monkeypatch.setattr(os, "link", the_other_process_was_first)
    assert conf._secret_key() == "the-first-process-key"
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_a_fresh_installation_writes_its_key_whole_and_private(tmp_path, monkeypatch):
    import otklik.settings as conf

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr(conf, "DATA_DIR", tmp_path / "var")
    key = conf._secret_key()
    assert len(key) >= 50
    assert [p.name for p in (tmp_path / "var").iterdir()] == ["secret_key"]
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o777 == 0o600
    assert conf._secret_key() == key


def test_this_process_runs_in_russian_and_moscow_time():
    assert settings.LANGUAGE_CODE == "ru"
    assert settings.TIME_ZONE == "Europe/Moscow"
    assert settings.USE_TZ
    assert gettext("Describe the problem.") == "Опишите проблему."


@pytest.mark.django_db
def test_pages_carry_the_security_headers_and_speak_russian(client):
    response = client.get("/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert '<html lang="ru">' in response.content.decode()


@pytest.mark.django_db
def test_the_health_endpoint_answers_with_headers_too(client):
    response = client.get("/health/")
    assert response.json() == {"status": "ok"}
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_and_otherwise_the_database_is_postgresql():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1
        else:
            assert connection.vendor == "postgresql"
            cursor.execute("SHOW server_version_num")
            assert int(cursor.fetchone()[0]) >= 150000
