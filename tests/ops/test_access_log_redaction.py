"""Neither gunicorn's access log nor ours keeps an api_key, a password-reset or confirmation
token, or any other credential of a URL."""

import datetime
import io
import logging
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from gunicorn.config import Config

from otklik.ops.gunicorn_logging import RedactingLogger
from tests.ops.test_json_logs import json_lines  # noqa: F401 (a fixture)

SECRETS = ["otk_demo_open311_2026", "cbx1-4f5e6a", "MTI:1vabc:sig", "Bearer otk_live"]


def gunicorn_line(raw_uri: str, referer: str = "-") -> str:
    """The access line gunicorn's logger (configured as in gunicorn.conf.py) writes."""
    config = Config()
    config.set("logger_class", "otklik.ops.gunicorn_logging.RedactingLogger")
    config.set("accesslog", "-")
    config.set(
        "access_log_format",
        '%(h)s "%(r)s" %(s)s "%(f)s" %(U)s %(q)s %({authorization}i)s %({query_string}e)s',
    )
    logger = config.logger_class(config)
    assert isinstance(logger, RedactingLogger)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.access_log.handlers = [handler]
    path, _mark, query = raw_uri.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": raw_uri,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.5",
        "HTTP_REFERER": referer,
    }
    request = SimpleNamespace(headers=[("AUTHORIZATION", "Bearer otk_live")])
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    logger.access(response, request, environ, datetime.timedelta(milliseconds=12))
    return stream.getvalue()


def test_gunicorn_conf_py_names_the_redacting_logger():
    namespace = runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))
    config = Config()
    config.set("logger_class", namespace["logger_class"])
    assert config.logger_class is RedactingLogger


@pytest.mark.parametrize(
    "raw_uri",
    [
        "/open311/v2/requests.json?api_key=otk_demo_open311_2026&service_code=potholes",
        "/accounts/password/reset/MTI/cbx1-4f5e6a/",
        "/accounts/confirm/MTI:1vabc:sig/",
    ],
)
def test_gunicorns_access_line_keeps_no_credential(raw_uri):
    line = gunicorn_line(raw_uri, referer=f"https://otklik.example.ru{raw_uri}")
    assert "203.0.113.5" in line
    for secret in SECRETS:
        assert secret not in line
    assert "…" in line


def test_gunicorns_access_line_keeps_what_is_no_credential():
    line = gunicorn_line("/open311/v2/requests.json?service_code=potholes&page=2")
    assert '"GET /open311/v2/requests.json?service_code=potholes&page=2 HTTP/1.1"' in line


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/accounts/password/reset/MTI/cbx1-4f5e6a/", "/accounts/password/reset/…/…/"),
        ("/accounts/confirm/MTI:1vabc:sig/", "/accounts/confirm/…/"),
        ("/open311/v2/requests.json?api_key=otk_demo_open311_2026", "/open311/v2/requests.json"),
    ],
)
def test_our_access_line_keeps_no_credential(client, json_lines, path, logged):  # noqa: F811
    client.get(path)
    (line,) = [line for line in json_lines() if line["logger"] == "otklik.access"]
    assert line["path"] == logged
