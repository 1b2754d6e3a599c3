"""close_appeal, close_unrated_answers and reopen_appeal."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from otklik.accounts.models import Role
from otklik.appeals import services
from otklik.appeals.workflow import IllegalTransition, Status
from tests.factories import staff

MSK = ZoneInfo("Europe/Moscow")


def test_closing_an_answered_appeal_records_the_time(appeal_in):
    appeal = appeal_in(Status.ANSWERED)
    moment = appeal.answered_at + timedelta(days=1)
    services.close_appeal(appeal=appeal, now=moment)
    appeal.refresh_from_db()
    assert (appeal.status, appeal.closed_at) == (Status.CLOSED, moment)


def test_an_operator_closes_and_is_the_events_actor(appeal_in, operator):
    appeal = appeal_in(Status.ANSWERED)
    services.close_appeal(appeal=appeal, actor=operator)
    assert appeal.status == Status.CLOSED
    assert appeal.events.last().actor == operator


@pytest.mark.parametrize("who", ["citizen", "executor", "municipal_operator", "caller"])
def test_nobody_else_closes_an_appeal(appeal_in, request, who):
    appeal = appeal_in(Status.ANSWERED)
    with pytest.raises(PermissionDenied):
        services.close_appeal(appeal=appeal, actor=request.getfixturevalue(who))
    appeal.refresh_from_db()
    assert (appeal.status, appeal.closed_at) == (Status.ANSWERED, None)


def test_an_appeal_in_progress_is_not_closed(appeal_in):
    appeal = appeal_in(Status.IN_PROGRESS)
    with pytest.raises(IllegalTransition):
        services.close_appeal(appeal=appeal)
    appeal.refresh_from_db()
    assert appeal.closed_at is None


def test_unrated_answers_are_closed_after_two_weeks(appeal_in):
    t0 = datetime(2025, 6, 2, 9, 0, tzinfo=MSK)
    old = appeal_in(Status.ANSWERED, now=t0)
    fresh = appeal_in(Status.ANSWERED, now=t0 + timedelta(days=10))
    assert services.close_unrated_answers(now=old.answered_at + timedelta(days=14)) == 0
    assert services.close_unrated_answers(now=old.answered_at + timedelta(days=14, seconds=1)) == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, fresh.status) == (Status.CLOSED, Status.ANSWERED)


@pytest.mark.parametrize("who", ["leadership", "supervisor", "operator", "admin_user"])
def test_those_who_direct_reopen_a_closed_appeal(appeal_in, request, who):
    appeal = appeal_in(Status.CLOSED)
    answered_at = appeal.answered_at
    services.reopen_appeal(
        appeal=appeal,
        actor=request.getfixturevalue(who),
        reason="Контрольный звонок: яма на месте.",
    )
    appeal.refresh_from_db()
    assert appeal.status == Status.IN_PROGRESS
    assert appeal.closed_at is None
    assert appeal.answered_at == answered_at
    event = appeal.events.last()
    assert (event.action, event.from_status, event.to_status) == (
        "reopen",
        Status.CLOSED,
        Status.IN_PROGRESS,
    )
    assert event.comment == "Контрольный звонок: яма на месте."


@pytest.mark.parametrize("who", ["executor", "citizen", "caller"])
def test_executor_applicant_and_caller_cannot_reopen(appeal_in, request, who):
    appeal = appeal_in(Status.CLOSED)
    with pytest.raises(PermissionDenied):
        services.reopen_appeal(
            appeal=appeal, actor=request.getfixturevalue(who), reason="Хочу ещё."
        )


def test_a_supervisor_of_another_municipality_cannot_reopen(appeal_in, other_municipality):
    elets_supervisor = staff(Role.SUPERVISOR, other_municipality)
    appeal = appeal_in(Status.CLOSED)
    with pytest.raises(PermissionDenied):
        services.reopen_appeal(appeal=appeal, actor=elets_supervisor, reason="Не моё, но хочу.")


def test_a_reason_is_required_to_reopen(appeal_in, leadership):
    appeal = appeal_in(Status.ANSWERED)
    with pytest.raises(ValidationError) as raised:
        services.reopen_appeal(appeal=appeal, actor=leadership, reason="")
    assert raised.value.messages == ["Напишите, почему обращение возобновляется."]
