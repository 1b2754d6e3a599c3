"""rate_answer: the applicant rates the answer; «not solved» opens a linked repeat appeal."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from otklik.appeals import services
from otklik.appeals.models import Appeal, Rating
from otklik.appeals.workflow import IllegalTransition, Status


def test_a_rating_closes_the_answered_appeal(appeal_in, citizen):
    appeal = appeal_in(Status.ANSWERED)
    outcome = services.rate_answer(
        appeal=appeal, actor=citizen, score=5, is_solved=True, comment="  Спасибо!  "
    )
    assert (outcome.rating.score, outcome.rating.is_solved, outcome.rating.comment) == (
        5,
        True,
        "Спасибо!",
    )
    assert outcome.repeat is None
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED
    assert appeal.closed_at is not None
    rate, close = list(appeal.events.order_by("created_at", "pk"))[-2:]
    assert (rate.action, rate.actor, rate.data) == (
        "rate",
        citizen,
        {"score": 5, "is_solved": True},
    )
    assert (close.action, close.actor, close.from_status, close.to_status) == (
        "close",
        None,
        Status.ANSWERED,
        Status.CLOSED,
    )


def test_not_solved_opens_a_repeat_appeal_linked_to_the_first(appeal_in, citizen):
    appeal = appeal_in(Status.ANSWERED)
    outcome = services.rate_answer(
        appeal=appeal, actor=citizen, score=1, is_solved=False, comment="Яма осталась."
    )
    repeat = outcome.repeat
    assert repeat.repeat_of == appeal
    assert (repeat.status, repeat.applicant, repeat.text) == (Status.NEW, citizen, "Яма осталась.")
    assert (repeat.category, repeat.municipality, repeat.address) == (
        appeal.category,
        appeal.municipality,
        appeal.address,
    )
    assert repeat.number != appeal.number
    assert repeat.events.get().data["repeat_of"] == appeal.number


def test_a_repeat_appeal_without_a_comment_explains_itself(appeal_in, citizen):
    appeal = appeal_in(Status.ANSWERED)
    outcome = services.rate_answer(appeal=appeal, actor=citizen, score=2, is_solved=False)
    assert outcome.repeat.text == f"Проблема по обращению {appeal.number} не решена."


def test_a_closed_appeal_can_still_be_rated_once(appeal_in, citizen):
    appeal = appeal_in(Status.CLOSED)
    services.rate_answer(appeal=appeal, actor=citizen, score=4, is_solved=True)
    assert appeal.status == Status.CLOSED
    with pytest.raises(ValidationError) as raised:
        services.rate_answer(appeal=appeal, actor=citizen, score=1, is_solved=False)
    assert raised.value.messages == ["Вы уже оценили этот ответ."]
    assert Rating.objects.count() == 1
    assert Appeal.objects.count() == 1


@pytest.mark.parametrize("score", [0, 6, "5", 4.5, None])
def test_the_score_is_an_integer_from_one_to_five(appeal_in, citizen, score):
    appeal = appeal_in(Status.ANSWERED)
    with pytest.raises(ValidationError) as raised:
        services.rate_answer(appeal=appeal, actor=citizen, score=score, is_solved=True)
    assert raised.value.messages == ["Выберите оценку от 1 до 5."]


def test_only_the_applicant_rates(appeal_in, other_citizen, operator):
    appeal = appeal_in(Status.ANSWERED)
    for outsider in (other_citizen, operator):
        with pytest.raises(PermissionDenied):
            services.rate_answer(appeal=appeal, actor=outsider, score=1, is_solved=False)
    assert not Rating.objects.exists()


def test_an_unanswered_appeal_cannot_be_rated(appeal_in, citizen):
    appeal = appeal_in(Status.IN_PROGRESS)
    with pytest.raises(IllegalTransition):
        services.rate_answer(appeal=appeal, actor=citizen, score=5, is_solved=True)
    assert not Rating.objects.exists()
