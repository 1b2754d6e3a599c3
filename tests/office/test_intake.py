"""Appeals entered by staff: a caller's appeal taken on the phone and a field team's report."""

import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from otklik.accounts.models import Role, User
from otklik.appeals.models import Appeal, Attachment, Channel, DraftPhoto
from otklik.appeals.workflow import Status
from tests.factories import staff

PHONE = "/office/new/"
FIELD = "/office/field/"
TEXT = "Во дворе дома 7 по улице Гагарина третий день не горит фонарь."


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def field_member(region):
    return staff(Role.FIELD, region, email="brigade@example.ru", full_name="Бригада Один")


def jpeg(name="fonar.jpg", color=(120, 80, 40)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def phone_data(category, municipality, **overrides):
    values = {
        "form_key": str(uuid.uuid4()),
        "full_name": "Анна Звонкова",
        "phone": "+7 900 111-22-33",
        "email": "",
        "category": str(category.pk),
        "municipality": str(municipality.pk),
        "latitude": "",
        "longitude": "",
        "address": "ул. Гагарина, 7",
        "text": TEXT,
        "is_public": "on",
    }
    values.update(overrides)
    return values


def field_data(category, municipality, **overrides):
    values = {
        "form_key": str(uuid.uuid4()),
        "category": str(category.pk),
        "latitude": str(municipality.center_lat),
        "longitude": str(municipality.center_lon),
        "address": "ул. Гагарина, 7",
        "text": TEXT,
    }
    values.update(overrides)
    return values


# ---------------------------------------------------------------------------- phone entry


def test_url_names_resolve():
    assert reverse("office:phone_entry") == PHONE
    assert reverse("office:field_report") == FIELD


@pytest.mark.parametrize("who", ["executor", "citizen", "caller", "field_member"])
def test_phone_entry_is_for_operators_only(client, request, region, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(PHONE).status_code == 403


def test_anonymous_visitor_is_sent_to_login(client, region):
    assert client.get(PHONE)["Location"].startswith("/accounts/login/")
    assert client.get(FIELD)["Location"].startswith("/accounts/login/")


def test_phone_entry_form_has_the_fields_and_a_key(client, operator, category, municipality):
    client.force_login(operator)
    response = client.get(PHONE)
    html = response.content.decode()
    assert response.status_code == 200
    assert uuid.UUID(response.context["form_key"])
    for name in ("full_name", "phone", "email", "category", "municipality", "address", "text"):
        assert f'name="{name}"' in html
    assert 'name="is_public" id="id_is_public" checked' in html
    assert 'data-tile-url="' in html


def test_phone_appeal_is_entered_once_on_a_double_submit(
    client, operator, category, municipality, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    values = phone_data(category, municipality)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(PHONE, values)
        second = client.post(PHONE, values)
    appeal = Appeal.objects.get()
    assert first["Location"] == second["Location"] == f"{PHONE}?created={appeal.number}"
    assert appeal.channel == Channel.PHONE
    assert appeal.created_by == operator
    assert appeal.applicant is None
    assert appeal.contact_name == "Анна Звонкова"
    assert appeal.contact_phone == "+7 900 111-22-33"
    assert appeal.municipality == municipality
    assert appeal.category == category
    assert appeal.is_public
    assert appeal.status == Status.NEW
    done = client.get(first["Location"])
    html = done.content.decode()
    assert f'<p class="big-number" id="appeal-number">{appeal.number}</p>' in html
    assert f'href="/office/moderation/{appeal.number}/"' in html
    assert "Модерировать сейчас" in html and "Новое обращение" in html


def test_email_creates_an_unconfirmed_account_without_a_password(
    client, operator, category, municipality
):
    client.force_login(operator)
    client.post(PHONE, phone_data(category, municipality, email="Anna.Zvonkova@Example.RU"))
    appeal = Appeal.objects.get()
    user = appeal.applicant
    assert user.email == "anna.zvonkova@example.ru"
    assert user.full_name == "Анна Звонкова"
    assert user.phone == "+7 900 111-22-33"
    assert not user.has_usable_password()
    assert user.email_confirmed_at is None
    assert not user.roles()


def test_email_of_an_existing_account_links_the_appeal_to_it(
    client, operator, citizen, category, municipality
):
    client.force_login(operator)
    client.post(PHONE, phone_data(category, municipality, email="IVAN.PETROV@example.ru", phone=""))
    appeal = Appeal.objects.get()
    assert appeal.applicant == citizen
    assert User.objects.filter(email="ivan.petrov@example.ru").count() == 1
    citizen.refresh_from_db()
    assert citizen.has_usable_password()


def test_pin_gives_the_municipality(client, operator, category, municipality, other_municipality):
    client.force_login(operator)
    client.post(
        PHONE,
        {
            **phone_data(category, municipality),
            "municipality": "",
            "latitude": str(other_municipality.center_lat),
            "longitude": str(other_municipality.center_lon),
        },
    )
    appeal = Appeal.objects.get()
    assert appeal.municipality == other_municipality
    assert appeal.latitude == other_municipality.center_lat


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"phone": "", "email": ""}, "Укажите телефон или электронную почту"),
        ({"municipality": ""}, "Выберите муниципальное образование или отметьте место"),
        ({"full_name": ""}, "Укажите имя позвонившего"),
        ({"email": "не почта"}, "Введите правильный адрес"),
        ({"phone": "звоните вечером"}, "+7 900 123-45-67"),
        ({"latitude": "55.0", "longitude": "37.0"}, "Точка вне территории области"),
        ({"latitude": "52.6", "longitude": ""}, "Отметьте место на карте"),
        ({"municipality": "abc"}, "Выберите муниципальное образование из списка"),
        ({"category": "999999999999999999999"}, "Выберите тему из списка"),
        ({"text": ""}, "Опишите проблему"),
    ],
)
def test_phone_entry_errors_keep_what_was_typed(
    client, operator, category, municipality, overrides, message
):
    client.force_login(operator)
    values = phone_data(category, municipality, address="ул. Гагарина, 7, у подъезда 2")
    values.update(overrides)
    response = client.post(PHONE, values)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "ул. Гагарина, 7, у подъезда 2" in html
    if overrides.get("full_name") is None:
        assert 'value="Анна Звонкова"' in html
    if "text" not in overrides:
        assert TEXT in html
    assert not Appeal.objects.exists()
    assert not User.objects.filter(email="не почта").exists()


