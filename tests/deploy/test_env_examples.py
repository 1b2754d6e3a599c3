"""The example env files: every variable is a setting, every setting is listed, the
production example passes Django's deployment checks."""

import os
import re
import secrets
import subprocess
import sys

from tests.deploy.files import (
    DOCKER_ENV_EXAMPLE,
    ENV_EXAMPLE,
    ROOT,
    SERVICE_IMAGE_VARIABLES,
    SYSTEMD,
    UNIT_VARIABLES,
    env_file,
    settings_variables,
)


def test_every_variable_of_the_reference_env_file_is_read_by_the_settings():
    found, commented = env_file(ENV_EXAMPLE)
    unknown = (set(found) | commented) - settings_variables() - UNIT_VARIABLES
    assert not unknown, f"not read by otklik/settings.py: {sorted(unknown)}"


def test_the_reference_env_file_lists_every_setting():
    found, commented = env_file(ENV_EXAMPLE)
    missing = settings_variables() - set(found) - commented
    assert not missing, f"add to deploy/otklik.env.example: {sorted(missing)}"


def test_the_unit_variables_of_the_env_file_are_used_by_the_web_unit():
    web = (SYSTEMD / "otklik-web@.service").read_text()
    for name in UNIT_VARIABLES:
        assert "${" + name + "}" in web


def test_every_variable_of_the_compose_env_file_is_a_setting_or_a_service_image_one():
    found, commented = env_file(DOCKER_ENV_EXAMPLE)
    assert not commented
    unknown = set(found) - settings_variables() - SERVICE_IMAGE_VARIABLES
    assert not unknown, f"not read by otklik/settings.py: {sorted(unknown)}"
    # The app reaches the database and MinIO with the credentials the service containers get.
    assert (
        f"{found['POSTGRES_USER']}:{found['POSTGRES_PASSWORD']}@db:5432/" in (found["DATABASE_URL"])
    )
    assert found["DATABASE_URL"].endswith("/" + found["POSTGRES_DB"])
    assert found["AWS_ACCESS_KEY_ID"] == found["MINIO_ROOT_USER"]
    assert found["AWS_SECRET_ACCESS_KEY"] == found["MINIO_ROOT_PASSWORD"]


def documented_variables(text: str) -> set[str]:
    """Variables a document sets out: the first cell of its table rows, and NAME=value."""
    names = set(re.findall(r"(?<![A-Za-z0-9_])([A-Z][A-Z0-9]*_[A-Z0-9_]+|HTTPS|DEBUG)=", text))
    for line in text.splitlines():
        if line.startswith("| `"):
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1]))
    return names


def test_variables_set_out_in_the_deployment_docs_are_settings():
    names = documented_variables((ROOT / "docs" / "deployment.md").read_text())
    names |= documented_variables((ROOT / "README.md").read_text())
    assert {"DATABASE_URL", "REDIS_URL", "WEB_BIND"} <= names  # the reader finds them
    unknown = names - settings_variables() - UNIT_VARIABLES - {"OTKLIK_ROOT"}  # otklik-manage's
    assert not unknown, f"documented but not read by otklik/settings.py: {sorted(unknown)}"


def run_check(env_path, tmp_path, *args):
    found, _commented = env_file(env_path)
    env = {
        **found,
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "otklik.settings",
        # The operator's part: a real secret key and writable directories.
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATA_DIR": str(tmp_path / "data"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PRIVATE_ROOT": str(tmp_path / "private"),
        "MODELS_DIR": str(tmp_path / "models"),
        "BACKUP_DIR": str(tmp_path / "backups"),
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_production_env_example_passes_the_deployment_checks(tmp_path):
    result = run_check(ENV_EXAMPLE, tmp_path, "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_compose_env_example_passes_the_checks(tmp_path):
    result = run_check(DOCKER_ENV_EXAMPLE, tmp_path, "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
