"""Right after POST the filing client reads its new request by id and by token with its key,
unmoderated; other clients and the public do not see it, and nobody sees its contacts."""

import pytest
from django.test import Client

from otklik.appeals.models import Appeal
from otklik.appeals.workflow import Status
from tests.api.test_open311_post import report
from tests.api.test_open311_services import (
    FORMATS,
    assert_error,
    body,
    get,
    make_attributes,
    open311_key,
    post,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
CONTACTS = ["anna@example.ru", "Смирнова", "+7 900 000-11-22"]


@pytest.fixture
def filed(region, category):
    """(the filing client's key, the POST answer's record) for a fresh request."""
    make_attributes(category)
    key = open311_key(UserFactory(email="city-app@example.ru"))
    created = body(post(Client(), "requests", "json", report(key)), "json")[0]
    assert Appeal.objects.get(number=created["service_request_id"]).status == Status.NEW
    return key, created


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_filing_client_reads_its_new_request_by_id_right_away(fmt, filed):
    key, created = filed
    number = created["service_request_id"]
    response = get(Client(), f"requests/{number}", fmt, {"api_key": key})
    assert response.status_code == 200
    [record] = body(response, fmt)
    assert record["service_request_id"] == number
    assert record["status"] == "open"
    assert record["description"].startswith("Глубокая яма")
    assert not any(contact in response.content.decode() for contact in CONTACTS)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_filing_client_turns_its_token_into_the_id_with_its_key(fmt, filed):
    key, created = filed
    response = get(Client(), f"tokens/{created['token']}", fmt, {"api_key": key})
    assert response.status_code == 200
    assert body(response, fmt) == [
        {"service_request_id": created["service_request_id"], "token": created["token"]}
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_another_client_and_the_public_do_not_see_the_new_request(fmt, filed):
    _key, created = filed
    number = created["service_request_id"]
    other = open311_key(UserFactory(email="other-app@example.ru"))
    for query in ({}, {"api_key": other}):
        response = get(Client(), f"requests/{number}", fmt, query)
        assert_error(response, fmt, 404, en="Unknown service_request_id")
        listed = body(get(Client(), "requests", fmt, query), fmt)
        assert number not in [record["service_request_id"] for record in listed]
