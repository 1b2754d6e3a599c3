"""/health/ (liveness) and /ready/ (readiness): JSON, 200 or 503, never 500."""

import pytest
from django.db import OperationalError
from django.urls import reverse

from otklik.ops import readiness

pytestmark = pytest.mark.django_db


def test_health_keeps_its_url_and_name_and_answers_ok(client):
    assert reverse("health") == "/health/"
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_health_says_503_when_the_database_is_unreachable(client, monkeypatch):
    def broken():
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("otklik.ops.views.connection.cursor", broken)
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "fail"}


def test_ready_reports_every_check_with_its_time(client):
    response = client.get("/ready/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "tasks", "storage", "settings"}
    for check in body["checks"].values():
        assert check["status"] == "ok"
        assert check["ms"] >= 0


def test_ready_leaves_no_probe_file_in_the_media_storage(client, settings):
    from pathlib import Path

    client.get("/ready/")
    assert list(Path(settings.MEDIA_ROOT).glob("ready/*")) == []


def test_ready_is_503_with_the_reason_when_migrations_are_missing(client, monkeypatch):
    monkeypatch.setattr(readiness, "_migrations_applied", False)
    monkeypatch.setattr(
        "django.db.migrations.executor.MigrationExecutor.migration_plan",
        lambda self, targets: [("appeals", "9999_future")],
    )
    response = client.get("/ready/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["database"] == {
        "status": "fail",
        "ms": body["checks"]["database"]["ms"],
        "error": "migrations not applied",
    }
    assert body["checks"]["cache"]["status"] == "ok"


def test_ready_names_only_the_error_class_of_a_broken_dependency(client, monkeypatch):
    def broken(*args, **kwargs):
        raise PermissionError("/srv/otklik/media is read-only (secret path)")

    monkeypatch.setattr("otklik.ops.readiness.default_storage.save", broken)
    response = client.get("/ready/")
    assert response.status_code == 503
    storage = response.json()["checks"]["storage"]
    assert storage["error"] == "PermissionError"
    assert "/srv" not in response.content.decode()


def test_ready_fails_on_a_wildcard_host_in_production(client, settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    response = client.get("/ready/")
    assert response.status_code == 503
    assert response.json()["checks"]["settings"]["status"] == "fail"


def test_ready_is_503_not_500_when_the_database_is_down(client, monkeypatch):
    def broken():
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr("otklik.ops.readiness.connection.cursor", broken)
    monkeypatch.setattr(readiness, "_migrations_applied", False)
    response = client.get("/ready/")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["error"] == "OperationalError"


@pytest.mark.parametrize("url", ["/health/", "/ready/", "/metrics"])
def test_probes_are_not_redirected_to_https(client, settings, url):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(url).status_code != 301


def test_every_answer_carries_a_request_id_and_a_plain_incoming_one_is_kept(client):
    generated = client.get("/health/")["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/health/")["X-Request-ID"] != generated
    kept = client.get("/health/", HTTP_X_REQUEST_ID="lb-7f3a9c01-42")
    assert kept["X-Request-ID"] == "lb-7f3a9c01-42"


def test_an_incoming_request_id_that_could_forge_log_lines_is_replaced(client):
    response = client.get("/health/", HTTP_X_REQUEST_ID='x"\n{"level": "ERROR"}')
    assert response["X-Request-ID"] != 'x"\n{"level": "ERROR"}'
    assert len(response["X-Request-ID"]) == 32
