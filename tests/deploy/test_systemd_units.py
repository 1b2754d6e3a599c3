"""The systemd units: valid for systemd, running commands that exist with options they accept,
as the otklik user with the env file, hardened, stopped gracefully."""

import shutil
import subprocess

import pytest
from django.core.management import get_commands, load_command_class
from gunicorn.config import Config

from tests.deploy.files import (
    DEPLOY,
    NGINX,
    ROOT,
    SYSTEMD,
    command,
    nginx_directives,
    unit,
    unit_environment,
    values,
)

SERVICES = ["otklik-web@.service", "otklik-worker@.service", "otklik-periodic.service"]
HARDENING = {
    "NoNewPrivileges": "yes",
    "PrivateTmp": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateDevices": "yes",
    "CapabilityBoundingSet": "",
    "ReadWritePaths": "/var/lib/otklik",
}


def service(name):
    return unit(SYSTEMD / name)["Service"]


def manage_arguments(words):
    """A `python manage.py NAME …` command line parsed by the command's own parser."""
    assert words[0] == "/opt/otklik/.venv/bin/python"
    assert words[1] == "manage.py"
    name, args = words[2], words[3:]
    assert name in get_commands(), f"no management command {name}"
    handler = load_command_class(get_commands()[name], name)
    return handler.create_parser("manage.py", name).parse_args(args)


def test_systemd_accepts_the_units(tmp_path):
    # systemd-analyze checks the syntax, the directives and that the commands exist: here the
    # repository stands in for /opt/otklik.
    for path in SYSTEMD.iterdir():
        text = path.read_text().replace("/opt/otklik/", f"{ROOT}/")
        (tmp_path / path.name.replace("@.", "@1.")).write_text(text)
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is needed to check the units"
    result = subprocess.run(  # noqa: S603 - a fixed tool on our own files
        [analyze, "verify", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Unknown keys and bad values are only warnings for systemd: any line fails the test.
    assert result.returncode == 0, result.stderr
    assert not result.stderr.strip(), result.stderr


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_runs_as_otklik_with_the_env_file_and_hardening(name):
    section = service(name)
    assert values(section, "User") == ["otklik"]
    assert values(section, "Group") == ["otklik"]
    assert values(section, "EnvironmentFile") == ["/etc/otklik/otklik.env"]
    assert values(section, "WorkingDirectory") == ["/opt/otklik"]
    for key, expected in HARDENING.items():
        assert values(section, key) == [expected], key
    assert values(section, "KillSignal") == ["SIGTERM"]


@pytest.mark.parametrize("name", ["otklik-web@.service", "otklik-worker@.service"])
def test_long_running_services_restart_and_stop_gracefully(name):
    section = service(name)
    assert values(section, "Restart") == ["always"]
    assert values(section, "KillMode") == ["mixed"]  # TERM to the main process first
    assert int(values(section, "TimeoutStopSec")[0]) >= 30


def test_the_web_unit_runs_gunicorn_with_options_it_accepts():
    section = service("otklik-web@.service")
    environment = unit_environment(section, "1")
    words = command(values(section, "ExecStart")[0], environment)
    assert words[0] == "/opt/otklik/.venv/bin/gunicorn"
    parsed = Config().parser().parse_args(words[1:])
    assert parsed.args == ["otklik.wsgi:application"]
    assert parsed.bind == ["127.0.0.1:8001"]
    assert parsed.worker_class == "gthread"
    assert int(parsed.workers) >= 1 and int(parsed.threads) >= 1
    # Requests in flight get the graceful timeout; systemd waits longer before it kills.
    assert int(values(section, "TimeoutStopSec")[0]) > int(parsed.graceful_timeout)
    assert environment["PROMETHEUS_MULTIPROC_DIR"] == "/run/otklik-web-1"
    assert values(section, "RuntimeDirectory") == ["otklik-web-%i"]


def test_the_web_instances_are_the_upstream_of_nginx():
    environment = unit_environment(service("otklik-web@.service"), "1")
    upstream = [line.split()[0] for line in nginx_directives(NGINX, "server")]
    assert environment["WEB_BIND"] in upstream
    assert unit_environment(service("otklik-web@.service"), "2")["WEB_BIND"] in upstream


def test_the_worker_unit_runs_db_worker():
    section = service("otklik-worker@.service")
    options = manage_arguments(command(values(section, "ExecStart")[0], {}))
    assert options.queue_name == "default"
    # A long task may finish before systemd kills the worker.
    assert int(values(section, "TimeoutStopSec")[0]) >= 120


def test_the_timer_runs_one_periodic_pass_every_minute():
    section = service("otklik-periodic.service")
    assert values(section, "Type") == ["oneshot"]
    options = manage_arguments(command(values(section, "ExecStart")[0], {}))
    assert options.loop == 0  # one pass: the timer repeats it
    timer = unit(SYSTEMD / "otklik-periodic.timer")
    assert values(timer["Timer"], "OnCalendar") == ["*-*-* *:*:00"]
    assert values(timer["Timer"], "Unit") == ["otklik-periodic.service"]
    assert values(timer["Install"], "WantedBy") == ["timers.target"]


def test_otklik_manage_runs_commands_as_the_units_do():
    script = (DEPLOY / "otklik-manage").read_text()
    section = service("otklik-worker@.service")
    assert "--uid=otklik" in script and "--gid=otklik" in script
    assert f"EnvironmentFile={values(section, 'EnvironmentFile')[0]}" in script
    assert "${OTKLIK_ROOT:-/opt/otklik}" in script
    assert '"$root/.venv/bin/python" manage.py "$@"' in script
    result = subprocess.run(  # noqa: S603 - a syntax check of our own script
        ["/bin/sh", "-n", str(DEPLOY / "otklik-manage")], capture_output=True, check=False
    )
    assert result.returncode == 0
