"""The report form's address search in a real browser, with the map's tiles blocked (no
internet here) and with the map script not loading at all: type part of a street, choose a
suggestion with the keyboard, the pin and the address are set, the appeal is filed there."""

import pytest

from otklik.appeals.models import Appeal
from tests.address_register import seed_register
from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser
PASSWORD = "Test-password-2026"  # UserFactory's
TEXT = "Глубокая яма на проезжей части, объехать нельзя."


@pytest.fixture
def setting(calendar, region, municipality, other_municipality, category, organization):
    seed_register(region)
    return category


def fill_and_choose(page, category):
    page.locator("#id_category").select_option(str(category.pk))
    address = page.get_by_role("combobox", name="Адрес или ориентир")
    address.press_sequentially("москов 12")
    page.get_by_role("option", name="ул. Московская, д. 12, г. Липецк").wait_for()
    address.press("ArrowDown")
    address.press("Enter")
    assert address.input_value() == "ул. Московская, д. 12, г. Липецк"
    assert page.locator("#address-suggestions li").count() == 0
    assert page.locator("#point-status").inner_text() == "Место отмечено."
    assert page.locator("#id_latitude").input_value() == "52.610100"
    assert page.locator("#id_longitude").input_value() == "39.590100"


def send(page):
    page.locator("#id_text").fill(TEXT)
    page.get_by_role("button", name="Отправить сообщение").click()
    page.wait_for_url("**/appeals/**")
    return Appeal.objects.get(text=TEXT)


def test_citizen_finds_the_address_and_files_there_without_map_tiles(page, setting, citizen):
    log_in(page, citizen.email, PASSWORD)
    page.goto("/report/")
    fill_and_choose(page, setting)
    page.locator(".leaflet-marker-icon").wait_for()
    appeal = send(page)
    assert (appeal.latitude, appeal.longitude) == (52.6101, 39.5901)
    assert appeal.address == "ул. Московская, д. 12, г. Липецк"
    assert appeal.municipality.name == "Липецк"


def test_the_address_sets_the_point_when_the_map_script_does_not_load(page, setting, citizen):
    page.route("**/leaflet.js", lambda route: route.abort())
    log_in(page, citizen.email, PASSWORD)
    page.goto("/report/")
    assert page.locator("#id_latitude").is_visible()
    fill_and_choose(page, setting)
    appeal = send(page)
    assert (appeal.latitude, appeal.longitude) == (52.6101, 39.5901)
