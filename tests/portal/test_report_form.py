"""The «report a problem» form: login, categories and hints, the pin, the idempotency key,
and that no input ever gives a server error."""

import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from otklik.appeals.models import Appeal, AppealEvent, Attachment, DraftPhoto
from otklik.appeals.workflow import Status
from tests.factories import CategoryFactory

URL = "/report/"
TEXT = "Глубокая яма на проезжей части у дома 12 по улице Московской."


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def jpeg(name="yama.jpg", color=(120, 80, 40)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def data(category, municipality, **overrides):
    values = {
        "form_key": str(uuid.uuid4()),
        "category": str(category.pk),
        "latitude": str(municipality.center_lat),
        "longitude": str(municipality.center_lon),
        "address": "г. Липецк, ул. Московская, 12",
        "text": TEXT,
    }
    values.update(overrides)
    return values


def test_url_names_resolve():
    assert reverse("portal:report") == URL
    assert reverse("portal:similar") == "/report/similar/"


def test_anonymous_visitor_is_sent_to_login_with_next(client, region):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/report/"


def test_form_lists_active_leaf_categories_grouped_by_parent_with_hints(
    client, citizen, region, municipality, category, roads
):
    category.hint = "В случае угрозы жизни звоните 112"
    category.save(update_fields=["hint"])
    CategoryFactory(code="old", name="Старая рубрика", parent=roads, is_active=False)
    client.force_login(citizen)
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<optgroup label="Дороги">' in html
    assert 'data-hint="В случае угрозы жизни звоните 112"' in html
    assert ">Ямы</option>" in html
    assert "Старая рубрика" not in html
    # The parent is a group, not an option one could choose.
    assert f'<option value="{roads.pk}"' not in html
    assert 'name="form_key"' in html
    assert 'data-tile-url="' in html
    assert 'data-lat="52.61"' in html


def test_each_form_gets_its_own_key(client, citizen, region):
    client.force_login(citizen)
    first = client.get(URL).context["form_key"]
    second = client.get(URL).context["form_key"]
    assert uuid.UUID(first) and first != second


def test_report_with_photos_becomes_appeal_and_redirects_with_number(
    client, citizen, region, municipality, category, media, django_capture_on_commit_callbacks
):
    client.force_login(citizen)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL,
            {**data(category, municipality), "photos": [jpeg("a.jpg"), jpeg("b.jpg", (1, 2, 3))]},
            follow=True,
        )
    appeal = Appeal.objects.get()
    assert response.redirect_chain[-1][0] == f"/appeals/{appeal.number}/"
    assert appeal.number in response.content.decode()
    assert "отправлено" in response.content.decode()
    assert appeal.applicant == citizen
    assert appeal.municipality == municipality
    assert appeal.category == category
    assert appeal.status == Status.NEW
    assert appeal.address == "г. Липецк, ул. Московская, 12"
    assert Attachment.objects.filter(appeal=appeal).count() == 2
    assert not DraftPhoto.objects.exists()
    assert AppealEvent.objects.get(appeal=appeal).data["photos"] == 2
    assert not list((media / "drafts").rglob("*.jpg"))


def test_missing_pin_is_an_error_and_keeps_what_was_typed(
    client, citizen, region, municipality, category
):
    client.force_login(citizen)
    response = client.post(URL, data(category, municipality, latitude="", longitude=""))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Отметьте место на карте" in html
    assert TEXT in html
    assert "ул. Московская, 12" in html
    assert f'<option value="{category.pk}" data-hint=""' in html
    assert " selected>Ямы</option>" in html
    assert not Appeal.objects.exists()


def test_point_outside_the_region_is_an_error(client, citizen, region, municipality, category):
    client.force_login(citizen)
    response = client.post(URL, data(category, municipality, latitude="55.0", longitude="37.0"))
    assert "Точка вне территории области" in response.content.decode()
    assert not Appeal.objects.exists()


def test_chosen_categorys_hint_is_shown_again_with_the_errors(
    client, citizen, region, municipality, category
):
    category.hint = "В случае угрозы жизни звоните 112"
    category.save(update_fields=["hint"])
    client.force_login(citizen)
    response = client.post(URL, data(category, municipality, text=""))
    html = response.content.decode()
    assert 'aria-live="polite">В случае угрозы жизни звоните 112</p>' in html
    assert "Опишите проблему" in html


def test_inactive_category_cannot_be_chosen(client, citizen, region, municipality, roads):
    old = CategoryFactory(code="old", name="Старая", parent=roads, is_active=False)
    client.force_login(citizen)
    response = client.post(URL, data(old, municipality))
    assert "Выберите тему из списка" in response.content.decode()
    assert not Appeal.objects.exists()


def test_same_key_twice_makes_one_appeal_and_redirects_to_it(
    client, citizen, region, municipality, category
):
    client.force_login(citizen)
    values = data(category, municipality)
    first = client.post(URL, {**values, "photos": [jpeg()]})
    second = client.post(URL, {**values, "photos": [jpeg()]})
    appeal = Appeal.objects.get()
    assert first["Location"] == second["Location"] == f"/appeals/{appeal.number}/"
    assert Attachment.objects.filter(appeal=appeal).count() == 1
    # The retry's copies of the photos do not linger as drafts.
    assert not DraftPhoto.objects.exists()


def test_same_key_from_another_citizen_is_their_own_appeal(
    client, citizen, other_citizen, region, municipality, category
):
    values = data(category, municipality)
    client.force_login(citizen)
    client.post(URL, values)
    client.force_login(other_citizen)
    client.post(URL, values)
    assert Appeal.objects.count() == 2


@pytest.mark.parametrize(
    "garbage",
    [
        {"latitude": "nan", "longitude": "inf"},
        {"latitude": "abc", "longitude": "1e999"},
        {"latitude": "52,61", "longitude": "39,59"},
        {"latitude": "91", "longitude": "39.59"},
        {"category": "999999999999999999999999"},
        {"category": "'; DROP TABLE"},
        {"form_key": "not-a-uuid", "draft_photo": ["x", "99999999999999999999"]},
        {"remove_photo": ["-1", "1.5"], "confirm_new": "yes"},
        {"text": "x" * 6000},
        {"address": "a" * 600},
    ],
)
def test_garbage_input_gives_an_error_page_not_a_500(
    client, citizen, region, municipality, category, garbage
):
    client.force_login(citizen)
    response = client.post(URL, {**data(category, municipality), **garbage})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert response.context["form"].errors or response.context["photo_errors"]


def test_garbage_key_is_replaced_by_a_fresh_one(client, citizen, region, municipality, category):
    client.force_login(citizen)
    response = client.post(URL, data(category, municipality, form_key="zzz", text=""))
    assert uuid.UUID(response.context["form_key"])
