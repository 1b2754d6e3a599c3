"""The answers to faults a client can wait out, in each caller's format (the end-to-end runs
are in test_faults.py): a lost database is 503 with Retry-After, a full disk 507, anything else
stays a 500."""

from __future__ import annotations

import errno
import json

import pytest
from django.db import OperationalError, ProgrammingError

from otklik.faults import server_error
from otklik.lib.resilience import is_database_unavailable


def answer(rf, path: str, exc: Exception):
    try:
        raise exc
    except Exception:
        return server_error(rf.get(path))


LOST = OperationalError("consuming input failed: server closed the connection unexpectedly")


@pytest.mark.parametrize(
    "exc, unavailable",
    [
        (LOST, True),
        (OperationalError("connection failed: Connection refused"), True),
        (OperationalError("terminating connection due to administrator command"), True),
        (OperationalError("the database system is starting up"), True),
        (OperationalError("canceling statement due to lock timeout"), False),
        (ProgrammingError("relation does not exist"), False),
        (ValueError("not a database error"), False),
    ],
)
def test_only_a_database_out_of_reach_counts_as_unavailable(exc, unavailable):
    assert is_database_unavailable(exc) is unavailable


def test_a_page_gets_a_503_page_in_russian_and_english(rf):
    response = answer(rf, "/appeals/", LOST)
    html = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Сервис временно недоступен" in html
    assert "Temporarily unavailable" in html
    assert "the database cannot be reached" in html


def test_the_api_gets_its_json_error(rf):
    response = answer(rf, "/api/v1/appeals/", LOST)
    body = json.loads(response.content)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert body["error"] == "database_unavailable"
    assert "базой данных" in body["message_ru"]
    assert "database" in body["message_en"]


def test_open311_gets_its_error_list_in_the_format_asked(rf):
    response = answer(rf, "/open311/v2/requests.json", LOST)
    assert response.status_code == 503
    assert json.loads(response.content)[0]["code"] == 503
    response = answer(rf, "/open311/v2/requests.xml", LOST)
    assert response.status_code == 503
    assert b"<code>503</code>" in response.content


def test_a_full_disk_is_507_and_other_errors_stay_500(rf):
    response = answer(rf, "/api/v1/appeals/", OSError(errno.ENOSPC, "No space left on device"))
    assert response.status_code == 507
    assert json.loads(response.content)["error"] == "insufficient_storage"
    assert answer(rf, "/appeals/", OSError(errno.EACCES, "Permission denied")).status_code == 500
    assert answer(rf, "/appeals/", ValueError("bug")).status_code == 500
