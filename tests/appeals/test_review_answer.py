"""return_answer and publish_answer: the control centre reviews an answer before the applicant
sees it; a formal reply goes back for rework."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from otklik.appeals import services
from otklik.appeals.models import Answer
from otklik.appeals.workflow import IllegalTransition, Resolution, Status

MSK = ZoneInfo("Europe/Moscow")
BETTER = "Выполнен ямочный ремонт 14 июня площадью 6 м², фото приложены к ответу."


def under_review(appeal_in, **kwargs):
    appeal = appeal_in(Status.ANSWER_REVIEW, **kwargs)
    return appeal, appeal.answers.get()


def test_operator_returns_a_formal_reply_for_rework(appeal_in, operator):
    appeal, answer = under_review(appeal_in)
    services.return_answer(
        answer=answer,
        actor=operator,
        reasons=["no_evidence", "no_date", "no_evidence"],
        comment="Нет фото и сроков.",
    )
    answer.refresh_from_db()
    assert answer.state == Answer.State.RETURNED
    assert answer.rework_reasons == ["no_evidence", "no_date"]
    assert (answer.reviewed_by, answer.review_comment) == (operator, "Нет фото и сроков.")
    appeal.refresh_from_db()
    assert appeal.status == Status.IN_PROGRESS
    event = appeal.events.last()
    assert (event.action, event.actor, event.from_status, event.to_status, event.is_public) == (
        "return_for_rework",
        operator,
        Status.ANSWER_REVIEW,
        Status.IN_PROGRESS,
        False,
    )
    assert event.data == {"answer_id": answer.pk, "reasons": ["no_evidence", "no_date"]}


@pytest.mark.parametrize("reasons", [[], ["looks_bad"], ["no_date", "nonsense"]])
def test_rework_needs_known_reasons(appeal_in, operator, reasons):
    _, answer = under_review(appeal_in)
    with pytest.raises(ValidationError) as raised:
        services.return_answer(answer=answer, actor=operator, reasons=reasons)
    assert raised.value.messages == ["Выберите хотя бы одну причину возврата."]
    assert Answer.objects.get(pk=answer.pk).state == Answer.State.REVIEW


def test_rework_then_a_better_answer_is_published(appeal_in, operator, executor):
    t0 = datetime(2025, 6, 2, 9, 0, tzinfo=MSK)
    appeal, first = under_review(appeal_in, now=t0)
    services.return_answer(
        answer=first, actor=operator, reasons=["no_evidence"], now=t0 + timedelta(days=1)
    )
    second = services.submit_answer(
        appeal=appeal,
        actor=executor,
        text=BETTER,
        resolution=Resolution.EXPLAINED,
        now=t0 + timedelta(days=2),
    )
    services.publish_answer(answer=second, actor=operator, now=t0 + timedelta(days=3))
    appeal.refresh_from_db()
    assert appeal.status == Status.ANSWERED
    assert appeal.answered_at == t0 + timedelta(days=3)
    assert appeal.resolution == Resolution.EXPLAINED
    assert list(appeal.answers.values_list("state", flat=True)) == ["returned", "published"]
    with pytest.raises(ValidationError) as raised:
        services.publish_answer(answer=first, actor=operator)
    assert raised.value.messages == ["Этот ответ уже проверен."]


def test_publishing_tells_the_applicant_and_sets_the_answer_time(appeal_in, operator):
    appeal, answer = under_review(appeal_in)
    moment = appeal.events.last().created_at + timedelta(hours=3)
    services.publish_answer(answer=answer, actor=operator, comment="Проверено", now=moment)
    appeal.refresh_from_db()
    assert (appeal.status, appeal.answered_at, appeal.resolution) == (
        Status.ANSWERED,
        moment,
        Resolution.SOLVED,
    )
    answer.refresh_from_db()
    assert (answer.state, answer.reviewed_by, answer.reviewed_at) == (
        Answer.State.PUBLISHED,
        operator,
        moment,
    )
    event = appeal.events.last()
    assert (event.action, event.is_public, event.comment) == ("publish_answer", True, "Проверено")


def test_the_first_answer_time_survives_a_reopening_and_a_second_answer(
    appeal_in, operator, executor, leadership
):
    t0 = datetime(2025, 6, 2, 9, 0, tzinfo=MSK)
    appeal = appeal_in(Status.ANSWERED, now=t0)
    first_answered = appeal.answered_at
    services.reopen_appeal(
        appeal=appeal, actor=leadership, reason="Яма снова.", now=t0 + timedelta(days=20)
    )
    answer = services.submit_answer(
        appeal=appeal, actor=executor, text=BETTER, now=t0 + timedelta(days=21)
    )
    services.publish_answer(answer=answer, actor=operator, now=t0 + timedelta(days=22))
    appeal.refresh_from_db()
    assert appeal.answered_at == first_answered


def test_a_published_answer_cannot_be_returned(appeal_in, operator):
    appeal = appeal_in(Status.ANSWERED)
    with pytest.raises(ValidationError):
        services.return_answer(answer=appeal.answers.get(), actor=operator, reasons=["no_date"])


def test_the_executor_cannot_publish_their_own_answer(appeal_in, executor):
    _, answer = under_review(appeal_in)
    with pytest.raises(PermissionDenied):
        services.publish_answer(answer=answer, actor=executor)
    with pytest.raises(PermissionDenied):
        services.return_answer(answer=answer, actor=executor, reasons=["no_date"])
    assert Answer.objects.get(pk=answer.pk).state == Answer.State.REVIEW


def test_an_answer_of_a_reopened_appeal_cannot_be_published_again(appeal_in, operator, leadership):
    appeal = appeal_in(Status.ANSWERED)
    services.reopen_appeal(appeal=appeal, actor=leadership, reason="Яма снова.")
    with pytest.raises((ValidationError, IllegalTransition)):
        services.publish_answer(answer=appeal.answers.get(), actor=operator)