def test_phone_entry_photos_are_kept_across_errors(client, operator, category, municipality):
    client.force_login(operator)
    values = phone_data(category, municipality, phone="", email="")
    response = client.post(PHONE, {**values, "photos": [jpeg()]})
    draft = DraftPhoto.objects.get(owner=operator)
    assert f'name="draft_photo" value="{draft.pk}"' in response.content.decode()
    values["phone"] = "+7 900 111-22-33"
    client.post(PHONE, {**values, "draft_photo": [str(draft.pk)]})
    appeal = Appeal.objects.get()
    assert Attachment.objects.filter(appeal=appeal).count() == 1
    assert not DraftPhoto.objects.exists()


def test_unknown_created_number_shows_the_empty_form(client, operator, region):
    client.force_login(operator)
    for value in ("48-2026-999999", "x" * 100, ""):
        response = client.get(f"{PHONE}?created={value}")
        assert response.status_code == 200
        assert 'name="form_key"' in response.content.decode()


def test_garbage_form_key_gets_a_fresh_one(client, operator, category, municipality):
    client.force_login(operator)
    response = client.post(PHONE, phone_data(category, municipality, form_key="../../etc"))
    assert response.status_code == 302
    key = Appeal.objects.get().idempotency_key.split(":", 1)[1]
    assert uuid.UUID(key)


# ---------------------------------------------------------------------------- field report


