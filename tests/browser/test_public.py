"""The public map, list, municipality page and rules in a real browser, phone and desktop."""

import pytest
from playwright.sync_api import expect

from otklik.appeals.workflow import Status
from tests.browser.helpers import DESKTOP, PHONE, screenshot
from tests.browser.public_map import assert_on_map, numbers_on_map, wait_for_map
from tests.factories import RejectionReasonFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def appeals(calendar, appeal_in, municipality):
    return [
        appeal_in(
            Status.IN_PROGRESS if i % 2 else Status.CLOSED,
            latitude=municipality.center_lat + i * 0.0005,
            longitude=municipality.center_lon + i * 0.0005,
        )
        for i in range(6)
    ]


@pytest.mark.parametrize(("viewport", "name"), [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_map_shows_clustered_markers_and_popup_opens_appeal(page, appeals, viewport, name):
    page.set_viewport_size(viewport)
    page.goto("/map/")
    wait_for_map(page)
    assert sorted(numbers_on_map(page)) == sorted(a.number for a in appeals)
    assert_on_map(page, appeals[0].number)
    clusters = page.locator(".marker-cluster")
    assert clusters.count() >= 1
    assert "6" in clusters.first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, f"public-map-{name}")
    # Zoom in until the markers come apart, open one and follow the link of its popup.
    for _ in range(10):
        if page.locator(".appeal-marker").count():
            break
        page.locator(".marker-cluster").first.click()
        page.locator(".leaflet-zoom-anim").wait_for(state="detached")
    marker = page.locator(".appeal-marker").first
    number = marker.get_attribute("data-number")
    marker.click()
    page.locator(".appeal-popup .popup-number").click()
    page.wait_for_url(f"**/appeals/{number}/")
    assert number in page.locator("h1").inner_text()


def test_list_filters_on_phone(page, appeals):
    page.set_viewport_size(PHONE)
    page.goto("/appeals/")
    for appeal in appeals:
        assert page.locator(f'[data-number="{appeal.number}"]').count() == 1
    page.get_by_label("Статус").select_option(label="закрыто")
    page.get_by_role("button", name="Показать").click()
    page.wait_for_url("**status=closed**")
    shown = page.locator(".public-appeal")
    assert shown.count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "public-list-phone")


@pytest.mark.parametrize(("viewport", "name"), [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_municipality_page(page, appeals, municipality, viewport, name):
    page.set_viewport_size(viewport)
    page.goto("/municipalities/")
    page.get_by_role("link", name="Липецк").click()
    expect(page.locator("h1")).to_have_text("Липецк")
    expect(page.locator(".kpi")).to_have_count(16)
    assert "Поступило" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, f"municipality-{name}")
    page.get_by_role("link", name="Обращения на карте").click()
    assert_on_map(page, appeals[0].number)


def test_rules_page_on_phone(page, calendar):
    RejectionReasonFactory(name="Спам или реклама", public_text="Сообщение не является обращением.")
    page.set_viewport_size(PHONE)
    page.goto("/")
    page.get_by_role("link", name="Правила модерации").click()
    expect(page.locator("main")).to_contain_text("Спам или реклама")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "rules-phone")
