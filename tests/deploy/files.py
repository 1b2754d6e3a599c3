"""Readers of the deployment files (deploy/): env files, systemd units, nginx directives."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY = ROOT / "deploy"
SYSTEMD = DEPLOY / "systemd"
ENV_EXAMPLE = DEPLOY / "otklik.env.example"
DOCKER_ENV_EXAMPLE = DEPLOY / "docker" / "otklik.env.example"
NGINX = DEPLOY / "nginx" / "otklik.conf"
NGINX_PROXY = DEPLOY / "nginx" / "otklik-proxy.conf"
DOCKER_NGINX = DEPLOY / "docker" / "nginx.conf"
COMPOSE = DEPLOY / "docker" / "docker-compose.yml"
DOCKERFILE = DEPLOY / "docker" / "Dockerfile"

# Variables of the deployment files that are not Django settings, and who reads them.
UNIT_VARIABLES = {"WEB_BIND", "WEB_WORKERS", "WEB_THREADS"}  # otklik-web@.service
SERVICE_IMAGE_VARIABLES = {  # the postgres and minio images of docker-compose.yml
    "POSTGRES_DB",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "MINIO_ROOT_USER",
    "MINIO_ROOT_PASSWORD",
}


def settings_variables() -> set[str]:
    """Every environment variable otklik/settings.py reads."""
    source = (ROOT / "otklik" / "settings.py").read_text()
    pattern = r'(?:os\.environ\.get\(|os\.environ\[|env(?:bool|int|list)\()\s*"([A-Z0-9_]+)"'
    return set(re.findall(pattern, source))


def env_file(path: Path) -> tuple[dict[str, str], set[str]]:
    """(variables set, variables shown commented out as "#NAME=default") of an env file, read
    as systemd's EnvironmentFile= and Compose's env_file read it (quotes removed)."""
    values, commented = {}, set()
    for line in path.read_text().splitlines():
        line = line.strip()
        if match := re.match(r"^#([A-Z][A-Z0-9_]*)=", line):
            commented.add(match.group(1))
            continue
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep, f"{path.name}: not NAME=value: {line!r}"
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", name), f"{path.name}: bad name {name!r}"
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        values[name] = value
    return values, commented


def unit(path: Path) -> dict[str, list[tuple[str, str]]]:
    """A systemd unit: section → [(key, value)], continuation lines joined."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    logical = re.sub(r"\\\n\s*", " ", path.read_text())
    for line in logical.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
            continue
        key, _sep, value = line.partition("=")
        current.append((key.strip(), value.strip()))
    return sections


def values(section: list[tuple[str, str]], key: str) -> list[str]:
    return [value for k, value in section if k == key]


def unit_environment(section: list[tuple[str, str]], instance: str) -> dict[str, str]:
    """The Environment= defaults of a [Service], with %i expanded."""
    found = {}
    for line in values(section, "Environment"):
        for item in shlex.split(line):
            name, _sep, value = item.partition("=")
            found[name] = value.replace("%i", instance)
    return found


def command(line: str, environment: dict[str, str], instance: str = "1") -> list[str]:
    """An ExecStart= command line split into words, ${VAR} and %i expanded."""
    expanded = re.sub(r"\$\{([A-Z0-9_]+)\}", lambda m: environment[m.group(1)], line)
    return shlex.split(expanded.replace("%i", instance))


def nginx_directives(path: Path, name: str) -> list[str]:
    """The arguments of every `name …;` directive of an nginx file (comments removed)."""
    text = re.sub(r"#[^\n]*", "", path.read_text())
    return [m.group(1).strip() for m in re.finditer(rf"(?m)^\s*{name}\s+([^;{{}}]*);", text)]


def nginx_locations(path: Path) -> dict[str, str]:
    """`location` argument → its block's body (locations here do not nest)."""
    text = re.sub(r"#[^\n]*", "", path.read_text())
    return {
        m.group(1).strip(): m.group(2)
        for m in re.finditer(r"location\s+([^{]+)\{((?:[^{}]|\{[^{}]*\})*)\}", text)
    }
