"""Open311 POST requests: filing an appeal through another system, its checks and its errors."""

import io

import pytest
from django.test import Client
from PIL import Image

from otklik.accounts.models import ApiScope
from otklik.accounts.tokens import issue_token, revoke_token
from otklik.appeals.models import Appeal, Channel
from otklik.appeals.workflow import Status
from otklik.directory.models import RoutingRule
from tests.api import test_open311_services as shared
from tests.api.test_open311_services import (
    FORMATS,
    assert_error,
    body,
    fields,
    get,
    open311_key,
    post,
)
from tests.factories import RegionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(name="attributes")
def _attributes(category):
    return shared.make_attributes(category)


SPEC_POST_RESPONSE = ["service_request_id", "service_notice", "account_id"]
SPEC_TOKEN = ["service_request_id", "token"]


@pytest.fixture
def client_user(region):
    """The user another system's key acts as: a citizen account, no staff roles."""
    return UserFactory(email="portal-gateway@example.ru", full_name="Шлюз портала")


@pytest.fixture
def key(client_user):
    return open311_key(client_user)


def report(key, **overrides):
    data = {
        "api_key": key,
        "service_code": "potholes",
        "lat": "52.6101",
        "long": "39.5902",
        "description": "Глубокая яма на перекрёстке Московской и Циолковского",
        "email": "anna@example.ru",
        "first_name": "Анна",
        "last_name": "Смирнова",
        "phone": "+7 900 000-11-22",
        "attribute[depth]": "deep",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_becomes_an_appeal_from_the_api_without_an_applicant(
    fmt, region, category, organization, attributes, client_user, key
):
    response = post(
        Client(),
        "requests",
        fmt,
        report(
            key,
            **{
                "attribute[hazards][]": ["water", "edge"],
                "attribute[width]": "1.5",
                "attribute[noticed]": "2026-11-20T08:30:00+03:00",
                "account_id": "acc-17",
                "media_url": "https://photos.example.ru/1.jpg",
            },
        ),
    )
    assert response.status_code == 201
    assert fields(response, fmt) == [[*SPEC_POST_RESPONSE, "token"]]
    [created] = body(response, fmt)
    appeal = Appeal.objects.get()
    assert created["service_request_id"] == appeal.number
    assert created["account_id"] == "acc-17"
    assert "30" in created["service_notice"]
    assert appeal.channel == Channel.API
    assert appeal.applicant is None
    assert appeal.created_by == client_user
    assert appeal.category == category
    assert appeal.status == Status.NEW
    assert (appeal.latitude, appeal.longitude) == (52.6101, 39.5902)
    assert appeal.municipality.name == "Липецк"
    assert appeal.contact_name == "Анна Смирнова"
    assert appeal.contact_email == "anna@example.ru"
    assert appeal.contact_phone == "+7 900 000-11-22"
    assert appeal.media_url == "https://photos.example.ru/1.jpg"
    assert appeal.attributes == {
        "depth": "deep",
        "hazards": ["water", "edge"],
        "width": 1.5,
        "noticed": "2026-11-20T08:30:00+03:00",
    }
    assert appeal.events.get().action == "submit"


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_token_of_a_request_gives_its_id(fmt, region, category, attributes, key):
    created = body(post(Client(), "requests", fmt, report(key)), fmt)[0]
    response = get(Client(), f"tokens/{created['token']}", fmt)
    assert response.status_code == 200
    assert fields(response, fmt) == [SPEC_TOKEN]
    assert body(response, fmt) == [
        {"service_request_id": created["service_request_id"], "token": created["token"]}
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_forged_token_is_404(fmt, region):
    response = get(Client(), "tokens/IjQ4LTIwMjYtMDAwMDAxIg:1xVZS2:forged", fmt)
    assert_error(response, fmt, 404, en="Unknown token")


def test_an_address_alone_is_a_location(region, category, attributes, key):
    data = report(key, lat=None, long=None, address_string="г. Липецк, ул. Советская, 5")
    assert post(Client(), "requests", "json", data).status_code == 201
    assert Appeal.objects.get().address == "г. Липецк, ул. Советская, 5"


def test_without_a_description_the_service_name_is_the_text(region, category, attributes, key):
    assert post(Client(), "requests", "json", report(key, description=None)).status_code == 201
    assert Appeal.objects.get().text == "Ямы"


def test_a_photo_upload_is_reencoded_like_a_portal_photo(region, category, attributes, key):
    image = io.BytesIO()
    Image.new("RGB", (64, 48), "gray").save(image, "PNG")
    image.seek(0)
    image.name = "pit.png"
    response = Client().post("/open311/v2/requests.json", {**report(key), "media": image})
    assert response.status_code == 201
    photo = Appeal.objects.get().attachments.get()
    assert photo.content_type == "image/jpeg"
    assert (photo.width, photo.height) == (64, 48)


def test_a_file_that_is_no_photo_is_400(region, category, attributes, key):
    upload = io.BytesIO(b"#!/bin/sh\necho hi\n")
    upload.name = "pit.jpg"
    response = Client().post("/open311/v2/requests.json", {**report(key), "media": upload})
    assert response.status_code == 400
    assert not Appeal.objects.exists()


def test_a_retried_post_with_the_same_idempotency_key_files_one_appeal(
    region, category, attributes, key
):
    client = Client()
    first = post(client, "requests", "json", report(key), HTTP_IDEMPOTENCY_KEY="req-1")
    again = post(client, "requests", "json", report(key), HTTP_IDEMPOTENCY_KEY="req-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()[0]["service_request_id"] == first.json()[0]["service_request_id"]
    assert Appeal.objects.count() == 1
    other = post(client, "requests", "json", report(key), HTTP_IDEMPOTENCY_KEY="req-2")
    assert other.json()[0]["service_request_id"] != first.json()[0]["service_request_id"]
    assert Appeal.objects.count() == 2


def test_the_key_can_come_in_an_authorization_header(region, category, attributes, key):
    data = report(key)
    del data["api_key"]
    response = post(Client(), "requests", "json", data, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 201


def test_the_keys_region_is_the_jurisdiction(region, category, attributes, client_user):
    other = RegionFactory(code="36", name="Воронежская область")
    key = open311_key(client_user, region=other)
    assert post(Client(), "requests", "json", report(key)).status_code == 201
    assert Appeal.objects.get().region == other
    response = post(Client(), "requests", "json", report(key, jurisdiction_id="48"))
    assert_error(response, "json", 403, en="not valid for this jurisdiction")


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize("fmt", FORMATS)
def test_without_an_api_key_it_is_400(fmt, region, category, attributes):
    response = post(Client(), "requests", fmt, report(None))
    assert_error(response, fmt, 400, en="api_key is required", ru="Нужен api_key")
    assert not Appeal.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bad_api_key_is_403(fmt, region, category, attributes):
    response = post(Client(), "requests", fmt, report("otk_made-up"))
    assert_error(response, fmt, 403, en="Invalid api_key", ru="Неверный api_key")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_revoked_key_is_403(fmt, region, category, attributes, client_user):
    token, key = issue_token(user=client_user, name="x", scopes=[ApiScope.OPEN311])
    revoke_token(token)
    assert_error(post(Client(), "requests", fmt, report(key)), fmt, 403, en="Invalid api_key")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_key_without_the_open311_scope_is_403(fmt, region, category, attributes, client_user):
    _token, key = issue_token(user=client_user, name="x", scopes=[ApiScope.APPEALS_FILE])
    response = post(Client(), "requests", fmt, report(key))
    assert_error(response, fmt, 403, en="lacks the scope open311", ru="open311")
    assert not Appeal.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_service_code_is_400(fmt, region, category, key):
    response = post(Client(), "requests", fmt, report(key, service_code="unicorns"))
    assert_error(response, fmt, 400, en="Unknown service_code: unicorns")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_missing_service_code_is_400(fmt, region, category, key):
    response = post(Client(), "requests", fmt, report(key, service_code=None))
    assert_error(response, fmt, 400, en="service_code is required")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_missing_location_is_400(fmt, region, category, attributes, key):
    response = post(Client(), "requests", fmt, report(key, lat=None, long=None))
    assert_error(response, fmt, 400, en="A location is required", ru="Нужно место")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("lat", "long", "message"),
    [
        ("north", "39.59", "lat must be a number"),
        ("91", "39.59", "lat must be a number from -90 to 90"),
        ("52.6", "nan", "long must be a number"),
        ("52.6", "1e400", "long must be a number"),
        ("52.6", None, "lat and long go together"),
    ],
)
def test_a_bad_point_is_400(fmt, lat, long, message, region, category, attributes, key):
    response = post(Client(), "requests", fmt, report(key, lat=lat, long=long))
    assert_error(response, fmt, 400, en=message)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_missing_required_attribute_is_400(fmt, region, category, attributes, key):
    response = post(Client(), "requests", fmt, report(key, **{"attribute[depth]": None}))
    assert_error(response, fmt, 400, en="attribute depth is required", ru="depth обязателен")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "attribute",
    [
        {"attribute[depth]": "bottomless"},
        {"attribute[hazards][]": ["water", "lava"]},
        {"attribute[width]": "wide"},
        {"attribute[noticed]": "yesterday"},
    ],
)
def test_a_value_outside_the_definition_is_400(fmt, attribute, region, category, attributes, key):
    response = post(Client(), "requests", fmt, report(key, **attribute))
    code = next(iter(attribute)).split("[")[1].rstrip("]")
    assert_error(response, fmt, 400, en=f"attribute {code} has a value that is not allowed")
    assert not Appeal.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_attribute_the_service_does_not_have_is_400(fmt, region, category, attributes, key):
    response = post(Client(), "requests", fmt, report(key, **{"attribute[colour]": "red"}))
    assert_error(response, fmt, 400, en="no attribute colour")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_media_url_that_is_not_http_is_400(fmt, region, category, attributes, key):
    response = post(Client(), "requests", fmt, report(key, media_url="file:///etc/passwd"))
    assert_error(response, fmt, 400, en="media_url must be an http or https link")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bad_email_is_400(fmt, region, category, attributes, key):
    response = post(Client(), "requests", fmt, report(key, email="not an address"))
    assert_error(response, fmt, 400, en="e-mail address is not valid")


@pytest.mark.parametrize(
    "overrides",
    [
        {"description": "Яма\x00"},
        {"service_code": "pot\x00holes"},
        {"description": "я" * 100_000},
        {"lat": "5" * 5000},
        {"attribute[depth]": ["deep", "small"]},
        {"attribute[\x00]": "x"},
        {"jurisdiction_id": "4\x008"},
        {"address_string": "ул. " * 1000, "lat": None, "long": None},
        {"phone": "+" + "7" * 500},
    ],
)
def test_hostile_input_is_a_400_never_a_500(overrides, region, category, attributes, key):
    response = post(Client(), "requests", "json", report(key, **overrides))
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400
    assert not Appeal.objects.exists()


def test_a_routing_rule_does_not_change_intake(region, category, attributes, organization, key):
    """Intake leaves routing to moderation: the appeal waits as «new», without an executor."""
    assert RoutingRule.objects.exists()
    post(Client(), "requests", "json", report(key))
    appeal = Appeal.objects.get()
    assert appeal.executor is None
    assert appeal.status == Status.NEW
