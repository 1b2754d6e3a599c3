"""The whole story as a citizen lives it, in a real browser: sign up, confirm, report with a pin
and two photos, see it on the map, get the answer, rate it «not solved», see the repeat appeal;
weeks later the follow-up link, and an expired one."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from otklik.appeals import services, tasks
from otklik.appeals.models import Answer, Appeal
from otklik.appeals.workflow import Status
from otklik.control import services as control
from otklik.control.models import FollowUp
from otklik.notifications.delivery import retry_due
from tests.browser.helpers import DESKTOP, PHONE, screenshot, sign_up_and_confirm
from tests.browser.test_report import drop_pin, pick_category

pytestmark = pytest.mark.browser
EMAIL = "anna.smirnova@example.ru"
PASSWORD = "Lipetsk-story-2026"
HINT = "В случае угрозы жизни звоните 112"


def letters_to(email):
    tasks.process_outbox.call()
    retry_due(now=timezone.now() + timedelta(seconds=1))
    return [m for m in mail.outbox if m.to == [email]]


def photo(path, colour):
    Image.new("RGB", (640, 480), colour).save(path, "JPEG")
    return path


@pytest.fixture
def city(calendar, region, municipality, category, organization):
    category.hint = HINT
    category.save(update_fields=["hint"])
    return category


def test_sign_up_report_answer_not_solved_and_repeat(
    page, city, organization, operator, executor, tmp_path
):
    sign_up_and_confirm(page, EMAIL, PASSWORD, "Анна Смирнова")

    # Report: category by search, a pin, an address, two photos, the text.
    page.get_by_role("link", name="Сообщить о проблеме").first.click()
    pick_category(page, city)
    drop_pin(page)
    page.get_by_label("Адрес или ориентир").fill("ул. Московская, 12")
    page.set_input_files(
        "#id_photos",
        [photo(tmp_path / "yama1.jpg", (90, 60, 30)), photo(tmp_path / "yama2.jpg", (60, 60, 60))],
    )
    page.get_by_label("Опишите проблему").fill("Глубокая яма у дома 12, машины бьют колёса.")
    page.locator("#report-submit").click()
    page.wait_for_url("**/appeals/*/")
    appeal = Appeal.objects.get()
    assert appeal.attachments.count() == 2
    assert "Проверяется модератором" in page.locator(".status-line").inner_text()
    assert "Ваше обращение получено" in letters_to(EMAIL)[-1].body

    # The control centre accepts it and sends it to the road department.
    services.register_appeal(appeal=appeal, actor=operator, executor=organization)
    page.reload()
    assert "Исполнитель работает над обращением" in page.locator(".status-line").inner_text()
    assert "Осталось" in page.locator(".deadline").inner_text()
    assert str(organization) in page.locator("ol.timeline").inner_text()
    screenshot(page, "story-appeal-in-progress-desktop")

    # It is on the public map, without the applicant.
    page.get_by_role("link", name="Карта").click()
    page.wait_for_function(
        "n => (document.getElementById('public-map')?.dataset.numbers || '').includes(n)",
        arg=appeal.number,
    )
    assert "Смирнова" not in page.content()
    screenshot(page, "story-map-desktop")

    # The executor answers with a photo; the operator publishes; a letter says so.
    answer = services.submit_answer(
        appeal=appeal,
        actor=executor,
        text="Яма заделана холодным асфальтом 20 ноября, фото прилагаем.",
        photos=[
            SimpleUploadedFile(
                "fixed.jpg", photo(tmp_path / "fixed.jpg", (30, 30, 30)).read_bytes()
            )
        ],
    )
    services.publish_answer(answer=Answer.objects.get(pk=answer.pk), actor=operator)
    assert any("опубликован ответ" in m.subject for m in letters_to(EMAIL))

    # On the phone: my appeals → the appeal → the answer with its evidence → «not solved».
    page.set_viewport_size(PHONE)
    page.get_by_role("link", name="Мои обращения").click()
    screenshot(page, "story-my-appeals-phone")
    page.get_by_role("link", name=appeal.number).click()
    page.wait_for_url(f"**/appeals/{appeal.number}/")
    assert "Ответ дан в срок" in page.locator(".deadline").inner_text()
    assert page.locator(".answer img").count() == 1
    page.get_by_label("2", exact=True).check()
    page.get_by_label("Нет", exact=True).check()
    page.get_by_label("Комментарий").fill("Яму засыпали, через неделю она снова там же.")
    screenshot(page, "story-rate-answer-phone")
    page.get_by_role("button", name="Отправить оценку").click()

    page.wait_for_url(lambda url: appeal.number not in url)
    repeat = Appeal.objects.get(repeat_of=appeal)
    assert page.get_by_role("heading", level=1).inner_text() == f"Обращение {repeat.number}"
    assert f"повторное обращение {repeat.number}" in page.locator(".messages").inner_text()
    assert appeal.number in page.locator(".notice").first.inner_text()
    assert repeat.status == Status.NEW and repeat.category_id == appeal.category_id
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "story-repeat-appeal-phone")
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED


def test_follow_up_link_opens_a_repeat_and_an_expired_one_says_so(
    page, appeal_in, citizen, settings, time_machine
):
    appeal = appeal_in(Status.ANSWERED)
    services.rate_answer(appeal=appeal, actor=citizen, score=5, is_solved=True)
    appeal.refresh_from_db()
    control.send_follow_ups(now=appeal.closed_at + timedelta(days=settings.FOLLOW_UP_AFTER_DAYS))
    link = control.follow_up_url(FollowUp.objects.get()).split("/", 3)[-1]

    page.set_viewport_size(PHONE)
    page.goto("/" + link)
    assert page.get_by_role("heading", level=1).inner_text() == "Проблема не вернулась?"
    screenshot(page, "follow-up-phone")
    page.get_by_label("Нет, проблема вернулась").check()
    page.get_by_label("Комментарий").fill("После оттепели асфальт сошёл.")
    with page.expect_navigation():
        page.get_by_role("button", name="Отправить ответ").click()
    repeat = Appeal.objects.get(repeat_of=appeal)
    assert repeat.number in page.locator(".notice").inner_text()
    page.goto("/" + link)
    assert "ссылка действует один раз" in page.locator("main").inner_text()

    time_machine.move_to(timezone.now() + timedelta(days=settings.FOLLOW_UP_LINK_DAYS + 1))
    page.set_viewport_size(DESKTOP)
    page.goto("/" + link)
    assert page.get_by_role("heading", level=1).inner_text() == "Ссылка не работает"
    assert "Срок для ответа" in page.locator("main").inner_text()
    screenshot(page, "follow-up-expired-desktop")
