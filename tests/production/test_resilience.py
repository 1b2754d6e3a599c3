"""The answers to faults a client can wait out, in each caller's format (the end-to-end runs
are in test_faults.py): a lost database is 503 with Retry-After, a full disk 507, anything else
stays a 500 — in Russian and English, as are Django's own error pages (404, 403, 400)."""

from __future__ import annotations

import errno
import json

import pytest
from django.db import OperationalError, ProgrammingError

from otklik import faults
from otklik.faults import server_error
from otklik.lib.resilience import database_reachable, is_database_unavailable


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


def test_a_bug_is_a_500_in_russian_and_english_in_each_format(rf):
    html = answer(rf, "/appeals/", ValueError("bug"))
    assert html.status_code == 500
    page = html.content.decode()
    assert '<html lang="ru">' in page
    assert "Ошибка сервера" in page and "Server error" in page
    assert "ничего не сохранено" in page
    api = answer(rf, "/api/v1/appeals/", ValueError("bug"))
    assert (api.status_code, json.loads(api.content)["error"]) == (500, "server_error")
    open311 = answer(rf, "/open311/v2/requests.json", ValueError("bug"))
    assert json.loads(open311.content)[0]["code"] == 500


def test_an_unforeseen_error_while_the_database_is_out_of_reach_is_a_503(rf, monkeypatch):
    # A restart can fail a request with an error that names no connection: while a new
    # connection fails too, the caller is told to wait, not that we have a bug.
    monkeypatch.setattr(faults, "database_reachable", lambda: False)
    response = answer(rf, "/appeals/", RuntimeError("a half-closed connection's side effect"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Сервис временно недоступен" in response.content.decode()


@pytest.mark.django_db
def test_the_database_of_the_tests_is_reachable():
    assert database_reachable() is True


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status", "russian", "english"),
    [
        ("/no-such-page/", 404, "Страница не найдена", "Page not found"),
        ("/appeals/48-2026-0999999/", 404, "Страница не найдена", "Page not found"),
    ],
)
def test_django_error_pages_speak_russian_and_english(client, path, status, russian, english):
    response = client.get(path)
    assert response.status_code == status
    page = response.content.decode()
    assert russian in page and english in page
    assert 'href="/"' in page  # a way back in, not a dead end


@pytest.mark.django_db
def test_an_unknown_api_or_open311_address_answers_in_its_format(client):
    api = client.get("/api/v1/no-such-thing/")
    assert api.status_code == 404
    body = api.json()
    assert body["error"] == "not_found"
    assert "Такой страницы нет" in body["message_ru"]
    open311 = client.get("/open311/v2/no-such-thing.json")
    assert open311.status_code == 404
    assert open311.json()[0]["code"] == 404


def test_forbidden_and_bad_request_pages_are_bilingual(rf):
    for status, handler, russian in (
        (403, faults.permission_denied, "Доступ запрещён"),
        (400, faults.bad_request, "Неверный запрос"),
    ):
        response = handler(rf.get("/report/"))
        assert response.status_code == status
        assert russian in response.content.decode()
