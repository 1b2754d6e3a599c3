"""Open311 GET requests, one request and the service request updates: filters, paging, what the
public and a staff key see, never any personal data."""

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from otklik.accounts.models import ApiScope
from otklik.accounts.tokens import issue_token
from otklik.appeals import services
from otklik.appeals.models import Appeal, Channel
from otklik.appeals.workflow import Status
from otklik.directory.models import RejectionReason
from tests.api.test_open311_services import (
    FORMATS,
    assert_error,
    body,
    fields,
    get,
    open311_key,
)

pytestmark = pytest.mark.django_db

SPEC_REQUEST = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
# FixMyStreet's servicerequestupdates extension.
FMS_UPDATE = [
    "update_id",
    "service_request_id",
    "status",
    "updated_datetime",
    "description",
    "media_url",
]
PERSONAL = [
    "Иван Петров",
    "ivan.petrov@example.ru",
    "+7 900 123-45-67",
    "Пётр Звонарёв",
    "+7 911 222-33-44",
    "caller@mail.example",
]


def numbers(response, fmt) -> list[str]:
    return [record["service_request_id"] for record in body(response, fmt)]


@pytest.fixture
def answered(appeal_in):
    return appeal_in(
        Status.ANSWERED,
        contact_name="Пётр Звонарёв",
        contact_phone="+7 911 222-33-44",
        contact_email="caller@mail.example",
    )


@pytest.fixture
def registered(appeal_in):
    return appeal_in(Status.REGISTERED, address="г. Липецк, пл. Петра Великого, 1")


@pytest.fixture
def fresh(appeal_in):
    """Not yet moderated: the public does not see it."""
    return appeal_in(Status.NEW)


@pytest.fixture
def private(appeal_in, private_category):
    return appeal_in(Status.IN_PROGRESS, category=private_category)


@pytest.fixture
def staff_key(operator):
    """A staff member's key: open311 next to a staff scope (a key with open311 alone is a
    client system's and never acts with its user's roles)."""
    scopes = [ApiScope.OPEN311, ApiScope.APPEALS_MODERATE]
    return issue_token(user=operator, name="Оператор", scopes=scopes)[1]


