"""The follow-up questionnaire: sent weeks after closing, a signed link, usable once."""

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from otklik.appeals import services
from otklik.appeals.models import Appeal
from otklik.appeals.workflow import Action, Status
from otklik.control import services as control
from otklik.control.models import FollowUp
from otklik.notifications.models import Notification


@pytest.fixture
def closed_appeal(appeal_in, citizen):
    appeal = appeal_in(Status.ANSWERED)
    services.rate_answer(appeal=appeal, actor=citizen, score=5, is_solved=True)
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED
    return appeal


def later(appeal, days):
    return appeal.closed_at + timedelta(days=days)


def test_questionnaire_goes_out_after_the_wait_once(closed_appeal, settings):
    assert control.send_follow_ups(now=later(closed_appeal, settings.FOLLOW_UP_AFTER_DAYS - 1)) == 0
    assert control.send_follow_ups(now=later(closed_appeal, settings.FOLLOW_UP_AFTER_DAYS)) == 1
    assert control.send_follow_ups(now=later(closed_appeal, settings.FOLLOW_UP_AFTER_DAYS + 1)) == 0
    letter = Notification.objects.get(subject__contains="проблема решена")
    follow_up = FollowUp.objects.get()
    # The signed token carries its time: read the letter's own link back, not a token made now.
    token = re.search(r"/q/([^/\s]+)/", letter.body).group(1)
    assert control.read_token(token) == follow_up


def test_appeals_long_closed_or_repeated_or_anonymous_are_not_asked(
    closed_appeal, citizen, settings
):
    far = later(closed_appeal, settings.FOLLOW_UP_AFTER_DAYS + control.WINDOW_DAYS + 1)
    assert control.send_follow_ups(now=far) == 0
    citizen.anonymized_at = timezone.now()
    citizen.save(update_fields=["anonymized_at"])
    assert control.send_follow_ups(now=later(closed_appeal, settings.FOLLOW_UP_AFTER_DAYS)) == 0


def test_not_solved_rating_means_no_questionnaire(appeal_in, citizen, settings):
    appeal = appeal_in(Status.ANSWERED)
    services.rate_answer(appeal=appeal, actor=citizen, score=1, is_solved=False)
    appeal.refresh_from_db()
    assert control.send_follow_ups(now=later(appeal, settings.FOLLOW_UP_AFTER_DAYS)) == 0


def sent(appeal, settings):
    control.send_follow_ups(now=later(appeal, settings.FOLLOW_UP_AFTER_DAYS))
    follow_up = FollowUp.objects.get(appeal=appeal)
    return follow_up, reverse("portal:follow_up", args=[control.make_token(follow_up)])


def test_yes_is_recorded_once_without_login(client, closed_appeal, settings):
    follow_up, link = sent(closed_appeal, settings)
    page = client.get(link)
    assert page.status_code == 200
    assert (
        "Проблема не вернулась?" in page.content.decode()
        or closed_appeal.number in page.content.decode()
    )
    done = client.post(link, {"lasted": "yes"})
    assert done.status_code == 200
    follow_up.refresh_from_db()
    assert follow_up.fix_lasted is True and follow_up.answered_at
    assert closed_appeal.events.filter(action=Action.FOLLOW_UP).count() == 1
    again = client.post(link, {"lasted": "no"})
    assert "ссылка действует один раз" in again.content.decode()
    assert not Appeal.objects.filter(repeat_of=closed_appeal).exists()


def test_no_opens_a_repeat_appeal_linked_to_the_first(client, closed_appeal, citizen, settings):
    follow_up, link = sent(closed_appeal, settings)
    response = client.post(link, {"lasted": "no", "comment": "После оттепели асфальт сошёл"})
    repeat = Appeal.objects.get(repeat_of=closed_appeal)
    assert repeat.number in response.content.decode()
    assert repeat.applicant_id == citizen.pk
    assert repeat.status == Status.NEW
    assert "асфальт сошёл" in repeat.text
    follow_up.refresh_from_db()
    assert follow_up.repeat_id == repeat.pk and follow_up.fix_lasted is False


def test_missing_choice_is_an_error_in_russian(client, closed_appeal, settings):
    _, link = sent(closed_appeal, settings)
    response = client.post(link, {"comment": "Не знаю"})
    assert response.status_code == 400
    assert "Выберите ответ" in response.content.decode()
    assert "Не знаю" in response.content.decode()


def test_expired_and_forged_links_are_clear_pages_not_errors(
    client, closed_appeal, settings, time_machine
):
    follow_up, link = sent(closed_appeal, settings)
    forged = reverse("portal:follow_up", args=[signing.TimestampSigner(salt="other").sign("1")])
    assert client.get(forged).status_code == 404
    assert client.get("/q/garbage/").status_code == 404
    time_machine.move_to(timezone.now() + timedelta(days=settings.FOLLOW_UP_LINK_DAYS + 1))
    expired = client.get(link)
    assert expired.status_code == 410
    assert "Срок для ответа" in expired.content.decode()
    assert client.post(link, {"lasted": "no"}).status_code == 410
    follow_up.refresh_from_db()
    assert follow_up.answered_at is None


def test_no_after_a_not_solved_rating_joins_the_open_repeat_and_says_so(
    client, closed_appeal, citizen, settings
):
    follow_up, link = sent(closed_appeal, settings)
    first = services.create_repeat_appeal(
        original=closed_appeal, actor=citizen, text="Яма снова открылась"
    )
    response = client.post(link, {"lasted": "no", "comment": "Всё так же"})
    page = response.content.decode()
    assert "добавлен к повторному обращению" in page and first.number in page
    assert "Мы открыли" not in page
    assert Appeal.objects.filter(repeat_of=closed_appeal).count() == 1
    follow_up.refresh_from_db()
    assert follow_up.repeat_id == first.pk