@pytest.mark.parametrize("who", ["executor", "citizen", "caller", "supervisor"])
def test_field_report_is_for_field_teams_and_operators(client, request, region, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(FIELD).status_code == 403


def test_field_form_is_phone_first(client, field_member, category, municipality):
    client.force_login(field_member)
    html = client.get(FIELD).content.decode()
    assert 'accept="image/*" capture="environment"' in html
    assert "multiple" in html
    assert 'id="field-locate"' in html
    assert "Моё местоположение" in html
    assert "Мои отчёты" in html


def test_field_report_becomes_an_appeal_of_the_field_channel(
    client, field_member, category, municipality, django_capture_on_commit_callbacks
):
    client.force_login(field_member)
    values = field_data(category, municipality)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(FIELD, {**values, "photos": [jpeg()]}, follow=True)
        client.post(FIELD, values)  # a second tap
    appeal = Appeal.objects.get()
    assert appeal.channel == Channel.FIELD
    assert appeal.applicant is None
    assert appeal.created_by == field_member
    assert appeal.municipality == municipality
    assert Attachment.objects.filter(appeal=appeal).count() == 1
    html = response.content.decode()
    assert f"Отчёт {appeal.number} отправлен на модерацию" in html
    assert f'href="/office/appeals/{appeal.number}/"' in html


@pytest.mark.parametrize(
    "point",
    [
        {"latitude": "", "longitude": ""},
        {"latitude": "abc", "longitude": "1e999"},
        {"latitude": "91", "longitude": "0"},
        {"latitude": "55.0", "longitude": "37.0"},
    ],
)
def test_field_report_needs_a_point_in_the_region(
    client, field_member, category, municipality, point
):
    client.force_login(field_member)
    response = client.post(FIELD, field_data(category, municipality, **point))
    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()
    assert TEXT in response.content.decode()
    assert not Appeal.objects.exists()


def test_field_photos_are_kept_across_a_missing_point(client, field_member, category, municipality):
    client.force_login(field_member)
    values = field_data(category, municipality, latitude="", longitude="")
    response = client.post(FIELD, {**values, "photos": [jpeg("a.jpg"), jpeg("b.jpg", (1, 2, 3))]})
    drafts = list(DraftPhoto.objects.filter(owner=field_member))
    assert len(drafts) == 2
    html = response.content.decode()
    assert "Отметьте место на карте" in html
    for draft in drafts:
        assert f'name="draft_photo" value="{draft.pk}"' in html
    values.update(latitude=str(municipality.center_lat), longitude=str(municipality.center_lon))
    client.post(
        FIELD,
        {**values, "draft_photo": [str(d.pk) for d in drafts], "remove_photo": [str(drafts[1].pk)]},
    )
    appeal = Appeal.objects.get()
    assert Attachment.objects.filter(appeal=appeal).count() == 1
    assert not DraftPhoto.objects.exists()


def test_field_member_sees_own_reports_only(
    client, field_member, region, category, municipality, appeal_in
):
    colleague = staff(Role.FIELD, region, email="brigade2@example.ru")
    client.force_login(colleague)
    client.post(FIELD, field_data(category, municipality, text="Сломана скамейка в сквере."))
    citizens = appeal_in(Status.NEW)
    client.force_login(field_member)
    client.post(FIELD, field_data(category, municipality))
    mine = Appeal.objects.get(created_by=field_member)
    theirs = Appeal.objects.get(created_by=colleague)
    page = client.get(FIELD)
    assert [a.number for a in page.context["reports"]] == [mine.number]
    listing = client.get("/office/appeals/").content.decode()
    assert mine.number in listing
    assert theirs.number not in listing
    assert citizens.number not in listing


def test_operator_may_file_a_field_report(client, operator, category, municipality):
    client.force_login(operator)
    response = client.post(FIELD, field_data(category, municipality))
    assert response.status_code == 302
    assert Appeal.objects.get().channel == Channel.FIELD
