"""assign_appeal: sending a registered appeal to its executor with a deadline on the calendar."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from otklik.appeals import services
from otklik.appeals.workflow import IllegalTransition, Status
from tests.factories import OrganizationFactory

MSK = ZoneInfo("Europe/Moscow")


def registered(appeal_in, when, **kwargs):
    return appeal_in(Status.REGISTERED, now=when - timedelta(hours=2), **kwargs)


def test_the_routing_rule_picks_the_executor_and_the_deadline_is_thirty_calendar_days(
    appeal_in, operator, organization
):
    # Registered Thursday 8 May 2025; 30 days later is Saturday 7 June → Monday 9 June.
    appeal = registered(appeal_in, datetime(2025, 5, 8, 9, 0, tzinfo=MSK))
    assert appeal.registered_at.date().isoformat() == "2025-05-08"
    services.assign_appeal(
        appeal=appeal, actor=operator, now=datetime(2025, 5, 8, 12, 0, tzinfo=MSK)
    )
    appeal.refresh_from_db()
    assert appeal.status == Status.IN_PROGRESS
    assert appeal.executor == organization
    assert appeal.due_at == datetime(2025, 6, 9, 23, 59, 59, tzinfo=MSK)
    assert appeal.original_due_at == appeal.due_at
    event = appeal.events.last()
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        "assign",
        operator,
        Status.REGISTERED,
        Status.IN_PROGRESS,
    )
    assert event.data == {
        "executor_id": organization.pk,
        "executor": "УДХ Липецка",
        "due_at": datetime(2025, 6, 9, 23, 59, 59, tzinfo=MSK).isoformat(),
    }


def test_a_working_day_category_counts_working_days_over_the_new_year(
    appeal_in, operator, organization, fast_category
):
    appeal = registered(
        appeal_in, datetime(2025, 12, 25, 11, 0, tzinfo=MSK), category=fast_category
    )
    services.assign_appeal(
        appeal=appeal,
        actor=operator,
        executor=organization,
        now=datetime(2025, 12, 25, 12, 0, tzinfo=MSK),
    )
    assert appeal.due_at == datetime(2026, 1, 20, 23, 59, 59, tzinfo=MSK)


def test_the_deadline_is_counted_in_the_regions_time_zone(appeal_in, operator, region):
    region.time_zone = "Asia/Yekaterinburg"
    region.save(update_fields=["time_zone"])
    yekt = ZoneInfo("Asia/Yekaterinburg")
    # 22:30 in Moscow on Thursday 8 May is 00:30 on Friday 9 May in Yekaterinburg.
    appeal = registered(appeal_in, datetime(2025, 5, 8, 22, 30, tzinfo=MSK))
    services.assign_appeal(
        appeal=appeal, actor=operator, now=datetime(2025, 5, 9, 9, 0, tzinfo=yekt)
    )
    assert appeal.due_at == datetime(2025, 6, 9, 23, 59, 59, tzinfo=yekt)  # 8 June is Sunday


def test_a_second_assignment_after_a_redirect_keeps_the_deadline(
    appeal_in, operator, executor, other_organization
):
    appeal = appeal_in(Status.IN_PROGRESS)
    due = appeal.due_at
    services.redirect_appeal(appeal=appeal, actor=executor, reason="Дорога областная.")
    services.assign_appeal(appeal=appeal, actor=operator, executor=other_organization)
    appeal.refresh_from_db()
    assert appeal.executor == other_organization
    assert (appeal.due_at, appeal.original_due_at) == (due, due)
    assert appeal.redirection_due_at is None


def test_without_a_matching_rule_the_operator_must_choose(appeal_in, operator, private_category):
    appeal = appeal_in(Status.REGISTERED, category=private_category)
    with pytest.raises(ValidationError) as raised:
        services.assign_appeal(appeal=appeal, actor=operator)
    assert "выберите исполнителя" in raised.value.messages[0]
    assert appeal.events.count() == 2


def test_an_inactive_organization_is_refused(appeal_in, operator, region):
    closed = OrganizationFactory(region=region, name="Ликвидированное МУП", is_active=False)
    appeal = appeal_in(Status.REGISTERED)
    with pytest.raises(ValidationError) as raised:
        services.assign_appeal(appeal=appeal, actor=operator, executor=closed)
    assert raised.value.messages == ["Эта организация больше не рассматривает обращения."]


@pytest.mark.parametrize("status", [Status.NEW, Status.CLARIFICATION, Status.IN_PROGRESS])
def test_only_a_registered_appeal_is_assigned(appeal_in, operator, organization, status):
    appeal = appeal_in(status)
    events = appeal.events.count()
    with pytest.raises(IllegalTransition):
        services.assign_appeal(appeal=appeal, actor=operator, executor=organization)
    assert appeal.events.count() == events


def test_an_unregistered_appeal_without_category_is_refused_by_the_workflow(
    region, citizen, operator
):
    appeal = services.submit_appeal(region=region, text="Яма", applicant=citizen)
    with pytest.raises(IllegalTransition):
        services.assign_appeal(appeal=appeal, actor=operator)


def test_the_executor_cannot_assign(appeal_in, executor, organization):
    appeal = appeal_in(Status.REGISTERED)
    with pytest.raises(PermissionDenied):
        services.assign_appeal(appeal=appeal, actor=executor, executor=organization)
