"""A control call in a real browser: the caller opens the week's list, finds no answer the first
time, reaches the applicant the second time and records «not solved» — a repeat appeal opens —
and the operator raises the instruction to the executor with one click."""

import pytest
from playwright.sync_api import expect

from otklik.appeals.models import Appeal
from otklik.appeals.workflow import Action, Status
from otklik.control import calls
from otklik.control.models import ControlCall, Instruction
from tests.browser.helpers import log_in, screenshot

pytestmark = pytest.mark.browser
PASSWORD = "Test-password-2026"  # UserFactory's


def go(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def test_a_caller_records_a_failed_check_and_the_operator_instructs_with_one_click(
    page, calendar, region, appeal_in, caller, operator, organization, citizen
):
    appeal = appeal_in(Status.CLOSED)
    call_list = calls.draw_weekly() and calls.call_lists_visible_to(caller).get()
    call = ControlCall.objects.get(call_list=call_list, appeal=appeal)

    log_in(page, caller.email, PASSWORD)
    page.goto("/office/calls/")
    go(page, page.get_by_role("link", name=call_list.title))
    go(page, page.get_by_role("link", name=appeal.number))
    assert page.get_by_text("+7 900 123-45-67").is_visible()
    assert page.get_by_role("heading", name="Сценарий разговора").is_visible()

    page.get_by_label("не отвечает").check()
    expect(page.get_by_label("Скорость решения (1–5)")).to_be_hidden()
    go(page, page.get_by_role("button", name="Сохранить"))
    assert "позвоните ещё раз после" in page.locator(".messages").inner_text()
    assert page.get_by_text("1 из 3").is_visible()

    page.get_by_label("дозвонились").check()
    page.get_by_label("нет, не решена").check()
    page.get_by_label("Скорость решения (1–5)").select_option("2")
    page.get_by_label("Качество работ (1–5)").select_option("1")
    page.get_by_label("Качество ответа и обратной связи (1–5)").select_option("2")
    page.get_by_label("Комментарий").fill("Яму засыпали щебнем, после дождя её снова размыло.")
    go(page, page.get_by_role("button", name="Сохранить"))
    call.refresh_from_db()
    repeat = call.repeat
    assert repeat is not None
    assert f"Открыто повторное обращение {repeat.number}" in page.locator(".messages").inner_text()
    assert page.get_by_text("Проверка не пройдена").first.is_visible()
    screenshot(page, "calls-failed-check")

    page.context.clear_cookies()
    log_in(page, operator.email, PASSWORD)
    page.goto(f"/office/calls/{call.pk}/")
    go(page, page.get_by_role("button", name="Выдать поручение"))
    instruction = Instruction.objects.get()
    assert f"Поручение № {instruction.pk}" in page.locator(".messages").inner_text()
    assert page.get_by_role("link", name=f"Поручение № {instruction.pk}").is_visible()
    assert page.get_by_role("button", name="Выдать поручение").count() == 0

    assert Appeal.objects.get(pk=repeat.pk).repeat_of == appeal
    assert set(instruction.appeals.all()) == {appeal, repeat}
    assert instruction.organization == organization
    results = [
        e.data["result"] for e in appeal.events.filter(action=Action.CONTROL_CALL).order_by("pk")
    ]
    assert results == ["no_answer", "reached"]
