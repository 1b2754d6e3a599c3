"""The control centre in a real browser: a formal reply returned with the prechecked reasons, a
postponement approved, an instruction issued about an appeal, reported with a photo by the
executor and accepted by the issuer."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from PIL import Image

from otklik.appeals import services
from otklik.appeals.models import Answer, Postponement
from otklik.appeals.workflow import Status
from otklik.control.models import Instruction
from tests.browser.helpers import DESKTOP, PHONE, log_in, screenshot

pytestmark = pytest.mark.browser
PASSWORD = "Test-password-2026"  # UserFactory's
MSK = ZoneInfo("Europe/Moscow")
FORMAL = "Ваше обращение рассмотрено. Информация принята к сведению."


@pytest.fixture
def formal_answer(calendar, appeal_in, executor):
    appeal = appeal_in(Status.IN_PROGRESS)
    answer = services.submit_answer(appeal=appeal, actor=executor, text=FORMAL)
    assert answer.is_formal_reply
    return answer


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "vyvezeno.jpg"
    Image.new("RGB", (320, 240), (40, 120, 60)).save(path, "JPEG")
    return path


def switch_user(page, user):
    page.context.clear_cookies()
    log_in(page, user.email, PASSWORD)


def test_operator_returns_a_formal_reply_with_the_prechecked_reasons(page, formal_answer, operator):
    log_in(page, operator.email, PASSWORD)
    page.goto("/office/review/")
    assert page.locator(".badge-flag").first.is_visible()
    page.get_by_role("link", name=formal_answer.appeal.number).click()
    page.wait_for_url(f"**/office/review/answers/{formal_answer.pk}/")
    codes = [f["code"] for f in formal_answer.formal_reply_reasons]
    checked = page.locator('input[name="return-reasons"]:checked')
    assert sorted(checked.evaluate_all("els => els.map(e => e.value)")) == sorted(codes)
    page.get_by_label("Комментарий для исполнителя").fill("Укажите, что и когда сделано.")
    page.set_viewport_size(PHONE)
    screenshot(page, "review-answer-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="Вернуть на доработку").click()
    page.wait_for_url("**/office/review/")
    assert "возвращён на доработку" in page.locator(".messages").inner_text()
    formal_answer.refresh_from_db()
    assert formal_answer.state == Answer.State.RETURNED
    assert sorted(formal_answer.rework_reasons) == sorted(codes)


def test_operator_approves_a_postponement(page, calendar, appeal_in, executor, operator):
    appeal = appeal_in(Status.IN_PROGRESS, now=timezone.now() - timedelta(days=2))
    new_day = appeal.due_at.astimezone(MSK).date() + timedelta(days=10)
    postponement = services.request_postponement(
        appeal=appeal,
        actor=executor,
        new_due_date=new_day,
        reason="Нужен асфальтобетонный завод, он откроется через неделю.",
    )
    log_in(page, operator.email, PASSWORD)
    page.goto("/office/review/")
    page.get_by_role("link", name=appeal.number).click()
    page.wait_for_url(f"**/office/review/postponements/{postponement.pk}/")
    screenshot(page, "review-postponement")
    page.get_by_role("button", name="Одобрить новый срок").click()
    page.wait_for_url("**/office/review/")
    assert "перенесён" in page.locator(".messages").inner_text()
    postponement.refresh_from_db()
    assert postponement.state == Postponement.State.APPROVED
    appeal.refresh_from_db()
    assert appeal.due_at.astimezone(MSK).date() == new_day


def test_an_instruction_is_issued_reported_with_a_photo_and_accepted(
    page, calendar, appeal_in, operator, executor, organization, photo
):
    appeal = appeal_in(Status.IN_PROGRESS)
    log_in(page, operator.email, PASSWORD)
    page.goto(f"/office/instructions/new/?appeal={appeal.number}")
    assert page.get_by_label("Номера обращений").input_value() == appeal.number
    page.get_by_label("Организация").select_option(label=str(organization))
    page.get_by_label("Поручение").fill("Проверить качество ямочного ремонта и доложить.")
    due = timezone.now().astimezone(MSK).date() + timedelta(days=5)
    page.get_by_label("Срок").fill(due.isoformat())
    page.get_by_role("button", name="Выдать поручение").click()
    page.wait_for_url("**/office/instructions/*/")
    instruction = Instruction.objects.get()
    assert list(instruction.appeals.all()) == [appeal]
    assert page.get_by_role("link", name=appeal.number).is_visible()

    switch_user(page, executor)
    page.goto(f"/office/instructions/{instruction.pk}/")
    page.get_by_label("Что сделано").fill("Ремонт проверен, дефекты устранены, фото прилагается.")
    page.set_input_files("#id_report-files", photo)
    # The form posts back to the same address: wait for the answer, not for the URL.
    with page.expect_navigation():
        page.get_by_role("button", name="Отправить доклад").click()
    assert page.locator("img.photo").count() == 1
    instruction.refresh_from_db()
    assert instruction.state == Instruction.State.REPORTED

    switch_user(page, operator)
    page.goto(f"/office/instructions/{instruction.pk}/")
    screenshot(page, "instruction-reported")
    with page.expect_navigation():
        page.get_by_role("button", name="Принять доклад").click()
    assert "Доклад принят" in page.locator(".messages").inner_text()
    instruction.refresh_from_db()
    assert instruction.state == Instruction.State.DONE
    assert instruction.completed_at == instruction.reported_at
    assert instruction.due_at == datetime(due.year, due.month, due.day, 23, 59, 59, tzinfo=MSK)
