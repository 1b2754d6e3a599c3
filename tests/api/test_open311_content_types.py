"""Open311 answers carry exactly `text/xml` or `application/json` (the outside validator
refuses «; charset=utf-8»), errors and throttling included; /open311/ leads to discovery."""

import pytest
from django.test import Client

from tests.api.test_open311_services import FORMATS, get, make_attributes, open311_key, post

pytestmark = pytest.mark.django_db
EXACT = {"xml": "text/xml", "json": "application/json"}


@pytest.fixture
def key(region, category, citizen):
    make_attributes(category)
    return open311_key(citizen, rate_per_minute=3)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_method_answers_with_the_exact_content_type(fmt, region, category, key):
    created = post(
        Client(),
        "requests",
        fmt,
        {
            "api_key": key,
            "service_code": "potholes",
            "lat": "52.61",
            "long": "39.59",
            "attribute[depth]": "deep",
        },
    )
    assert created.status_code == 201, created.content
    answers = [
        created,
        get(Client(), "discovery", fmt),
        get(Client(), "services", fmt),
        get(Client(), "services/potholes", fmt),
        get(Client(), "requests", fmt),
        get(Client(), "servicerequestupdates", fmt),
    ]
    for response in answers:
        assert response.status_code in (200, 201)
        assert response["Content-Type"] == EXACT[fmt]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_error_answers_with_the_exact_content_type(fmt, region, category, key):
    errors = {
        400: post(Client(), "requests", fmt, {"service_code": "potholes"}),
        403: get(Client(), "services", fmt, {"api_key": "otk_wrong"}),
        404: get(Client(), "services/nothing-like-it", fmt),
        405: Client().delete(f"/open311/v2/services.{fmt}"),
    }
    for status, response in errors.items():
        assert response.status_code == status
        assert response["Content-Type"] == EXACT[fmt]
    throttled = [get(Client(), "services", fmt, {"api_key": key}) for _ in range(4)]
    assert throttled[-1].status_code == 429
    assert throttled[-1]["Content-Type"] == EXACT[fmt]


def test_an_unknown_format_is_an_xml_error_with_the_exact_content_type(region):
    response = Client().get("/open311/v2/services.csv")
    assert response.status_code == 404
    assert response["Content-Type"] == "text/xml"


@pytest.mark.parametrize("path", ["/open311/", "/open311/v2/"])
def test_the_open311_root_leads_to_the_discovery_document(path, region):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"] == "/open311/v2/discovery.xml"
    followed = Client().get(path, follow=True)
    assert followed.status_code == 200
    assert b"<discovery>" in followed.content


def test_a_client_asking_for_json_is_led_to_the_json_discovery(region):
    response = Client().get("/open311/", HTTP_ACCEPT="application/json")
    assert response["Location"] == "/open311/v2/discovery.json"