# ---------------------------------------------------------------------------- the public


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_public_list_has_the_spec_fields_and_public_appeals_only(
    fmt, answered, registered, fresh, private
):
    response = get(Client(), "requests", fmt)
    assert response.status_code == 200
    assert fields(response, fmt) == [SPEC_REQUEST, SPEC_REQUEST]
    assert numbers(response, fmt) == [registered.number, answered.number]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_shows_its_status_answer_executor_and_times_in_the_regions_zone(
    fmt, answered, organization
):
    response = get(Client(), f"requests/{answered.number}", fmt)
    assert response.status_code == 200
    assert fields(response, fmt) == [SPEC_REQUEST]
    [record] = body(response, fmt)
    assert record["status"] == "closed"
    answer = answered.answers.get()
    # The answer, then who answers for it: the person, the full name and a phone to call back.
    assert record["status_notes"].startswith(answer.text)
    assert "Пётр Дорогин" in record["status_notes"]
    assert organization.name in record["status_notes"]
    assert record["service_code"] == "potholes"
    assert record["service_name"] == "Ямы"
    assert record["agency_responsible"] == "УДХ Липецка"
    assert record["description"] == answered.text
    assert record["address"] == "г. Липецк, ул. Московская, 12"
    assert float(record["lat"]) == answered.latitude
    assert float(record["long"]) == answered.longitude
    moscow = timezone.localtime(answered.created_at).isoformat(timespec="seconds")
    assert record["requested_datetime"] == moscow
    assert record["requested_datetime"].endswith("+03:00")
    assert record["expected_datetime"] == timezone.localtime(answered.due_at).isoformat(
        timespec="seconds"
    )
    assert "30" in record["service_notice"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_personal_data_ever_reaches_the_public_or_a_staff_key(
    fmt, answered, registered, private, staff_key
):
    for key in ({}, {"api_key": staff_key}):
        for path in ("requests", f"requests/{answered.number}", "servicerequestupdates"):
            text = get(Client(), path, fmt, key).content.decode()
            assert not [item for item in PERSONAL if item in text], path


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_private_categorys_appeal_is_never_public(fmt, private):
    assert numbers(get(Client(), "requests", fmt), fmt) == []
    response = get(Client(), f"requests/{private.number}", fmt)
    assert_error(response, fmt, 404, en="Unknown service_request_id")
    assert body(get(Client(), "servicerequestupdates", fmt), fmt) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_request_id_is_404(fmt, answered):
    response = get(Client(), "requests/48-1999-000001", fmt)
    assert_error(response, fmt, 404, en="Unknown service_request_id", ru="service_request_id")


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_media_url_is_the_stored_link_else_the_first_photo(fmt, appeal_in):
    linked = appeal_in(Status.REGISTERED, media_url="https://photos.example.ru/7.jpg")
    photo = SimpleUploadedFile("p.png", _png(), content_type="image/png")
    pictured = appeal_in(Status.REGISTERED, photos=[photo])
    records = {r["service_request_id"]: r for r in body(get(Client(), "requests", fmt), fmt)}
    assert records[linked.number]["media_url"] == "https://photos.example.ru/7.jpg"
    stored = pictured.attachments.get().file.url
    assert records[pictured.number]["media_url"] == f"http://testserver{stored}"


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(out, "PNG")
    return out.getvalue()


# ---------------------------------------------------------------------------- staff keys


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_staff_key_sees_its_scope_but_private_ones_without_text_or_place(
    fmt, answered, fresh, private, staff_key
):
    response = get(Client(), "requests", fmt, {"api_key": staff_key})
    records = {r["service_request_id"]: r for r in body(response, fmt)}
    assert set(records) == {answered.number, fresh.number, private.number}
    hidden = records[private.number]
    assert hidden["description"] == ""
    assert hidden["address"] == ""
    assert hidden["lat"] in ("", None)
    assert hidden["status"] == "open"
    assert records[fresh.number]["description"] == fresh.text


def test_a_client_key_sees_what_it_filed_before_moderation(region, category):
    from tests.factories import UserFactory

    gateway = UserFactory()
    key = open311_key(gateway)
    mine = services.submit_appeal(
        region=region, text="Яма", category=category, channel=Channel.API, created_by=gateway
    )
    theirs = services.submit_appeal(region=region, text="Другая яма", category=category)
    assert numbers(get(Client(), "requests", "json", {"api_key": key}), "json") == [mine.number]
    assert theirs.status == Status.NEW
    assert numbers(get(Client(), "requests", "json"), "json") == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_key_without_the_open311_scope_is_403_on_a_get(fmt, answered, operator):
    _token, key = issue_token(user=operator, name="x", scopes=[ApiScope.APPEALS_READ])
    assert_error(get(Client(), "requests", fmt, {"api_key": key}), fmt, 403, en="lacks the scope")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_rejected_appeal_carries_the_public_rejection_text(fmt, appeal_in, staff_key):
    RejectionReason.objects.get_or_create(
        code="spam", defaults={"name": "Спам", "public_text": "Обращение не содержит сути."}
    )
    rejected = appeal_in(Status.REJECTED)
    response = get(Client(), f"requests/{rejected.number}", fmt, {"api_key": staff_key})
    [record] = body(response, fmt)
    assert record["status"] == "closed"
    assert record["status_notes"] == rejected.rejection_reason.public_text


# ---------------------------------------------------------------------------- filters


@pytest.mark.parametrize("fmt", FORMATS)
def test_status_filters_open_and_closed(fmt, answered, registered):
    assert numbers(get(Client(), "requests", fmt, {"status": "open"}), fmt) == [registered.number]
    assert numbers(get(Client(), "requests", fmt, {"status": "closed"}), fmt) == [answered.number]
    both = get(Client(), "requests", fmt, {"status": "open,closed"})
    assert len(numbers(both, fmt)) == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_request_ids_ignore_every_other_filter(fmt, answered, registered):
    response = get(
        Client(),
        "requests",
        fmt,
        {
            "service_request_id": f"{answered.number},{registered.number},48-1999-000001",
            "status": "open",
            "service_code": "nothing",
            "start_date": "2001-01-01",
        },
    )
    assert sorted(numbers(response, fmt)) == sorted([answered.number, registered.number])


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_code_filters_by_category(fmt, appeal_in, fast_category, answered):
    light = appeal_in(Status.REGISTERED, category=fast_category)
    response = get(Client(), "requests", fmt, {"service_code": "traffic-lights,unknown"})
    assert numbers(response, fmt) == [light.number]


@pytest.mark.parametrize("fmt", FORMATS)
def test_dates_select_by_requested_time_with_a_90_day_default(fmt, appeal_in):
    now = timezone.now()
    old = appeal_in(Status.REGISTERED, now=now - timedelta(days=120))
    new = appeal_in(Status.REGISTERED, now=now - timedelta(days=5))
    assert numbers(get(Client(), "requests", fmt), fmt) == [new.number]
    window = {
        "start_date": (now - timedelta(days=130)).isoformat(),
        "end_date": (now - timedelta(days=100)).isoformat(),
    }
    assert numbers(get(Client(), "requests", fmt, window), fmt) == [old.number]
    only_start = {"start_date": (now - timedelta(days=121)).date().isoformat()}
    assert numbers(get(Client(), "requests", fmt, only_start), fmt) == [old.number]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start_date": "yesterday"}, "start_date must be a date and time in ISO 8601"),
        ({"end_date": "2026-13-45"}, "end_date must be a date and time"),
        ({"start_date": "2026-05-01", "end_date": "2026-04-01"}, "later than end_date"),
        ({"start_date": "2026-01-01", "end_date": "2026-06-01"}, "more than 90 days"),
        ({"updated_after": "0000-00-00"}, "updated_after must be"),
        ({"status": "pending"}, "status takes open, closed"),
        ({"page_size": "0"}, "page_size must be a whole number from 1 to 1000"),
        ({"page_size": "1001"}, "page_size must be"),
        ({"page": "-1"}, "page must be"),
    ],
)
def test_bad_filters_are_400(fmt, query, message, answered):
    assert_error(get(Client(), "requests", fmt, query), fmt, 400, en=message)


