"""An optional phone at sign-up and on the report form (prefilled from the profile, kept in it
if the citizen wants), normalised to +7XXXXXXXXXX, with a Russian error for a wrong one."""

from __future__ import annotations

import uuid

from django.urls import reverse

from otklik.accounts.models import User
from otklik.appeals.models import Appeal

PASSWORD = "Krasnaya-ploshchad-7"
SIGNUP = {
    "email": "anna@example.ru",
    "full_name": "Анна Иванова",
    "password1": PASSWORD,
    "password2": PASSWORD,
    "consent": "on",
}


def test_sign_up_takes_an_optional_phone_and_normalises_it(client, db):
    assert 'name="phone"' in client.get(reverse("portal:signup")).text
    response = client.post(reverse("portal:signup"), {**SIGNUP, "phone": "8 (900) 111-22-33"})
    assert response.status_code == 302
    assert User.objects.get(email="anna@example.ru").phone == "+79001112233"
    response = client.post(reverse("portal:signup"), {**SIGNUP, "email": "b@example.ru"})
    assert response.status_code == 302
    assert User.objects.get(email="b@example.ru").phone == ""


def test_a_wrong_phone_at_sign_up_is_refused_in_russian_and_the_rest_is_kept(client, db):
    response = client.post(reverse("portal:signup"), {**SIGNUP, "phone": "12-34"})
    assert response.status_code == 200
    assert "Введите российский номер: +7 и 10 цифр" in response.text
    assert 'value="Анна Иванова"' in response.text
    assert not User.objects.exists()


def _report(category, municipality, **extra):
    return {
        "form_key": str(uuid.uuid4()),
        "category": str(category.pk),
        "latitude": str(municipality.center_lat),
        "longitude": str(municipality.center_lon),
        "address": "г. Липецк, ул. Московская, 12",
        "text": "Глубокая яма на проезжей части у дома 12 по улице Московской.",
        "confirm_new": "1",
        **extra,
    }


def test_the_report_form_is_prefilled_and_keeps_the_phone_on_the_appeal_and_if_asked_the_profile(
    client, citizen, region, municipality, category
):
    client.force_login(citizen)
    page = client.get(reverse("portal:report")).text
    assert 'value="+7 900 123-45-67"' in page
    response = client.post(
        reverse("portal:report"), _report(category, municipality, phone="8 912 000-11-22")
    )
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.contact_phone == "+79120001122"
    citizen.refresh_from_db()
    assert citizen.phone == "+7 900 123-45-67"  # not asked to keep it
    client.post(
        reverse("portal:report"),
        _report(category, municipality, phone="+7 912 000-11-23", save_phone="on"),
    )
    citizen.refresh_from_db()
    assert citizen.phone == "+79120001123"


def test_a_wrong_phone_on_the_report_form_is_an_error_and_loses_nothing(
    client, citizen, region, municipality, category
):
    client.force_login(citizen)
    response = client.post(reverse("portal:report"), _report(category, municipality, phone="abc"))
    assert response.status_code == 200
    assert "Введите российский номер: +7 и 10 цифр" in response.text
    assert "Глубокая яма на проезжей части" in response.text
    assert not Appeal.objects.exists()
