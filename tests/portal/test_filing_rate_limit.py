"""The hourly limit on filing appeals (FILING_RATE_PER_HOUR per person, _PER_IP per address):
past it the form comes back with everything entered and a 429 saying when, a double submit of a
filing already made still returns that appeal, a citizen's API key has the same limit, and a
cache out of reach lets filings through with a warning."""

from __future__ import annotations

import io
import logging
import uuid
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from otklik.accounts.tokens import issue_token
from otklik.appeals.models import Appeal, DraftPhoto

URL = "/report/"
# 12:20 Moscow time: the hour's window ends at 13:00 (40 minutes).
NOON = datetime(2026, 3, 2, 9, 20, tzinfo=UTC)


@pytest.fixture(autouse=True)
def limits(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.FILING_RATE_PER_HOUR = 2
    settings.FILING_RATE_PER_HOUR_PER_IP = 3


@pytest.fixture
def clock():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def form(category, municipality, **overrides):
    values = {
        "form_key": str(uuid.uuid4()),
        "category": str(category.pk),
        "latitude": str(municipality.center_lat),
        "longitude": str(municipality.center_lon),
        "address": "г. Липецк, ул. Московская, 12",
        "text": "Яма на проезжей части у дома 12.",
        "confirm_new": "1",
    }
    values.update(overrides)
    return values


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 80, 40)).save(out, "JPEG")
    return SimpleUploadedFile("yama.jpg", out.getvalue(), content_type="image/jpeg")


def file(client, category, municipality, **overrides):
    return client.post(URL, form(category, municipality, **overrides))


def test_past_the_limit_the_form_comes_back_with_everything_and_a_429(
    client, clock, citizen, category, municipality
):
    client.force_login(citizen)
    for _ in range(2):
        assert file(client, category, municipality).status_code == 302
    text = "Третья яма за час, у остановки «Площадь Победы»."
    response = client.post(URL, {**form(category, municipality, text=text), "photos": jpeg()})
    assert response.status_code == 429
    assert response["Retry-After"] == str(40 * 60)
    html = response.content.decode()
    assert "Вы подали слишком много обращений за короткое время" in html
    assert "после 13:00" in html
    assert text in html and "г. Липецк, ул. Московская, 12" in html
    # The photo passed its check and is kept for the next try: no need to attach it again.
    assert DraftPhoto.objects.filter(owner=citizen).count() == 1
    assert "прикладывать их заново не нужно" in html
    assert Appeal.objects.count() == 2


def test_a_double_submit_of_a_filing_already_made_returns_it_and_is_not_counted(
    client, clock, citizen, category, municipality
):
    client.force_login(citizen)
    data = form(category, municipality)
    first = client.post(URL, data)
    assert file(client, category, municipality).status_code == 302
    again = client.post(URL, data)
    assert again.status_code == 302
    assert again["Location"] == first["Location"]
    assert Appeal.objects.count() == 2
    assert file(client, category, municipality).status_code == 429


def test_the_next_hour_files_again(client, clock, citizen, category, municipality):
    client.force_login(citizen)
    for _ in range(2):
        file(client, category, municipality)
    assert file(client, category, municipality).status_code == 429
    clock.move_to(datetime(2026, 3, 2, 10, 0, 1, tzinfo=UTC))
    assert file(client, category, municipality).status_code == 302
    assert Appeal.objects.count() == 3


def test_one_address_is_limited_across_people_and_another_address_is_not(
    clock, citizen, other_citizen, category, municipality
):
    third = type(citizen).objects.create_user(email="third@example.ru", password="x-Pass-2026")
    here = [Client(REMOTE_ADDR="198.51.100.7") for _ in range(3)]
    for client, user in zip(here, [citizen, other_citizen, third], strict=True):
        client.force_login(user)
    assert file(here[0], category, municipality).status_code == 302
    assert file(here[1], category, municipality).status_code == 302
    assert file(here[2], category, municipality).status_code == 302
    assert file(here[2], category, municipality).status_code == 429
    elsewhere = Client(REMOTE_ADDR="203.0.113.8")
    elsewhere.force_login(third)
    assert file(elsewhere, category, municipality).status_code == 302


def test_a_forged_forwarded_for_does_not_make_a_new_address(
    clock, settings, citizen, other_citizen, category, municipality
):
    settings.FILING_RATE_PER_HOUR = 10
    settings.FILING_RATE_PER_HOUR_PER_IP = 1
    first, second = Client(), Client()
    first.force_login(citizen)
    second.force_login(other_citizen)
    assert file(first, category, municipality).status_code == 302
    response = second.post(URL, form(category, municipality), HTTP_X_FORWARDED_FOR="192.0.2.55")
    assert response.status_code == 429


def test_a_cache_out_of_reach_lets_the_filing_through_with_a_warning(
    client, clock, citizen, category, municipality, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(cache, "get_many", broken)
    client.force_login(citizen)
    with caplog.at_level(logging.WARNING, logger="otklik.appeals.filing_rate"):
        for _ in range(3):
            assert file(client, category, municipality).status_code == 302
    assert Appeal.objects.count() == 3
    assert "filing rate limit is not applied" in caplog.text


def test_a_citizens_api_key_has_the_same_limit_and_a_staff_key_does_not(
    clock, citizen, operator, category, municipality
):
    _token, key = issue_token(user=citizen, name="app", scopes=["appeals:file", "appeals:read"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    body = {"text": "Яма", "category": "potholes", "latitude": 52.61, "longitude": 39.59}
    client = Client()
    codes = [
        client.post("/api/v1/appeals/", body, content_type="application/json", **auth).status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 429]
    refused = client.post("/api/v1/appeals/", body, content_type="application/json", **auth)
    assert refused["Retry-After"] == str(40 * 60)
    assert refused.json()["error"] == "throttled"
    assert refused.json()["message_en"].startswith("Too many appeals filed")
    assert refused.json()["message_ru"].startswith("Слишком много обращений")
    _token, staff_key = issue_token(user=operator, name="crm", scopes=["appeals:file"])
    staff = {"HTTP_AUTHORIZATION": f"Bearer {staff_key}"}
    for _ in range(3):
        filed = Client(REMOTE_ADDR="203.0.113.9").post(
            "/api/v1/appeals/", body, content_type="application/json", **staff
        )
        assert filed.status_code == 201
