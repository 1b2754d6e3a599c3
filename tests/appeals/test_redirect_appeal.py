"""redirect_appeal: an appeal taken back from an executor that is not competent."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from otklik.appeals import services
from otklik.appeals.workflow import IllegalTransition, Status

MSK = ZoneInfo("Europe/Moscow")


def test_the_executor_returns_the_appeal_with_a_seven_day_redirect_term(appeal_in, executor):
    appeal = appeal_in(Status.IN_PROGRESS, now=datetime(2025, 4, 20, 9, 0, tzinfo=MSK))
    services.redirect_appeal(
        appeal=appeal,
        actor=executor,
        reason="Дорога на балансе области.",
        now=datetime(2025, 4, 24, 15, 0, tzinfo=MSK),
    )
    appeal.refresh_from_db()
    assert appeal.status == Status.REGISTERED
    assert appeal.executor is None
    # 24 April + 7 = 1 May; 2 May is a moved day off, then a weekend: Monday 5 May.
    assert appeal.redirection_due_at == datetime(2025, 5, 5, 23, 59, 59, tzinfo=MSK)
    event = appeal.events.last()
    assert (event.action, event.actor, event.from_status, event.to_status, event.comment) == (
        "redirect",
        executor,
        Status.IN_PROGRESS,
        Status.REGISTERED,
        "Дорога на балансе области.",
    )
    assert event.data == {"from_executor": "УДХ Липецка"}


def test_the_operator_hands_the_appeal_to_another_body_at_once(
    appeal_in, operator, other_organization
):
    appeal = appeal_in(Status.IN_PROGRESS)
    services.redirect_appeal(
        appeal=appeal, actor=operator, reason="Это Елец.", to_executor=other_organization
    )
    assert appeal.status == Status.IN_PROGRESS
    assert appeal.executor == other_organization
    assert appeal.redirection_due_at is None
    assert list(appeal.events.values_list("action", flat=True))[-2:] == ["redirect", "assign"]


def test_the_executor_cannot_choose_the_next_body_themselves(
    appeal_in, executor, organization, other_organization
):
    appeal = appeal_in(Status.IN_PROGRESS)
    events = appeal.events.count()
    with pytest.raises(PermissionDenied):
        services.redirect_appeal(
            appeal=appeal, actor=executor, reason="Пусть Елец.", to_executor=other_organization
        )
    appeal.refresh_from_db()
    assert (appeal.status, appeal.executor) == (Status.IN_PROGRESS, organization)
    assert appeal.events.count() == events


def test_an_executor_of_another_organization_cannot_redirect(appeal_in, other_org_executor):
    appeal = appeal_in(Status.IN_PROGRESS)
    with pytest.raises(PermissionDenied):
        services.redirect_appeal(appeal=appeal, actor=other_org_executor, reason="Не наше.")


def test_a_reason_is_required(appeal_in, executor):
    appeal = appeal_in(Status.IN_PROGRESS)
    with pytest.raises(ValidationError) as raised:
        services.redirect_appeal(appeal=appeal, actor=executor, reason="нет")
    assert raised.value.messages == ["Напишите, почему обращение переадресуется."]


def test_an_answer_under_review_is_not_redirected(appeal_in, operator):
    appeal = appeal_in(Status.ANSWER_REVIEW)
    with pytest.raises(IllegalTransition):
        services.redirect_appeal(appeal=appeal, actor=operator, reason="Поздно уже.")