@pytest.mark.parametrize("fmt", FORMATS)
def test_pages_split_the_list(fmt, appeal_in):
    made = [appeal_in(Status.REGISTERED).number for _ in range(3)]
    newest_first = list(reversed(made))
    first = get(Client(), "requests", fmt, {"page_size": "2"})
    second = get(Client(), "requests", fmt, {"page_size": "2", "page": "2"})
    assert numbers(first, fmt) + numbers(second, fmt) == newest_first


def test_updated_after_selects_by_the_time_of_the_last_change(appeal_in):
    early = appeal_in(Status.REGISTERED)
    Appeal.objects.filter(pk=early.pk).update(updated_at=timezone.now() - timedelta(days=2))
    late = appeal_in(Status.REGISTERED)
    since = (timezone.now() - timedelta(days=1)).isoformat()
    response = get(Client(), "requests", "json", {"updated_after": since})
    assert numbers(response, "json") == [late.number]
    before = get(Client(), "requests", "json", {"updated_before": since})
    assert numbers(before, "json") == [early.number]


@pytest.mark.parametrize(
    "query",
    [
        {"status": "open\x00"},
        {"service_request_id": "48-2026-\x00"},
        {"service_request_id": ",".join(["48-2026-000001"] * 2000)},
        {"service_code": "x" * 100_000},
        {"start_date": "9999-12-31T23:59:59-23:59"},
        {"start_date": "9999-12-30T00:00:00+00:00"},
        {"end_date": "0001-01-01"},
        {"start_date": "2026-01-01T00:00:00+99:00"},
        {"page": "99999999999999999999"},
        {"jurisdiction_id": "4" * 10_000},
        {"lat": "∞"},
    ],
)
def test_hostile_queries_are_never_a_500(query, answered):
    response = get(Client(), "requests", "json", query)
    assert response.status_code in (200, 400, 404)
    assert isinstance(response.json(), list)


def test_a_repeated_parameter_is_read_as_a_list(answered, registered):
    response = Client().get("/open311/v2/requests.json?status=open&status=closed")
    assert len(numbers(response, "json")) == 2


def test_the_list_takes_a_fixed_number_of_queries(
    appeal_in, django_assert_max_num_queries, staff_key
):
    photo = SimpleUploadedFile("p.png", _png(), content_type="image/png")
    for status in (Status.ANSWERED, Status.REGISTERED, Status.IN_PROGRESS, Status.CLOSED):
        appeal_in(status, photos=[photo])
        photo.seek(0)
    client = Client()
    get(client, "requests", "json", {"api_key": staff_key})  # warm the key's last_used_at
    with django_assert_max_num_queries(8):
        response = get(client, "requests", "json", {"api_key": staff_key})
    assert len(response.json()) == 4
    with django_assert_max_num_queries(8):
        response = get(client, "servicerequestupdates", "json", {"api_key": staff_key})
    assert len(response.json()) > 10


# ---------------------------------------------------------------------------- updates


@pytest.mark.parametrize("fmt", FORMATS)
def test_updates_follow_the_public_history_with_the_published_answer(fmt, answered):
    response = get(Client(), "servicerequestupdates", fmt)
    assert response.status_code == 200
    assert all(names[: len(FMS_UPDATE)] == FMS_UPDATE for names in fields(response, fmt))
    updates = body(response, fmt)
    assert {u["service_request_id"] for u in updates} == {answered.number}
    steps = [u["external_status_code"] for u in updates]
    assert steps == ["new", "registered", "in_progress", "answered"]
    assert [u["status"] for u in updates] == ["open", "open", "open", "closed"]
    assert updates[-1]["description"] == answered.answers.get().text
    assert "УДХ Липецка" in updates[2]["description"]
    times = [u["updated_datetime"] for u in updates]
    assert times == sorted(times)
    assert all(t.endswith("+03:00") for t in times)


@pytest.mark.parametrize("fmt", FORMATS)
def test_updates_take_a_date_window_and_pages(fmt, answered):
    events = list(answered.events.order_by("created_at"))
    window = {
        "start_date": events[1].created_at.isoformat(),
        "end_date": events[2].created_at.isoformat(),
    }
    updates = body(get(Client(), "servicerequestupdates", fmt, window), fmt)
    assert [u["update_id"] for u in updates] == [str(events[1].pk), str(events[2].pk)]
    paged = body(get(Client(), "servicerequestupdates", fmt, {"page_size": "1", "page": "2"}), fmt)
    assert [u["update_id"] for u in paged] == [str(events[1].pk)]
    bad = get(Client(), "servicerequestupdates", fmt, {"end_date": "not a date"})
    assert_error(bad, fmt, 400, en="end_date must be")


def test_json_output_is_utf8_not_escaped(answered):
    raw = get(Client(), f"requests/{answered.number}", "json").content
    assert "Ямы".encode() in raw
    assert json.loads(raw)[0]["service_name"] == "Ямы"
