"""request_postponement and decide_postponement: moving the answer deadline, at most 30 days
at a time; a second postponement needs a fuller reason and is always flagged."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from otklik.appeals import services
from otklik.appeals.models import Postponement
from otklik.appeals.workflow import IllegalTransition, Status

MSK = ZoneInfo("Europe/Moscow")
REASON = "Нужен асфальтобетонный завод, он откроется в апреле."
LONG_REASON = "Подрядчик расторг контракт, новый аукцион завершится через три недели, затем ремонт."


@pytest.fixture
def working(appeal_in):
    # Registered Monday 2 June 2025 (registration two steps in), due 30 days later.
    appeal = appeal_in(Status.IN_PROGRESS, now=datetime(2025, 6, 2, 9, 0, tzinfo=MSK))
    assert appeal.due_at == datetime(2025, 7, 2, 23, 59, 59, tzinfo=MSK)
    return appeal


ASKED = datetime(2025, 6, 20, 10, 0, tzinfo=MSK)  # before the first deadline


def request(appeal, actor, day, reason=REASON, now=ASKED):
    return services.request_postponement(
        appeal=appeal, actor=actor, new_due_date=day, reason=reason, now=now
    )


def test_the_executor_asks_and_the_request_is_internal(working, executor):
    postponement = request(working, executor, date(2025, 7, 20))
    assert postponement.state == Postponement.State.PENDING
    assert postponement.previous_due_at == working.due_at
    assert postponement.requested_due_at == datetime(2025, 7, 20, 23, 59, 59, tzinfo=MSK)
    assert not postponement.is_repeated
    working.refresh_from_db()
    assert working.status == Status.IN_PROGRESS
    assert working.due_at == datetime(2025, 7, 2, 23, 59, 59, tzinfo=MSK)
    event = working.events.last()
    assert (event.action, event.actor, event.is_public, event.comment) == (
        "request_postponement",
        executor,
        False,
        REASON,
    )
    assert event.data["postponement_id"] == postponement.pk
    assert event.data["repeated"] is False


def test_approval_moves_the_deadline_and_tells_the_applicant(working, executor, operator):
    postponement = request(working, executor, date(2025, 7, 20))
    services.decide_postponement(postponement=postponement, actor=operator, approve=True)
    working.refresh_from_db()
    assert working.due_at == datetime(2025, 7, 20, 23, 59, 59, tzinfo=MSK)
    assert working.original_due_at == datetime(2025, 7, 2, 23, 59, 59, tzinfo=MSK)
    postponement.refresh_from_db()
    assert (postponement.state, postponement.decided_by) == (Postponement.State.APPROVED, operator)
    event = working.events.last()
    assert (event.action, event.actor, event.is_public) == ("approve_postponement", operator, True)
    assert event.from_status == event.to_status == Status.IN_PROGRESS
    assert event.data["repeated"] is False


def test_refusal_keeps_the_deadline(working, executor, operator):
    postponement = request(working, executor, date(2025, 7, 20))
    services.decide_postponement(
        postponement=postponement, actor=operator, approve=False, comment="Успеете."
    )
    working.refresh_from_db()
    assert working.due_at == datetime(2025, 7, 2, 23, 59, 59, tzinfo=MSK)
    event = working.events.last()
    assert (event.action, event.is_public, event.comment) == (
        "refuse_postponement",
        False,
        "Успеете.",
    )


def test_more_than_thirty_days_is_refused_with_the_latest_date(working, executor):
    with pytest.raises(ValidationError) as raised:
        request(working, executor, date(2025, 8, 2))
    assert raised.value.messages == [
        "Срок можно продлить не более чем на 30 дней — не позднее 01.08.2025."
    ]
    assert not Postponement.objects.exists()
    assert working.events.count() == 3


def test_exactly_thirty_days_is_accepted(working, executor):
    assert request(working, executor, date(2025, 8, 1)).pk


def test_a_new_deadline_not_later_than_the_current_is_refused(working, executor):
    with pytest.raises(ValidationError) as raised:
        request(working, executor, date(2025, 7, 2))
    assert raised.value.messages == ["Новый срок должен быть позже текущего."]


def test_a_short_reason_is_refused(working, executor):
    with pytest.raises(ValidationError) as raised:
        request(working, executor, date(2025, 7, 10), reason="Надо")
    assert raised.value.messages == ["Объясните причину не короче 10 символов."]


def test_only_one_request_waits_at_a_time(working, executor):
    request(working, executor, date(2025, 7, 10))
    with pytest.raises(ValidationError) as raised:
        request(working, executor, date(2025, 7, 12))
    assert raised.value.messages == ["Запрос на перенос срока уже ожидает решения."]
    assert Postponement.objects.count() == 1


def test_a_second_postponement_needs_a_longer_reason_and_is_flagged(working, executor, operator):
    hour = timedelta(hours=1)
    first = request(working, executor, date(2025, 7, 20))
    services.decide_postponement(postponement=first, actor=operator, approve=True, now=ASKED + hour)
    with pytest.raises(ValidationError) as raised:
        request(working, executor, date(2025, 8, 10), reason="Не успеваем, нужна ещё неделя.")
    assert raised.value.messages == ["Объясните причину не короче 50 символов."]
    second = request(working, executor, date(2025, 8, 10), reason=LONG_REASON, now=ASKED + 2 * hour)
    assert second.is_repeated
    assert working.events.last().data["repeated"] is True
    services.decide_postponement(
        postponement=second, actor=operator, approve=True, now=ASKED + 3 * hour
    )
    second.refresh_from_db()
    assert second.is_repeated
    assert working.events.last().data["repeated"] is True
    working.refresh_from_db()
    assert working.due_at == datetime(2025, 8, 10, 23, 59, 59, tzinfo=MSK)


def test_a_refused_first_request_does_not_make_the_next_one_repeated(working, executor, operator):
    first = request(working, executor, date(2025, 7, 20))
    services.decide_postponement(postponement=first, actor=operator, approve=False)
    assert not request(working, executor, date(2025, 7, 21)).is_repeated


def test_a_request_is_decided_once(working, executor, operator):
    postponement = request(working, executor, date(2025, 7, 20))
    services.decide_postponement(postponement=postponement, actor=operator, approve=False)
    with pytest.raises(ValidationError) as raised:
        services.decide_postponement(postponement=postponement, actor=operator, approve=True)
    assert raised.value.messages == ["По этому запросу уже принято решение."]
    working.refresh_from_db()
    assert working.due_at == datetime(2025, 7, 2, 23, 59, 59, tzinfo=MSK)


def test_the_executor_cannot_approve_their_own_request(working, executor):
    postponement = request(working, executor, date(2025, 7, 20))
    with pytest.raises(PermissionDenied):
        services.decide_postponement(postponement=postponement, actor=executor, approve=True)


def test_an_executor_of_another_organization_cannot_ask(working, other_org_executor):
    with pytest.raises(PermissionDenied):
        request(working, other_org_executor, date(2025, 7, 20))


def test_a_registered_appeal_has_no_deadline_to_move(appeal_in, operator):
    appeal = appeal_in(Status.REGISTERED)
    with pytest.raises(IllegalTransition):
        request(appeal, operator, date(2025, 7, 20))


def test_an_old_request_is_not_approved_after_a_pause_moved_the_deadline_past_it(
    working, executor, operator, citizen
):
    t = datetime(2025, 6, 10, 10, 0, tzinfo=MSK)
    postponement = services.request_postponement(
        appeal=working,
        actor=executor,
        new_due_date=date(2025, 7, 5),
        reason=REASON,
        now=t,
    )
    services.redirect_appeal(appeal=working, actor=executor, reason="Не наша дорога.", now=t)
    services.request_clarification(
        appeal=working, actor=operator, question="Чья дорога?", now=t + timedelta(hours=1)
    )
    services.provide_clarification(
        appeal=working, actor=citizen, text="Городская.", now=t + timedelta(days=5)
    )
    services.register_appeal(appeal=working, actor=operator, now=t + timedelta(days=5, hours=1))
    services.assign_appeal(appeal=working, actor=operator, now=t + timedelta(days=5, hours=2))
    working.refresh_from_db()
    moved = working.due_at
    assert moved > postponement.requested_due_at
    with pytest.raises(ValidationError):
        services.decide_postponement(postponement=postponement, actor=operator, approve=True)
    working.refresh_from_db()
    assert working.due_at == moved


def test_a_postponement_cannot_be_asked_after_the_deadline(working, executor):
    """A late request would hide an overdue appeal from the KPIs (KPI.md takes the overdue share
    on the current deadline); 59-ФЗ extends a term before it runs out."""
    late = datetime(2025, 7, 3, 9, 0, tzinfo=MSK)
    with pytest.raises(ValidationError, match="до его окончания"):
        request(working, executor, date(2025, 7, 20), now=late)
    assert not working.postponements.exists()
    # On the last day of the term it is still in time.
    last_day = datetime(2025, 7, 2, 18, 0, tzinfo=MSK)
    assert request(working, executor, date(2025, 7, 20), now=last_day).pk
