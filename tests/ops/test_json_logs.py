"""LOG_FORMAT=json: one JSON object a line, with the request's id; access lines; no personal
data."""

import io
import json
import logging
from datetime import datetime

import pytest

from otklik.lib.logging import JsonFormatter, RequestContextFilter, request_id_var, user_id_var


@pytest.fixture
def json_lines(settings):
    """Everything logged while the test runs, through the JSON formatter, as parsed lines."""
    settings.ACCESS_LOG = True
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)

    def read() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield read
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_record_is_one_line_of_json_with_time_in_utc_level_logger_message():
    record = logging.LogRecord(
        "otklik.test", logging.WARNING, __file__, 1, "queue %s is\nlong", ("default",), None
    )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "otklik.test"
    assert entry["message"] == "queue default is\nlong"
    assert datetime.fromisoformat(entry["time"]).utcoffset().total_seconds() == 0


def test_an_exception_is_a_field_with_its_traceback():
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        record = logging.LogRecord(
            "otklik.test", logging.ERROR, __file__, 1, "failed", (), exc_info=True
        )
        record.exc_info = __import__("sys").exc_info()
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "failed"
    assert "ZeroDivisionError" in entry["exception"]
    assert "Traceback" in entry["exception"]


def test_objects_passed_as_extra_are_never_dumped():
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "boom", (), None)
    record.request = "<WSGIRequest with the session and the applicant's e-mail>"
    record.status_code = 500
    entry = json.loads(JsonFormatter().format(record))
    assert "request" not in entry
    assert "e-mail" not in json.dumps(entry)


def test_lines_logged_while_serving_carry_the_request_id_and_user_id(json_lines):
    token = request_id_var.set("req-1234abcd")
    user = user_id_var.set(lambda: 42)
    try:
        logging.getLogger("otklik.appeals").info("moderated")
    finally:
        user_id_var.reset(user)
        request_id_var.reset(token)
    logging.getLogger("otklik.appeals").info("outside")
    inside, outside = json_lines()
    assert (inside["request_id"], inside["user_id"]) == ("req-1234abcd", 42)
    assert "request_id" not in outside
    assert "user_id" not in outside


@pytest.mark.django_db
def test_logging_never_makes_a_request_read_its_session(client, citizen, json_lines):
    client.force_login(citizen)
    response = client.get("/health/")
    assert "Cookie" not in response.get("Vary", "")
    (line,) = [line for line in json_lines() if line["logger"] == "otklik.access"]
    assert "user_id" not in line


@pytest.mark.django_db
def test_the_access_line_has_id_user_route_status_duration_and_no_personal_data(
    client, citizen, json_lines
):
    client.force_login(citizen)
    response = client.get("/accounts/profile/?email=ivan.petrov@example.ru")
    assert response.status_code == 200
    access = [line for line in json_lines() if line["logger"] == "otklik.access"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user_id"] == citizen.pk
    assert line["method"] == "GET"
    assert line["path"] == "/accounts/profile/"
    assert line["route"] == "portal:profile"
    assert line["status"] == 200
    assert line["duration_ms"] >= 0
    text = json.dumps(access)
    assert "ivan.petrov" not in text
    assert "Петров" not in text


@pytest.mark.django_db
def test_signed_links_are_not_written_into_the_access_line(client, json_lines):
    client.get("/q/eyJzZWNyZXQiOiJsaW5rIn0:1vabc:signature-part/")
    (line,) = [line for line in json_lines() if line["logger"] == "otklik.access"]
    assert "eyJzZWNyZXQ" not in line["path"]
    assert line["path"] == "/q/…/"


@pytest.mark.django_db
def test_no_access_line_in_the_default_text_mode(client, settings, json_lines):
    settings.ACCESS_LOG = False
    client.get("/health/")
    assert [line for line in json_lines() if line["logger"] == "otklik.access"] == []
