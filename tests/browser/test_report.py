"""Reporting a problem in a real browser: category search and hint, a pin on the map, photos
with previews, errors that keep everything, and «у меня та же проблема»."""

import pytest
from PIL import Image
from playwright.sync_api import expect

from otklik.appeals.models import Appeal, Attachment, Support
from otklik.appeals.workflow import Status
from tests.browser.helpers import DESKTOP, PHONE, log_in, screenshot

pytestmark = pytest.mark.browser
PASSWORD = "Test-password-2026"  # UserFactory's
TEXT = "Глубокая яма на проезжей части у дома 12 по улице Московской, объехать нельзя."
HINT = "В случае угрозы жизни звоните 112"


@pytest.fixture
def setting(calendar, region, municipality, category, organization):
    category.hint = HINT
    category.save(update_fields=["hint"])
    return category


@pytest.fixture
def photos(tmp_path):
    jpeg, png = tmp_path / "yama.jpg", tmp_path / "dvor.png"
    Image.new("RGB", (320, 240), (120, 80, 40)).save(jpeg, "JPEG")
    Image.new("RGBA", (200, 150), (30, 120, 200, 255)).save(png, "PNG")
    fake = tmp_path / "fake.jpg"
    fake.write_text("это текст, а не фотография")
    return {"jpeg": jpeg, "png": png, "fake": fake}


def open_form(page, citizen, viewport=DESKTOP):
    page.set_viewport_size(viewport)
    log_in(page, citizen.email, PASSWORD)
    page.get_by_role("link", name="Сообщить о проблеме").first.click()
    page.wait_for_url("**/report/")


def pick_category(page, category):
    page.get_by_label("Найти тему").fill("ямы")
    expect(page.locator("#id_category")).to_have_value(str(category.pk))
    expect(page.locator("#category-hint")).to_have_text(HINT)


def drop_pin(page):
    page.locator("#report-map").click()
    page.locator(".leaflet-marker-icon").wait_for()
    expect(page.locator("#point-status")).to_have_text("Место отмечено.")
    expect(page.locator("#id_latitude")).not_to_have_value("")


def test_citizen_reports_a_problem_with_two_photos(page, setting, citizen, photos):
    open_form(page, citizen)
    assert page.locator("#id_latitude").is_hidden()
    screenshot(page, "report-form-desktop")
    pick_category(page, setting)
    drop_pin(page)
    page.get_by_label("Адрес или ориентир").fill("ул. Московская, 12")
    page.set_input_files("#id_photos", [photos["jpeg"], photos["png"]])
    expect(page.locator("#photo-previews img")).to_have_count(2)
    page.get_by_label("Опишите проблему").fill(TEXT)
    page.locator("#report-submit").dblclick()
    page.wait_for_url("**/appeals/*/")
    appeal = Appeal.objects.get()
    assert page.get_by_role("heading", level=1).inner_text() == f"Обращение {appeal.number}"
    assert f"Ваше обращение {appeal.number} отправлено" in page.locator(".messages").inner_text()
    assert Attachment.objects.filter(appeal=appeal).count() == 2
    assert appeal.municipality.name == "Липецк"
    assert appeal.address == "ул. Московская, 12"


def test_preview_can_be_removed_before_sending(page, setting, citizen, photos):
    open_form(page, citizen)
    page.set_input_files("#id_photos", [photos["jpeg"], photos["png"]])
    page.get_by_role("button", name="Убрать: dvor.png").click()
    expect(page.locator("#photo-previews img")).to_have_count(1)
    assert page.evaluate("document.getElementById('id_photos').files.length") == 1


def test_bad_photo_shows_error_and_keeps_text_pin_and_good_photo(page, setting, citizen, photos):
    open_form(page, citizen, PHONE)
    pick_category(page, setting)
    drop_pin(page)
    page.get_by_label("Опишите проблему").fill(TEXT)
    page.set_input_files("#id_photos", [photos["jpeg"], photos["fake"]])
    page.locator("#report-submit").click()
    summary = page.get_by_role("alert")
    summary.wait_for()
    assert "«fake.jpg»" in summary.inner_text()
    assert page.get_by_label("Опишите проблему").input_value() == TEXT
    assert page.locator("#id_category").input_value() == str(setting.pk)
    assert page.locator("#category-hint").inner_text() == HINT
    # The kept photo is served back and decoded, and the pin is redrawn by the map's script:
    # wait for both (the alert above is in the page before the image and the script are).
    expect(page.locator(".draft-photos img")).to_have_count(1)
    expect(page.locator(".draft-photos img")).to_have_js_property("naturalWidth", 320)
    expect(page.locator(".leaflet-marker-icon")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "report-form-phone")
    page.locator("#report-submit").click()
    page.wait_for_url("**/appeals/*/")
    appeal = Appeal.objects.get()
    assert [a.original_name for a in appeal.attachments.all()] == ["yama.jpg"]


def test_missing_pin_is_reported(page, setting, citizen):
    open_form(page, citizen)
    pick_category(page, setting)
    page.get_by_label("Опишите проблему").fill(TEXT)
    page.locator("#report-submit").click()
    page.get_by_role("alert").wait_for()
    assert "Отметьте место на карте" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Опишите проблему").input_value() == TEXT
    assert not Appeal.objects.exists()


def test_similar_appeal_nearby_is_supported_instead_of_a_duplicate(
    page, setting, citizen, appeal_in, other_citizen
):
    existing = appeal_in(Status.IN_PROGRESS, applicant=other_citizen)
    open_form(page, citizen, PHONE)
    pick_category(page, setting)
    drop_pin(page)
    item = page.locator(".similar-item")
    item.wait_for()
    assert existing.number in item.inner_text()
    assert other_citizen.full_name not in page.content()
    expect(page.locator("#report-submit")).to_have_text("Всё равно отправить новое сообщение")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "report-similar-phone")
    item.get_by_role("button", name="У меня та же проблема").click()
    page.wait_for_url(f"**/appeals/{existing.number}/")
    assert f"Вы поддержали обращение {existing.number}" in page.locator(".messages").inner_text()
    assert Support.objects.filter(appeal=existing, user=citizen).count() == 1
    assert Appeal.objects.count() == 1


def test_my_location_button_puts_the_pin_there(page, setting, citizen):
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 52.62, "longitude": 39.6})
    open_form(page, citizen)
    page.get_by_role("button", name="Моё местоположение").click()
    page.locator(".leaflet-marker-icon").wait_for()
    expect(page.locator("#id_latitude")).to_have_value("52.620000")
    expect(page.locator("#id_longitude")).to_have_value("39.600000")
