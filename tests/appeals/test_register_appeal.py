"""register_appeal: accepting an appeal at moderation."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from otklik.appeals import services
from otklik.appeals.workflow import IllegalTransition, Status

MSK = ZoneInfo("Europe/Moscow")


def test_operator_registers_and_the_event_names_the_category(
    region, municipality, category, citizen, operator
):
    t0 = datetime(2025, 6, 2, 10, 0, tzinfo=MSK)
    appeal = services.submit_appeal(region=region, text="Яма", applicant=citizen, now=t0)
    services.register_appeal(
        appeal=appeal,
        actor=operator,
        category=category,
        municipality=municipality,
        comment="Принято",
        now=t0 + timedelta(hours=2),
    )
    appeal.refresh_from_db()
    assert appeal.status == Status.REGISTERED
    assert appeal.registered_at == t0 + timedelta(hours=2)
    assert (appeal.category, appeal.municipality) == (category, municipality)
    assert appeal.executor is None and appeal.due_at is None
    event = appeal.events.last()
    assert (event.action, event.actor, event.from_status, event.to_status, event.comment) == (
        "register",
        operator,
        Status.NEW,
        Status.REGISTERED,
        "Принято",
    )
    assert event.data == {"category": "Ямы"}


def test_registering_with_an_executor_sends_the_appeal_at_once(appeal_in, operator, organization):
    appeal = appeal_in(Status.NEW)
    services.register_appeal(appeal=appeal, actor=operator, executor=organization)
    assert appeal.status == Status.IN_PROGRESS
    assert appeal.executor == organization
    assert list(appeal.events.values_list("action", flat=True)) == ["submit", "register", "assign"]


def test_an_appeal_without_a_category_is_not_registered(region, citizen, operator):
    appeal = services.submit_appeal(region=region, text="Непонятно что", applicant=citizen)
    with pytest.raises(ValidationError) as raised:
        services.register_appeal(appeal=appeal, actor=operator)
    assert raised.value.messages == ["Перед регистрацией обращения выберите рубрику."]
    appeal.refresh_from_db()
    assert appeal.status == Status.NEW and appeal.registered_at is None


def test_operator_of_another_municipality_cannot_register(appeal_in, municipal_operator):
    appeal = appeal_in(Status.NEW)  # in Lipetsk; the operator works for Yelets
    with pytest.raises(PermissionDenied):
        services.register_appeal(appeal=appeal, actor=municipal_operator)
    assert appeal.events.count() == 1


def test_municipal_operator_registers_appeals_of_their_municipality(
    appeal_in, municipal_operator, other_municipality
):
    appeal = appeal_in(
        Status.NEW,
        municipality=other_municipality,
        latitude=other_municipality.center_lat,
        longitude=other_municipality.center_lon,
    )
    services.register_appeal(appeal=appeal, actor=municipal_operator)
    assert appeal.status == Status.REGISTERED


@pytest.mark.parametrize("who", ["citizen", "executor", "supervisor", "leadership", "caller"])
def test_only_moderators_register(appeal_in, request, who):
    appeal = appeal_in(Status.NEW)
    with pytest.raises(PermissionDenied):
        services.register_appeal(appeal=appeal, actor=request.getfixturevalue(who))


def test_registering_twice_is_an_illegal_transition(appeal_in, operator):
    appeal = appeal_in(Status.REGISTERED)
    with pytest.raises(IllegalTransition):
        services.register_appeal(appeal=appeal, actor=operator)
    assert appeal.events.count() == 2


def test_registration_after_a_clarification_keeps_the_first_registration_date(appeal_in, operator):
    t0 = datetime(2025, 6, 2, 10, 0, tzinfo=MSK)
    appeal = appeal_in(Status.REGISTERED, now=t0)
    first = appeal.registered_at
    services.request_clarification(
        appeal=appeal, actor=operator, question="Где яма?", now=t0 + timedelta(days=1)
    )
    services.provide_clarification(
        appeal=appeal, actor=operator, text="Тут.", now=t0 + timedelta(days=2)
    )
    services.register_appeal(appeal=appeal, actor=operator, now=t0 + timedelta(days=3))
    appeal.refresh_from_db()
    assert appeal.registered_at == first
