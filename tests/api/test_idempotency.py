"""Idempotency-Key on POST: the first response is replayed to retries, never a second appeal."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from otklik.accounts.models import IdempotencyRecord
from otklik.api import idempotency
from otklik.appeals.models import Appeal
from tests.api import idempotency_urls

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.idempotency_urls")]
URL = "/api/test/appeals/"


def post(client, key, text="Яма у дома 3", **headers):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    extra.update(headers)
    return client.post(URL, {"text": text}, **extra)


def test_a_retry_with_the_same_key_gets_the_first_answer_and_no_second_appeal(region):
    client = Client(raise_request_exception=False)
    first = post(client, "key-1")
    second = post(client, "key-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Location"] == "/x"
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Appeal.objects.count() == 1


def test_without_a_key_every_post_runs(region):
    client = Client()
    post(client, None)
    post(client, None)
    assert Appeal.objects.count() == 2


def test_different_keys_are_different_requests(region):
    client = Client()
    assert post(client, "a").json() != post(client, "b").json()
    assert Appeal.objects.count() == 2


def test_the_same_key_with_another_body_is_refused_in_both_languages(region):
    client = Client()
    post(client, "k", text="Яма")
    response = post(client, "k", text="Другая яма")
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "idempotency_key_reused"
    assert "Idempotency-Key" in body["message_ru"] and "другого запроса" in body["message_ru"]
    assert "different request" in body["message_en"]
    assert Appeal.objects.count() == 1


def test_keys_belong_to_the_client_that_sent_them(region):
    client = Client()
    post(client, "shared", HTTP_AUTHORIZATION="Bearer otk_one")
    post(client, "shared", HTTP_AUTHORIZATION="Bearer otk_two")
    post(client, "shared")
    assert Appeal.objects.count() == 3
    assert IdempotencyRecord.objects.filter(key="shared").count() == 3
    # Only hashes of the credentials are kept.
    assert not IdempotencyRecord.objects.filter(owner__contains="otk_").exists()


def test_a_server_error_keeps_nothing_and_the_retry_runs_afresh(region):
    client = Client(raise_request_exception=False)
    idempotency_urls.FAIL_NEXT["count"] = 1
    failed = post(client, "retry-me")
    assert failed.status_code == 500
    # The appeal written before the failure went with the rolled-back request.
    assert Appeal.objects.count() == 0
    assert not IdempotencyRecord.objects.exists()
    retried = post(client, "retry-me")
    assert retried.status_code == 201
    assert Appeal.objects.count() == 1


def test_try_again_answers_are_not_replayed(region):
    client = Client()
    first = client.post("/api/test/refuse/", HTTP_IDEMPOTENCY_KEY="later")
    assert first.status_code == 429
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("key", ["", "x" * 256, "ключ", "tab\there"])
def test_a_malformed_key_is_refused_with_a_clear_error(region, key):
    response = post(Client(), key)
    assert response.status_code == 400
    assert response.json()["error"] == "bad_idempotency_key"
    assert Appeal.objects.count() == 0


def test_a_request_still_running_elsewhere_answers_409_with_retry_after(region):
    IdempotencyRecord.objects.create(
        owner="anon", key="busy", method="POST", path=URL, fingerprint="x"
    )
    response = post(Client(), "busy")
    assert response.status_code == 409
    assert response["Retry-After"] == "1"
    assert Appeal.objects.count() == 0


def test_only_the_api_paths_are_covered(region):
    client = Client()
    client.post("/elsewhere/appeals/", {"text": "a"}, HTTP_IDEMPOTENCY_KEY="k")
    client.post("/elsewhere/appeals/", {"text": "a"}, HTTP_IDEMPOTENCY_KEY="k")
    assert Appeal.objects.count() == 2


def test_records_older_than_a_day_are_purged(region):
    post(Client(), "old")
    post(Client(), "new")
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    assert idempotency.purge_records() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
