"""The image and docker-compose.yml: the services of the scale-out set, commands that exist,
variables the env file defines."""

import re

import yaml
from django.core.management import get_commands, load_command_class
from gunicorn.config import Config

from tests.deploy.files import (
    COMPOSE,
    DEPLOY,
    DOCKER_ENV_EXAMPLE,
    DOCKER_NGINX,
    DOCKERFILE,
    env_file,
    nginx_directives,
)

APP_SERVICES = ["migrate", "web1", "web2", "worker1", "worker2", "periodic"]


def compose():
    return yaml.safe_load(COMPOSE.read_text())["services"]


def parse_manage(words):
    assert words[:2] == ["python", "manage.py"], words
    name, args = words[2], words[3:]
    assert name in get_commands(), f"no management command {name}"
    handler = load_command_class(get_commands()[name], name)
    return name, handler.create_parser("manage.py", name).parse_args(args)


def dockerfile_cmd() -> list[str]:
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    (line,) = [line for line in text.splitlines() if line.startswith("CMD ")]
    return yaml.safe_load(line.removeprefix("CMD "))  # a JSON array


def test_the_scale_out_set_is_there():
    services = compose()
    assert services["db"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    assert services["minio"]["image"].startswith("minio/minio")
    assert services["nginx"]["image"].startswith("nginx:")
    for name in APP_SERVICES:
        assert services[name]["image"] == "otklik:latest", name
        assert services[name]["build"]["dockerfile"] == "deploy/docker/Dockerfile"
        assert services[name]["env_file"] == "otklik.env"


def test_the_application_starts_after_the_migrations_and_its_services():
    services = compose()
    for name in APP_SERVICES[1:]:
        needs = services[name]["depends_on"]
        assert needs["migrate"] == {"condition": "service_completed_successfully"}, name
        assert needs["redis"] == {"condition": "service_healthy"}, name
        assert needs["bucket"] == {"condition": "service_completed_successfully"}, name
    assert services["migrate"]["depends_on"]["db"] == {"condition": "service_healthy"}


def test_the_commands_exist_and_take_their_options():
    services = compose()
    steps = [step.split() for step in services["migrate"]["command"][2].split("&&")]
    assert [parse_manage(step)[0] for step in steps] == [
        "migrate",
        "createcachetable",
        "seed_calendar",
    ]
    for name in ("worker1", "worker2"):
        assert parse_manage(services[name]["command"])[1].queue_name == "default"
        assert services[name]["stop_signal"] == "SIGTERM"
    assert parse_manage(services["periodic"]["command"])[1].loop == 60
    # The web instances run the image's command: gunicorn with options it accepts.
    cmd = dockerfile_cmd()
    assert cmd[0] == "gunicorn"
    parsed = Config().parser().parse_args(cmd[1:])
    assert parsed.args == ["otklik.wsgi:application"]
    assert parsed.worker_class == "gthread"
    port = parsed.bind[0].rsplit(":", 1)[1]
    upstream = [line.split()[0] for line in nginx_directives(DOCKER_NGINX, "server")]
    assert sorted(upstream) == [f"web1:{port}", f"web2:{port}"]


def test_each_web_instance_counts_its_requests_in_its_own_empty_directory():
    for name in ("web1", "web2"):
        web = compose()[name]
        directory = web["environment"]["PROMETHEUS_MULTIPROC_DIR"]
        assert web["tmpfs"] == [directory]


def test_variables_the_compose_file_uses_are_in_its_env_file():
    found, _commented = env_file(DOCKER_ENV_EXAMPLE)
    used = set(re.findall(r"\$\$\{?([A-Z][A-Z0-9_]*)", COMPOSE.read_text()))
    assert used, "the bucket and healthcheck commands read the env file"
    assert used <= set(found), sorted(used - set(found))
    # Secrets stay out of the image and of the repository.
    ignored = (DEPLOY / "docker" / "Dockerfile.dockerignore").read_text().split()
    assert "deploy/docker/*.env" in ignored
    assert {".git", ".venv", "var"} <= set(ignored)


def test_the_image_is_built_from_python_311_and_runs_as_a_user():
    text = DOCKERFILE.read_text()
    assert text.startswith("# ") and "\nFROM python:3.11-slim\n" in text
    assert "pip install ." in text
    assert "manage.py collectstatic --no-input" in text
    users = re.findall(r"(?m)^USER (\S+)$", text)
    assert users and users[-1] not in ("root", "0")
