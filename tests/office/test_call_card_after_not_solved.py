"""After the applicant says «not solved», the call card says so and what followed, instead of
letting the original's «closed — solved» stand alone."""

from __future__ import annotations

import pytest
from django.urls import reverse

from otklik.appeals import services
from otklik.appeals.workflow import Status
from otklik.control import calls


@pytest.fixture
def closed(appeal_in):
    return appeal_in(Status.CLOSED)


def _fail(call, caller):
    return calls.record_attempt(
        call=call, actor=caller, result="reached", is_solved=False, speed_score=1,
        work_score=1, answer_score=1, comment="Яма на месте",
    )  # fmt: skip


def _card(client, user, call) -> str:
    client.force_login(user)
    return client.get(reverse("office:call", args=[call.pk])).text


def test_the_card_says_not_solved_and_names_the_new_repeat(client, closed, caller, operator):
    call = calls.draw_call_list(region=closed.region, size=5, actor=operator).calls.get()
    call = _fail(call, caller)
    page = _card(client, caller, call)
    assert "Заявитель говорит, что проблема НЕ решена." in page
    assert f"Открыто повторное обращение {call.repeat.number}" in page
    assert "Поручение ещё не выдано." in page
    assert "по ответу исполнителя" in page
    assert "заявитель не согласен" in page
    assert "Закрыто —" not in page


def test_the_card_says_the_call_joined_the_repeat_the_rating_opened(
    client, appeal_in, citizen, caller, operator
):
    answered = appeal_in(Status.ANSWERED)
    repeat = services.rate_answer(appeal=answered, actor=citizen, score=1, is_solved=False).repeat
    call = calls.draw_call_list(region=answered.region, size=5, actor=operator).calls.get()
    call = _fail(call, caller)
    assert call.repeat == repeat
    page = _card(client, caller, call)
    assert f"Добавлено к уже открытому повторному обращению {repeat.number}" in page
