"""submit_answer: the executor's answer goes to the control centre for review."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from otklik.appeals import services
from otklik.appeals.models import Answer
from otklik.appeals.workflow import IllegalTransition, Resolution, Status

TEXT = "Яма заделана горячим асфальтом 12 июня, фото до и после приложены."


def test_executor_answers_and_the_answer_waits_for_review(appeal_in, executor, organization):
    appeal = appeal_in(Status.IN_PROGRESS)
    answer = services.submit_answer(
        appeal=appeal, actor=executor, text=f"  {TEXT}  ", resolution=Resolution.SOLVED
    )
    assert (answer.state, answer.text, answer.author, answer.organization) == (
        Answer.State.REVIEW,
        TEXT,
        executor,
        organization,
    )
    appeal.refresh_from_db()
    assert appeal.status == Status.ANSWER_REVIEW
    assert appeal.answered_at is None
    event = appeal.events.last()
    assert (event.action, event.actor, event.from_status, event.to_status, event.is_public) == (
        "submit_answer",
        executor,
        Status.IN_PROGRESS,
        Status.ANSWER_REVIEW,
        False,
    )
    assert event.data == {"answer_id": answer.pk, "photos": 0, "formal_reply": ["no_evidence"]}


def test_executor_cannot_answer_other_org_appeal(appeal_in, other_org_executor):
    appeal = appeal_in(Status.IN_PROGRESS)
    with pytest.raises(PermissionDenied):
        services.submit_answer(appeal=appeal, actor=other_org_executor, text=TEXT)
    assert not Answer.objects.exists()
    assert appeal.events.last().action == "assign"


@pytest.mark.parametrize("who", ["operator", "citizen", "supervisor", "leadership"])
def test_only_the_executor_answers(appeal_in, request, who):
    appeal = appeal_in(Status.IN_PROGRESS)
    with pytest.raises(PermissionDenied):
        services.submit_answer(appeal=appeal, actor=request.getfixturevalue(who), text=TEXT)


def test_a_short_answer_is_refused(appeal_in, executor):
    appeal = appeal_in(Status.IN_PROGRESS)
    with pytest.raises(ValidationError) as raised:
        services.submit_answer(appeal=appeal, actor=executor, text="Сделано.")
    assert raised.value.messages == ["Напишите, что сделано: не короче 20 символов."]
    assert not Answer.objects.exists()


@pytest.mark.parametrize("resolution", [Resolution.DUPLICATE, "fixed", ""])
def test_an_unknown_or_duplicate_outcome_is_refused(appeal_in, executor, resolution):
    appeal = appeal_in(Status.IN_PROGRESS)
    with pytest.raises(ValidationError) as raised:
        services.submit_answer(appeal=appeal, actor=executor, text=TEXT, resolution=resolution)
    assert raised.value.messages == ["Выберите результат рассмотрения обращения."]


def test_a_second_answer_while_one_is_under_review_is_refused(appeal_in, executor):
    appeal = appeal_in(Status.ANSWER_REVIEW)
    with pytest.raises(IllegalTransition):
        services.submit_answer(appeal=appeal, actor=executor, text=TEXT)
    assert appeal.answers.count() == 1
