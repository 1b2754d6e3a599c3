"""The control centre in a real browser: the queue worked with the keyboard, a bulk reject, an
appeal taken on the phone, and a field report from a phone with its location."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from otklik.accounts.models import Role
from otklik.appeals import services
from otklik.appeals.models import Appeal, Channel
from otklik.appeals.workflow import Status
from tests.browser.a11y import watch
from tests.browser.conftest import new_page
from tests.browser.helpers import log_in, screenshot
from tests.factories import RejectionReasonFactory, staff

pytestmark = pytest.mark.browser
PASSWORD = "Test-password-2026"  # UserFactory's
TEXT = "Яма на дороге у дома 12 по улице Московской, объехать нельзя."


@pytest.fixture
def queue(calendar, region, municipality, category, organization, citizen):
    """Three new appeals, oldest first; the reasons the migrations seed (flushed here)."""
    RejectionReasonFactory(code="spam", name="Спам или реклама", public_text="Не обращение.")
    now = timezone.now()
    return [
        services.submit_appeal(
            region=region,
            text=f"{TEXT} ({n})",
            applicant=citizen,
            category=category,
            municipality=municipality,
            latitude=municipality.center_lat,
            longitude=municipality.center_lon,
            now=now - timedelta(minutes=60 - n),
        )
        for n in range(3)
    ]


def test_operator_works_the_queue_with_the_keyboard(page, queue, operator, organization):
    log_in(page, operator.email, PASSWORD)
    page.goto("/office/moderation/")
    assert page.get_by_text("Клавиши").is_visible()
    screenshot(page, "moderation-queue")
    page.keyboard.press("?")
    expect(page.locator("#kbd-help")).to_be_visible()
    page.keyboard.press("?")
    page.keyboard.press("j")
    assert page.locator("tr.queue-row").first.get_attribute("class") == "queue-row selected"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/office/moderation/{queue[0].number}/")
    option = page.locator("#accept-executor option:checked")
    assert option.inner_text() == "УДХ Липецка — по правилу маршрутизации"
    screenshot(page, "moderation-page")
    page.keyboard.press("a")
    page.wait_for_url(f"**/office/moderation/{queue[1].number}/")
    assert f"Обращение {queue[0].number} принято" in page.locator(".messages").inner_text()
    first = Appeal.objects.get(pk=queue[0].pk)
    assert first.status == Status.IN_PROGRESS
    assert first.executor == organization
    # r focuses the reason; typing there is not taken for keys.
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "reject-reason"
    page.keyboard.press("c")
    page.keyboard.type("a")
    assert page.url.endswith(f"/office/moderation/{queue[1].number}/")
    page.keyboard.press("Escape")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("n")
    page.wait_for_url(f"**/office/moderation/{queue[2].number}/")


def test_operator_rejects_two_appeals_at_once(page, queue, operator):
    log_in(page, operator.email, PASSWORD)
    page.goto("/office/moderation/")
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    assert page.locator("input[name=numbers]:checked").count() == 2
    page.get_by_label("отклонить").check()
    page.get_by_label("Причина отклонения").select_option(label="Спам или реклама")
    page.get_by_role("button", name="Применить к отмеченным").click()
    expect(page.locator(".messages")).to_contain_text("Отклонено 2, пропущено 0")
    statuses = [Appeal.objects.get(pk=a.pk).status for a in queue]
    assert statuses == [Status.REJECTED, Status.REJECTED, Status.NEW]


def test_operator_enters_an_appeal_from_a_call(page, calendar, operator, municipality, category):
    log_in(page, operator.email, PASSWORD)
    page.goto("/office/new/")
    page.get_by_label("Имя позвонившего").fill("Анна Звонкова")
    page.get_by_label("Телефон").fill("+7 900 111-22-33")
    page.locator("#id_category").select_option(label="Ямы")
    page.locator("#id_municipality").select_option(label="Липецк")
    page.get_by_label("Адрес или ориентир").fill("ул. Гагарина, 7")
    page.get_by_label("Текст обращения").fill(TEXT)
    page.locator("#report-submit").dblclick()
    page.wait_for_url("**/office/new/?created=*")
    appeal = Appeal.objects.get()
    assert page.locator("#appeal-number").inner_text() == appeal.number
    assert appeal.channel == Channel.PHONE
    assert appeal.contact_name == "Анна Звонкова"
    screenshot(page, "phone-entry-done")
    page.get_by_role("link", name="Модерировать сейчас").click()
    page.wait_for_url(f"**/office/moderation/{appeal.number}/")


def test_field_member_reports_from_a_phone_with_location(
    browser, live_server, calendar, region, municipality, category
):
    member = staff(Role.FIELD, region, email="brigade@example.ru")
    page = new_page(
        browser,
        live_server.url,
        viewport={"width": 360, "height": 740},
        permissions=["geolocation"],
        geolocation={"latitude": 52.612, "longitude": 39.591},
        has_touch=True,
        is_mobile=True,
    )
    audit = watch(page)
    try:
        log_in(page, member.email, PASSWORD)
        page.goto("/office/field/")
        assert page.locator("#id_latitude").is_hidden()
        page.locator("#id_category").select_option(label="Ямы")
        page.get_by_role("button", name="Моё местоположение").click()
        # Wait with a locator: a string predicate is eval'd in the page, which the CSP forbids.
        expect(page.locator("#id_latitude")).not_to_have_value("")
        expect(page.locator("#point-status")).to_have_text("Место отмечено.")
        page.get_by_label("Что не так").fill(TEXT)
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 360
        screenshot(page, "field-report-phone")
        # The form posts back to the same address: wait for the answer, not for the URL.
        with page.expect_navigation():
            page.get_by_role("button", name="Отправить отчёт").click()
        appeal = Appeal.objects.get()
        assert appeal.channel == Channel.FIELD
        assert round(appeal.latitude, 3) == 52.612
        assert f"Отчёт {appeal.number} отправлен" in page.locator(".messages").inner_text()
        assert page.locator(".report-list").get_by_text(appeal.number).is_visible()
        audit.check(page)
    finally:
        page.context.close()
    audit.assert_clean()
