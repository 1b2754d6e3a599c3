"""One open repeat appeal per original and applicant, whichever path reports the problem
unsolved (rating, follow-up questionnaire, control call): the later reports join the open
repeat, with an entry in its history."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from otklik.appeals import services
from otklik.appeals.models import Appeal
from otklik.appeals.repeats import Via
from otklik.appeals.workflow import Action, Status
from otklik.control import calls


@pytest.fixture
def closed(appeal_in):
    return appeal_in(Status.ANSWERED)


def _not_solved_on_a_call(appeal, caller, operator, comment="Яма снова на месте"):
    call_list = calls.draw_call_list(region=appeal.region, size=10, actor=operator)
    call = call_list.calls.get(appeal=appeal)
    return calls.record_attempt(
        call=call, actor=caller, result="reached", is_solved=False, speed_score=1,
        work_score=1, answer_score=1, comment=comment,
    )  # fmt: skip


def test_the_rating_opens_one_and_the_control_call_joins_it(closed, citizen, caller, operator):
    outcome = services.rate_answer(
        appeal=closed, actor=citizen, score=1, is_solved=False, comment="Ничего не сделали"
    )
    repeat = outcome.repeat
    call = _not_solved_on_a_call(closed, caller, operator)
    assert call.repeat == repeat
    assert Appeal.objects.filter(repeat_of=closed).count() == 1
    joined = repeat.events.get(action=Action.JOIN_REPEAT)
    assert joined.data == {"repeat_of": closed.number, "via": Via.CONTROL_CALL}
    assert "Яма снова на месте" in joined.comment
    assert joined.actor == caller
    assert joined.from_status == joined.to_status == repeat.status


def test_the_follow_up_joins_the_repeat_the_rating_opened(closed, citizen):
    repeat = services.rate_answer(appeal=closed, actor=citizen, score=2, is_solved=False).repeat
    again = services.record_follow_up(appeal=closed, fix_lasted=False, comment="Опять яма")
    assert again == repeat
    assert repeat.events.filter(action=Action.JOIN_REPEAT, data__via=Via.FOLLOW_UP).exists()


def test_once_the_repeat_is_finished_a_new_report_opens_a_new_one(closed, citizen):
    repeat = services.rate_answer(appeal=closed, actor=citizen, score=1, is_solved=False).repeat
    Appeal.objects.filter(pk=repeat.pk).update(status=Status.CLOSED)  # answered and closed
    second = services.create_repeat_appeal(original=closed, actor=None, via=Via.FOLLOW_UP)
    assert second != repeat
    assert second.status == Status.NEW


def test_the_database_refuses_a_second_open_repeat(closed, citizen):
    services.rate_answer(appeal=closed, actor=citizen, score=1, is_solved=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        services.submit_appeal(
            region=closed.region, text="Снова", applicant=citizen, repeat_of=closed
        )
