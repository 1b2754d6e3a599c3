"""The office side of the story in one real browser, from moderation to a completed instruction:
the operator accepts a new appeal with the routing rule's executor, the executor sends a formal
reply past the live check, the operator returns it with the prechecked reasons, the executor asks
twice to move the deadline (the second request is flagged as a repeated postponement), answers
properly with a photo, the operator publishes it, issues an instruction about the appeal, the
executor reports it with a photo and the operator accepts it. Every step is in the history."""

from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from otklik.appeals import services
from otklik.appeals.models import Answer, Appeal, Postponement
from otklik.appeals.workflow import Action, Status
from otklik.control.models import Instruction
from tests.browser.helpers import log_in, screenshot

pytestmark = pytest.mark.browser
PASSWORD = "Test-password-2026"  # UserFactory's
FORMAL = "Ваше обращение рассмотрено. Вопрос будет рассмотрен в установленном порядке."
GOOD = "Яма у дома 12 заделана горячим асфальтом {date}, мастер участка проверил работу на месте."
FIRST_REASON = "Асфальтовый завод закрыт на плановый ремонт."
SECOND_REASON = (
    "Подрядчик по муниципальному контракту не вышел на объект, контракт расторгается, "
    "работы передаются аварийной бригаде."
)


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "zadelano.jpg"
    Image.new("RGB", (640, 480), (70, 70, 70)).save(path, "JPEG")
    return path


def go(page, locator) -> None:
    """Click something that loads a page and wait until the new page (and its scripts) loaded."""
    with page.expect_navigation():
        locator.click()


def as_user(page, user):
    page.context.clear_cookies()
    log_in(page, user.email, PASSWORD)


def message(page) -> str:
    return page.locator(".messages").inner_text()


def request_postponement(page, appeal: Appeal, days: int, reason: str) -> None:
    page.goto(f"/office/appeals/{appeal.number}/")
    page.get_by_text("Запросить перенос срока").click()
    new_date = (timezone.localtime(appeal.due_at) + timedelta(days=days)).date()
    page.get_by_label("Новый срок").fill(new_date.isoformat())
    page.get_by_label("Причина").fill(reason)
    go(page, page.get_by_role("button", name="Отправить запрос"))
    assert "Запрос на перенос срока отправлен" in message(page)


def approve_postponement(page, appeal: Appeal, comment: str = "") -> None:
    page.goto("/office/review/")
    go(page, page.locator("#postponements").get_by_role("link", name=appeal.number))
    if comment:
        page.get_by_label("Комментарий").fill(comment)
    go(page, page.get_by_role("button", name="Одобрить новый срок"))
    assert "перенесён" in message(page)


