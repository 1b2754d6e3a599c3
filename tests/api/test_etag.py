"""Conditional GET over the whole REST API: a strong ETag on every successful GET, 304 while it
holds, private caching for answers to a key and public for the anonymous ones."""

import pytest
from django.test import Client

from otklik.accounts.models import ApiScope
from otklik.accounts.tokens import issue_token
from otklik.appeals.workflow import Status

pytestmark = pytest.mark.django_db


def bearer(user):
    _token, key = issue_token(user=user, name="test", scopes=ApiScope.values)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_an_unchanged_answer_is_not_sent_again(appeal_in, citizen):
    appeal = appeal_in(Status.IN_PROGRESS)
    auth = bearer(citizen)
    client = Client()
    url = f"/api/v1/appeals/{appeal.number}"
    first = client.get(url, **auth)
    etag = first["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first["Cache-Control"] == "private, no-cache"
    assert "Authorization" in first["Vary"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag, **auth)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert client.get(url, HTTP_IF_NONE_MATCH='"other", ' + etag, **auth).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"stale"', **auth).status_code == 200


def test_the_etag_changes_when_the_appeal_does(appeal_in, citizen, other_citizen):
    from otklik.appeals import services

    appeal = appeal_in(Status.IN_PROGRESS)
    auth = bearer(citizen)
    client = Client()
    url = f"/api/v1/appeals/{appeal.number}"
    etag = client.get(url, **auth)["ETag"]
    services.support_appeal(appeal=appeal, actor=other_citizen)
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag, **auth)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed.json()["supporters"] == 1


def test_the_same_address_differs_by_key_and_language(appeal_in, citizen, operator):
    appeal = appeal_in(Status.IN_PROGRESS)
    url = f"/api/v1/appeals/{appeal.number}"
    as_citizen = Client().get(url, **bearer(citizen))
    as_operator = Client().get(url, **bearer(operator))
    assert as_citizen["ETag"] != as_operator["ETag"]
    auth = bearer(citizen)
    russian = Client().get(url, HTTP_ACCEPT_LANGUAGE="ru", **auth)
    english = Client().get(url, HTTP_ACCEPT_LANGUAGE="en", **auth)
    assert russian.json()["status_name"] != english.json()["status_name"]
    assert russian["ETag"] != english["ETag"]


def test_anonymous_answers_may_be_cached_publicly_and_lists_are_conditional(category):
    client = Client()
    response = client.get("/api/v1/directory/categories")
    assert response["Cache-Control"].startswith("public, max-age=")
    assert (
        client.get("/api/v1/directory/categories", HTTP_IF_NONE_MATCH=response["ETag"]).status_code
        == 304
    )
    listing = client.get("/api/v1/appeals/public/")
    assert (
        client.get("/api/v1/appeals/public/", HTTP_IF_NONE_MATCH=listing["ETag"]).status_code == 304
    )


def test_errors_and_posts_carry_no_etag(citizen, region):
    client = Client()
    assert not client.get("/api/v1/appeals/").has_header("ETag")
    created = client.post(
        "/api/v1/appeals/", {"text": "Яма"}, content_type="application/json", **bearer(citizen)
    )
    assert created.status_code == 201
    assert not created.has_header("ETag")


def test_the_openapi_schema_is_conditional_too(db):
    client = Client()
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert client.get("/api/v1/openapi.json", HTTP_IF_NONE_MATCH=schema["ETag"]).status_code == 304
