"""The executor's day in a real browser: the inbox, search, the appeal, «взять себе», a formal
reply caught by the live check, fixed, sent with a photo; then a postponement request."""

from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from otklik.appeals.models import Answer, Postponement
from otklik.appeals.workflow import Status
from tests.browser.helpers import PHONE, log_in, screenshot

pytestmark = pytest.mark.browser
PASSWORD = "Test-password-2026"  # UserFactory's
FORMAL = "Ваше обращение рассмотрено. Вопрос будет рассмотрен в установленном порядке."
GOOD = "Яма заделана горячим асфальтом 12.03.2026, мастер участка проверил работу на месте."


@pytest.fixture
def work(calendar, appeal_in):
    pothole = appeal_in(Status.IN_PROGRESS)
    lamp = appeal_in(Status.IN_PROGRESS, text="Не горит фонарь во дворе дома 5, темно вечером.")
    return pothole, lamp


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "result.jpg"
    Image.new("RGB", (320, 240), (90, 90, 90)).save(path, "JPEG")
    return path


def test_executor_answers_an_appeal_from_the_inbox(page, work, executor, photo):
    pothole, lamp = work
    log_in(page, executor.email, PASSWORD)
    page.goto("/office/")
    page.wait_for_url("**/office/inbox/")
    assert page.get_by_role("heading", level=1).inner_text() == "Входящие"
    assert page.get_by_role("link", name=lamp.number).is_visible()
    screenshot(page, "executor-inbox-desktop")

    page.get_by_label("Поиск").fill("ямы на дорогах")
    page.get_by_role("button", name="Показать", exact=True).click()
    page.wait_for_url("**q=*")
    assert page.get_by_role("link", name=pothole.number).is_visible()
    assert page.get_by_role("link", name=lamp.number).count() == 0
    page.get_by_role("link", name=pothole.number).click()
    page.wait_for_url(f"**/office/appeals/{pothole.number}/")

    page.get_by_text("Ответственный сотрудник").click()
    page.get_by_role("button", name="Взять себе").click()
    expect(page.locator(".messages")).to_contain_text("Теперь вы отвечаете")
    pothole.refresh_from_db()
    assert pothole.assignee == executor

    page.get_by_role("link", name="Ответить").click()
    page.wait_for_url("**/answer/")
    page.get_by_label("Ответ заявителю").fill(FORMAL)
    findings = page.locator("#findings .findings")
    findings.wait_for()
    assert "не сказано, что сделано" in findings.inner_text() or "no_action" in (
        findings.inner_html()
    )
    assert page.locator('#findings li[data-code="no_date"]').count() == 1
    screenshot(page, "executor-answer-findings")

    page.get_by_label("Ответ заявителю").fill(GOOD)
    page.set_input_files("#id_evidence", [photo])
    page.get_by_role("button", name="Проверить").click()
    page.locator("#findings .findings.clean").wait_for()
    assert "Замечаний нет" in page.locator("#findings").inner_text()
    page.get_by_role("button", name="Отправить на проверку").click()
    page.wait_for_url(f"**/office/appeals/{pothole.number}/")
    assert "отправлен в ЦУР на проверку" in page.locator(".messages").inner_text()
    answer = Answer.objects.get(appeal=pothole)
    assert answer.text == GOOD
    assert not answer.is_formal_reply
    assert answer.attachments.get().kind == "photo"


def test_executor_requests_a_postponement_on_a_phone(page, work, executor):
    pothole, _ = work
    page.set_viewport_size(PHONE)
    log_in(page, executor.email, PASSWORD)
    page.goto(f"/office/appeals/{pothole.number}/")
    page.get_by_text("Запросить перенос срока").click()
    new_date = (timezone.localtime(pothole.due_at) + timedelta(days=10)).date()
    page.get_by_label("Новый срок").fill(new_date.isoformat())
    page.get_by_label("Причина").fill("Нужна экспертиза дорожного покрытия")
    page.get_by_role("button", name="Отправить запрос").click()
    expect(page.locator(".messages")).to_contain_text("Запрос на перенос срока отправлен")
    postponement = Postponement.objects.get(appeal=pothole)
    assert postponement.requested_due_at.date() == new_date
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "executor-appeal-phone")
