"""The foundation's pages in a real browser: public view, office view, admin — in Russian."""

import re

import pytest
from playwright.sync_api import expect

from otklik.appeals import services
from tests.browser.helpers import PHONE, log_in, screenshot

pytestmark = pytest.mark.browser
PASSWORD = "Browser-test-2026"


@pytest.fixture
def registered_appeal(calendar, region, municipality, category, organization, citizen, operator):
    appeal = services.submit_appeal(
        region=region,
        text="Глубокая яма на проезжей части у дома 12 по улице Московской",
        applicant=citizen,
        category=category,
        latitude=municipality.center_lat,
        longitude=municipality.center_lon,
        address="г. Липецк, ул. Московская, 12",
    )
    services.register_appeal(appeal=appeal, actor=operator, executor=organization)
    return appeal


def test_public_sees_appeal_on_phone_without_applicant_data(page, registered_appeal, citizen):
    page.set_viewport_size(PHONE)
    page.goto("/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Сообщите о проблеме")
    page.get_by_role("link", name=registered_appeal.number).click()
    page.wait_for_url(f"**/appeals/{registered_appeal.number}/")
    page.wait_for_load_state()
    body = page.locator("main").inner_text()
    assert "Обращение " + registered_appeal.number in body
    assert "Московской" in body
    assert "Исполнитель работает над обращением" in body
    assert citizen.email not in page.content()
    assert (citizen.full_name or citizen.email) not in body
    # Nothing wider than a phone screen: no horizontal scrolling of the page.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "foundation-public-appeal-phone")


def test_operator_logs_in_and_reads_history_in_office(page, registered_appeal, operator):
    operator.set_password(PASSWORD)
    operator.save(update_fields=["password"])
    log_in(page, operator.email, PASSWORD)
    page.get_by_role("link", name="Рабочее место").click()
    # The operator's day starts in the moderation queue; the registered appeal is in the list.
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Модерация"))
    page.get_by_role("link", name="Все обращения").click()
    page.get_by_role("link", name=registered_appeal.number).click()
    page.wait_for_url(f"**/office/appeals/{registered_appeal.number}/")
    history = page.locator("ol.timeline").inner_text()
    assert "обращение подано" in history
    assert "зарегистрировано" in history
    assert "направлено исполнителю" in history
    screenshot(page, "foundation-office-appeal-desktop")


def test_wrong_password_shows_russian_error_and_keeps_email(page, operator):
    log_in(page, operator.email, "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("правильн")
    assert page.get_by_label("Электронная почта").input_value() == operator.email


def test_admin_is_in_russian(page, admin_user):
    admin_user.set_password(PASSWORD)
    admin_user.save(update_fields=["password"])
    # /admin/login/ leads to the one (throttled) login page.
    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Электронная почта").fill(admin_user.email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    # The index is long: read it once the whole document is parsed, not while it streams in.
    page.wait_for_url("**/admin/")
    page.wait_for_load_state()
    content = page.locator("#content").inner_text()
    assert "Обращения" in content
    assert "Производственный календарь" in content
    assert "Правила маршрутизации" in content
    screenshot(page, "foundation-admin-desktop")