def test_the_office_works_an_appeal_from_moderation_to_a_completed_instruction(
    page, calendar, region, municipality, category, organization, citizen, operator, executor, photo
):
    appeal = services.submit_appeal(
        region=region,
        text="Яма на дороге у дома 12 по улице Московской, объехать нельзя.",
        applicant=citizen,
        category=category,
        latitude=municipality.center_lat,
        longitude=municipality.center_lon,
        address="г. Липецк, ул. Московская, 12",
    )

    # The operator starts in the moderation queue and accepts with the rule's executor.
    as_user(page, operator)
    go(page, page.get_by_role("link", name="Рабочее место"))
    go(page, page.get_by_role("link", name=appeal.number))
    assert (
        "по правилу маршрутизации" in page.locator("#accept-executor option:checked").inner_text()
    )
    page.keyboard.press("a")
    page.wait_for_url("**/office/moderation/")
    appeal.refresh_from_db()
    assert (appeal.status, appeal.executor) == (Status.IN_PROGRESS, organization)

    # The executor finds it in the inbox and sends a formal reply past the live check.
    as_user(page, executor)
    go(page, page.get_by_role("link", name="Рабочее место"))
    go(page, page.get_by_role("link", name=appeal.number))
    go(page, page.get_by_role("link", name="Ответить"))
    page.get_by_label("Ответ заявителю").fill(FORMAL)
    page.get_by_role("button", name="Проверить").click()
    page.locator('#findings li[data-code="no_action"]').wait_for()
    screenshot(page, "office-story-formal-reply")
    go(page, page.get_by_role("button", name="Отправить на проверку"))
    # Sent without the acknowledgement: the page comes back with the remarks, nothing lost.
    assert page.get_by_label("Ответ заявителю").input_value() == FORMAL
    page.get_by_label("Я видел(а) замечания и всё равно отправляю").check()
    go(page, page.get_by_role("button", name="Отправить на проверку"))
    assert "на проверку" in message(page)
    formal = Answer.objects.get(appeal=appeal)
    assert formal.is_formal_reply

    # The operator returns it with the check's reasons prechecked.
    as_user(page, operator)
    page.goto("/office/review/")
    go(page, page.locator("#answers").get_by_role("link", name=appeal.number))
    checked = page.locator('input[name="return-reasons"]:checked')
    assert set(checked.evaluate_all("els => els.map(e => e.value)")) >= {"no_action", "no_date"}
    page.get_by_label("Комментарий для исполнителя").fill("Напишите, что и когда сделано.")
    go(page, page.get_by_role("button", name="Вернуть на доработку"))
    assert "возвращён на доработку" in message(page)

    # The executor sees why, and asks twice to move the deadline.
    as_user(page, executor)
    page.goto(f"/office/appeals/{appeal.number}/answer/")
    assert "Напишите, что и когда сделано." in page.locator(".returned").inner_text()
    appeal.refresh_from_db()
    request_postponement(page, appeal, 10, FIRST_REASON)
    as_user(page, operator)
    approve_postponement(page, appeal)
    as_user(page, executor)
    appeal.refresh_from_db()
    page.goto(f"/office/appeals/{appeal.number}/")
    page.get_by_text("Запросить перенос срока").click()
    assert "повторный перенос" in page.locator("#panel-postpone").inner_text()
    request_postponement(page, appeal, 7, SECOND_REASON)
    as_user(page, operator)
    page.goto("/office/review/")
    assert page.locator("#postponements .badge-flag").count() == 1
    approve_postponement(page, appeal, comment="Согласовано с главой администрации.")
    first, second = Postponement.objects.filter(appeal=appeal).order_by("pk")
    assert (first.is_repeated, second.is_repeated) == (False, True)
    assert first.state == second.state == Postponement.State.APPROVED

    # The proper answer, with a photo, goes through the check clean and is published.
    as_user(page, executor)
    page.goto(f"/office/appeals/{appeal.number}/answer/")
    today = timezone.localdate().strftime("%d.%m.%Y")
    page.get_by_label("Ответ заявителю").fill(GOOD.format(date=today))
    page.set_input_files("#id_evidence", [photo])
    page.get_by_role("button", name="Проверить").click()
    page.locator("#findings .findings.clean").wait_for()
    go(page, page.get_by_role("button", name="Отправить на проверку"))
    assert "на проверку" in message(page)
    as_user(page, operator)
    page.goto("/office/review/")
    go(page, page.locator("#answers").get_by_role("link", name=appeal.number))
    assert page.locator("img.photo").count() >= 1
    go(page, page.get_by_role("button", name="Опубликовать ответ"))
    appeal.refresh_from_db()
    assert appeal.status == Status.ANSWERED

    # An instruction about the appeal, reported with a photo and accepted.
    page.goto(f"/office/appeals/{appeal.number}/")
    go(page, page.get_by_role("link", name="Дать поручение"))
    assert page.get_by_label("Номера обращений").input_value() == appeal.number
    page.get_by_label("Организация").select_option(label=str(organization))
    page.get_by_label("Поручение").fill("Проверить качество ремонта на ул. Московской и доложить.")
    page.get_by_label("Срок").fill((timezone.localdate() + timedelta(days=5)).isoformat())
    go(page, page.get_by_role("button", name="Выдать поручение"))
    instruction = Instruction.objects.get(appeals=appeal)
    as_user(page, executor)
    page.goto(f"/office/instructions/{instruction.pk}/")
    page.get_by_label("Что сделано").fill(
        "Ремонт проверен комиссией, дефектов нет, фото прилагается."
    )
    page.set_input_files("#id_report-files", photo)
    go(page, page.get_by_role("button", name="Отправить доклад"))
    as_user(page, operator)
    page.goto("/office/instructions/")
    go(page, page.get_by_role("link", name=str(instruction.pk), exact=True).first)
    go(page, page.get_by_role("button", name="Принять доклад"))
    assert "Доклад принят" in message(page)
    instruction.refresh_from_db()
    assert instruction.state == Instruction.State.DONE

    # The whole office story is in the appeal's history, in order.
    actions = list(appeal.events.values_list("action", flat=True))
    assert actions == [
        Action.SUBMIT,
        Action.REGISTER,
        Action.ASSIGN,
        Action.SUBMIT_ANSWER,
        Action.RETURN_FOR_REWORK,
        Action.REQUEST_POSTPONEMENT,
        Action.APPROVE_POSTPONEMENT,
        Action.REQUEST_POSTPONEMENT,
        Action.APPROVE_POSTPONEMENT,
        Action.SUBMIT_ANSWER,
        Action.PUBLISH_ANSWER,
        Action.INSTRUCT,
    ]
    page.goto(f"/office/appeals/{appeal.number}/")
    screenshot(page, "office-story-appeal-history")
