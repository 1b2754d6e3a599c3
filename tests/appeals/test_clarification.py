"""request_clarification, provide_clarification and expire_clarifications: the clock stops
while the applicant is asked to clarify, and an unanswered question ends the appeal."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from otklik.appeals import services
from otklik.appeals.models import Appeal
from otklik.appeals.workflow import IllegalTransition, Resolution, Status

MSK = ZoneInfo("Europe/Moscow")
T0 = datetime(2025, 6, 2, 10, 0, tzinfo=MSK)  # Monday


def test_operator_asks_and_the_applicant_has_three_calendar_days(appeal_in, operator):
    appeal = appeal_in(Status.NEW, now=T0)
    services.request_clarification(
        appeal=appeal, actor=operator, question="Уточните номер дома.", now=T0 + timedelta(hours=1)
    )
    appeal.refresh_from_db()
    assert appeal.status == Status.CLARIFICATION
    assert appeal.clarification_due_at == datetime(2025, 6, 5, 23, 59, 59, tzinfo=MSK)
    event = appeal.events.last()
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        "request_clarification",
        operator,
        Status.NEW,
        Status.CLARIFICATION,
    )
    assert event.comment == "Уточните номер дома."
    assert event.is_public


def test_the_clarification_pause_moves_the_registration_deadline(appeal_in, operator, citizen):
    appeal = appeal_in(Status.NEW, now=T0)
    registration_due = appeal.registration_due_at
    asked, answered = T0 + timedelta(hours=1), T0 + timedelta(days=2, hours=5)
    services.request_clarification(appeal=appeal, actor=operator, question="Где яма?", now=asked)
    services.provide_clarification(appeal=appeal, actor=citizen, text="У дома 12.", now=answered)
    appeal.refresh_from_db()
    assert appeal.status == Status.NEW
    assert appeal.clarification_due_at is None
    assert appeal.registration_due_at == registration_due + (answered - asked)
    event = appeal.events.last()
    assert (event.action, event.actor, event.comment) == (
        "provide_clarification",
        citizen,
        "У дома 12.",
    )


def test_the_pause_also_moves_an_answer_deadline_already_set(
    appeal_in, operator, executor, citizen
):
    appeal = appeal_in(Status.IN_PROGRESS, now=T0)
    due, original = appeal.due_at, appeal.original_due_at
    services.redirect_appeal(
        appeal=appeal, actor=executor, reason="Не наша дорога.", now=T0 + timedelta(days=1)
    )
    asked, answered = T0 + timedelta(days=2), T0 + timedelta(days=4, hours=3)
    services.request_clarification(appeal=appeal, actor=operator, question="Чья дорога?", now=asked)
    services.provide_clarification(appeal=appeal, actor=citizen, text="Областная.", now=answered)
    appeal.refresh_from_db()
    assert appeal.due_at == due + (answered - asked)
    assert appeal.original_due_at == original


def test_the_operator_may_record_a_clarification_given_by_phone(appeal_in, operator):
    appeal = appeal_in(Status.CLARIFICATION)
    services.provide_clarification(appeal=appeal, actor=operator, text="Дом 12, по телефону.")
    assert appeal.status == Status.NEW


def test_another_citizen_cannot_clarify(appeal_in, other_citizen):
    appeal = appeal_in(Status.CLARIFICATION)
    with pytest.raises(PermissionDenied):
        services.provide_clarification(appeal=appeal, actor=other_citizen, text="Чужой ответ.")
    assert Appeal.objects.get(pk=appeal.pk).status == Status.CLARIFICATION


def test_a_question_is_required(appeal_in, operator):
    appeal = appeal_in(Status.NEW)
    with pytest.raises(ValidationError) as raised:
        services.request_clarification(appeal=appeal, actor=operator, question="  ")
    assert raised.value.messages == ["Напишите, что нужно уточнить."]
    assert appeal.events.count() == 1


def test_an_empty_clarification_is_refused(appeal_in, citizen):
    appeal = appeal_in(Status.CLARIFICATION)
    with pytest.raises(ValidationError) as raised:
        services.provide_clarification(appeal=appeal, actor=citizen, text="")
    assert raised.value.messages == ["Напишите уточнение."]


def test_a_clarification_without_a_question_is_an_illegal_transition(appeal_in, citizen):
    appeal = appeal_in(Status.NEW)
    with pytest.raises(IllegalTransition):
        services.provide_clarification(appeal=appeal, actor=citizen, text="Просто так.")
    assert appeal.events.count() == 1


def test_the_executor_cannot_ask_the_applicant_to_clarify(appeal_in, executor):
    appeal = appeal_in(Status.REGISTERED)
    with pytest.raises(PermissionDenied):
        services.request_clarification(appeal=appeal, actor=executor, question="Где яма?")


def test_unanswered_questions_expire_after_the_window_and_reject_the_appeal(appeal_in, operator):
    appeal = appeal_in(Status.NEW, now=T0)
    services.request_clarification(appeal=appeal, actor=operator, question="Где яма?", now=T0)
    window_end = datetime(2025, 6, 5, 23, 59, 59, tzinfo=MSK)
    assert services.expire_clarifications(now=window_end) == 0
    assert services.expire_clarifications(now=window_end + timedelta(seconds=1)) == 1
    appeal.refresh_from_db()
    assert appeal.status == Status.REJECTED
    assert appeal.resolution == Resolution.WITHOUT_CONSIDERATION
    assert appeal.rejection_reason.code == "no_clarification"
    event = appeal.events.last()
    assert (event.action, event.actor) == ("reject", None)
    assert services.expire_clarifications(now=window_end + timedelta(days=9)) == 0


def test_a_reopened_appeal_cannot_go_back_to_clarification(
    appeal_in, operator, leadership, executor
):
    appeal = appeal_in(Status.CLOSED)
    services.reopen_appeal(appeal=appeal, actor=leadership, reason="Яма на месте.")
    services.redirect_appeal(appeal=appeal, actor=executor, reason="Не наша дорога.")
    assert appeal.status == Status.REGISTERED
    events = appeal.events.count()
    with pytest.raises(IllegalTransition):
        services.request_clarification(appeal=appeal, actor=operator, question="Где яма?")
    assert appeal.events.count() == events
    assert Appeal.objects.get(pk=appeal.pk).status == Status.REGISTERED
