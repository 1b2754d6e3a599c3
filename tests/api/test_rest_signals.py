"""POST /api/v1/signals/: the signals API under the REST API's tokens (scope `signals`, the
token's region), with the answers of the older /api/signals/, which keeps working."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from otklik.accounts.models import Role
from otklik.accounts.tokens import issue_token
from otklik.incidents import external
from otklik.incidents.models import ExternalSignal
from tests.factories import RegionFactory, staff

URL = "/api/v1/signals/"


def row(ident="wall-1_100", **changes):
    data = {
        "source": "vk",
        "external_id": ident,
        "text": "Во всём квартале у Московской нет отопления со вчерашнего вечера!",
        "posted_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "latitude": 52.61,
        "longitude": 39.59,
        "address": "г. Липецк, ул. Московская, 14",
        "url": "https://vk.com/wall-1_100",
    }
    data.update(changes)
    return data


@pytest.fixture
def key(operator, region):
    _token, key = issue_token(user=operator, name="Мониторинг", scopes=["signals"], region=region)
    return key


def post(client, body, key):
    payload = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(
        URL, payload, content_type="application/json", headers={"Authorization": f"Bearer {key}"}
    )


def test_signals_are_imported_into_the_tokens_region_idempotently(
    client, key, region, municipality
):
    response = post(client, [row("1"), row("2")], key)
    assert response.status_code == 200
    assert response.json() == {"created": 2, "existing": 0, "failed": 0, "errors": []}
    again = post(client, [row("1"), row("3", posted_at="")], key)
    assert again.status_code == 207
    body = again.json()
    assert (body["created"], body["existing"], body["failed"]) == (0, 1, 1)
    assert body["errors"][0]["message_ru"] == "Поле «posted_at» обязательно."
    assert body["errors"][0]["message_en"] == "The field «posted_at» is required."
    assert set(ExternalSignal.objects.values_list("region", flat=True)) == {region.pk}
    assert ExternalSignal.objects.get(external_id="1").municipality == municipality


@pytest.mark.parametrize(
    ("body", "code"),
    [("[{", "bad_json"), (b"\xff\xfe", "bad_json"), ("", "bad_json"), ("42", "not_a_list")],
)
def test_a_body_that_is_not_a_json_list_is_400_in_both_languages(client, key, body, code):
    response = post(client, body, key)
    assert response.status_code == 400
    data = response.json()
    assert data["error"] == code
    assert data["message_ru"] != data["message_en"]


def test_a_body_over_the_limit_is_413(client, key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post(client, [row(str(n)) for n in range(20)], key)
    assert response.status_code == 413
    assert response.json()["error"] == "too_big"
    assert not ExternalSignal.objects.exists()


def test_too_many_rows_are_refused(client, key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
    response = post(client, [row(str(n)) for n in range(external.MAX_ROWS + 1)], key)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "too_many"
    assert not ExternalSignal.objects.exists()


def test_a_key_without_the_scope_or_a_region_is_refused(client, operator, region):
    _t, no_scope = issue_token(user=operator, name="x", scopes=["appeals:read"], region=region)
    assert post(client, [row()], no_scope).status_code == 403
    _t, no_region = issue_token(user=operator, name="y", scopes=["signals"])
    response = post(client, [row()], no_region)
    assert response.status_code == 403
    assert response.json()["error"] == "no_region"
    assert post(client, [row()], "otk_nonsense").status_code == 401
    assert not ExternalSignal.objects.exists()


def test_the_region_is_the_tokens_own_and_its_user_must_operate_there(client, operator, executor):
    elsewhere = RegionFactory(code="36", name="Воронежская область")
    _t, key = issue_token(user=operator, name="z", scopes=["signals"], region=elsewhere)
    assert post(client, [row()], key).status_code == 403
    _t, key = issue_token(
        user=executor, name="e", scopes=["signals"], region=operator_region(operator)
    )
    assert post(client, [row()], key).status_code == 403
    admin = staff(Role.ADMIN, elsewhere)
    _t, key = issue_token(user=admin, name="a", scopes=["signals"], region=elsewhere)
    assert post(client, [row()], key).status_code == 200
    assert ExternalSignal.objects.get().region == elsewhere


def operator_region(user):
    return user.memberships.get().region


def test_the_old_url_keeps_working_with_its_own_keys(client, region):
    _row, old_key = external.create_token(region=region, name="Старый клиент")
    response = client.post(
        "/api/signals/",
        json.dumps([row("old")]),
        content_type="application/json",
        headers={"Authorization": f"Token {old_key}"},
    )
    assert response.status_code == 200
    assert response.json()["created"] == 1
