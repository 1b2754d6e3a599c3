"""The periodic escalations: a reminder a day before a deadline, a notice to the supervisors
once it has passed, once per deadline however often the job runs."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from otklik.accounts.models import Role
from otklik.appeals import services
from otklik.appeals.models import AppealEvent
from otklik.appeals.workflow import Action, Status
from otklik.control import escalations
from otklik.control import instructions as instruction_services
from otklik.control.models import Escalation, InstructionEvent
from otklik.notifications.models import Notification
from tests.factories import OrganizationFactory, staff

MSK = ZoneInfo("Europe/Moscow")
START = datetime(2025, 6, 2, 9, 0, tzinfo=MSK)
DUE = datetime(2025, 7, 2, 23, 59, 59, tzinfo=MSK)


@pytest.fixture
def working(appeal_in):
    appeal = appeal_in(Status.IN_PROGRESS, now=START)
    assert appeal.due_at == DUE
    return appeal


@pytest.fixture
def org_supervisor(organization):
    return staff(Role.SUPERVISOR, organization, email="chief@example.ru")


def letters_to(user):
    return list(Notification.objects.filter(recipient=user).order_by("pk"))


def escalation_events(appeal):
    return list(AppealEvent.objects.filter(appeal=appeal, action=Action.ESCALATE))


def test_a_reminder_is_sent_once_per_deadline_even_when_run_twice(working, executor):
    now = DUE - timedelta(hours=12)
    assert escalations.run(now=now) == 1
    assert escalations.run(now=now + timedelta(minutes=5)) == 0
    (letter,) = letters_to(executor)
    assert working.number in letter.subject
    assert "02.07.2025" in letter.subject
    assert f"/office/appeals/{working.number}/" in letter.body
    (event,) = escalation_events(working)
    assert event.data == {"kind": "reminder", "recipients": [executor.email]}
    assert not event.is_public
    assert Escalation.objects.get().kind == Escalation.Kind.REMINDER


def test_no_reminder_earlier_than_a_day_before(working, executor):
    assert escalations.run(now=DUE - timedelta(hours=25)) == 0
    assert letters_to(executor) == []


def test_the_assignee_alone_gets_the_reminder(working, executor, organization):
    colleague = staff(Role.EXECUTOR, organization, email="colleague@example.ru")
    services.delegate_appeal(appeal=working, actor=executor, assignee=colleague, now=START)
    escalations.run(now=DUE - timedelta(hours=2))
    assert len(letters_to(colleague)) == 1
    assert letters_to(executor) == []


def test_a_new_deadline_gives_a_new_reminder(working, executor, operator):
    escalations.run(now=DUE - timedelta(hours=12))
    postponement = services.request_postponement(
        appeal=working,
        actor=executor,
        new_due_date=date(2025, 7, 20),
        reason="Нужен асфальтобетонный завод, он откроется позже.",
        now=DUE - timedelta(hours=11),
    )
    services.decide_postponement(
        postponement=postponement, actor=operator, approve=True, now=DUE - timedelta(hours=10)
    )
    new_due = datetime(2025, 7, 20, 23, 59, 59, tzinfo=MSK)
    assert escalations.run(now=DUE + timedelta(hours=1)) == 0  # not overdue any more
    assert escalations.run(now=new_due - timedelta(hours=3)) == 1
    assert len(letters_to(executor)) == 2
    assert sorted(e.due_at for e in Escalation.objects.all()) == [DUE, new_due]


def test_overdue_goes_to_the_supervisor_of_the_executor(working, org_supervisor, executor):
    assert escalations.run(now=DUE + timedelta(hours=1)) == 1
    assert escalations.run(now=DUE + timedelta(hours=2)) == 0
    (letter,) = letters_to(org_supervisor)
    assert "просрочено" in letter.subject
    (event,) = escalation_events(working)
    assert event.data == {"kind": "overdue", "recipients": [org_supervisor.email]}
    assert letters_to(executor) == []


def test_overdue_goes_to_the_parent_then_to_the_municipality(
    appeal_in, region, municipality, organization, supervisor, operator
):
    child = OrganizationFactory(region=region, municipality=municipality, parent=organization)
    worker = staff(Role.EXECUTOR, child, email="child@example.ru")
    appeal = appeal_in(Status.IN_PROGRESS, now=START, organization=child, executor_user=worker)
    # Asked in time, decided only after the deadline has passed.
    services.request_postponement(
        appeal=appeal,
        actor=worker,
        new_due_date=date(2025, 7, 10),
        reason="Подрядчик просит ещё неделю на работы.",
        now=DUE - timedelta(hours=2),
    )
    # No supervisor of the child, none of the parent: the municipality's supervisor hears.
    escalations.run(now=DUE + timedelta(hours=1))
    assert len(letters_to(supervisor)) == 1
    # The parent's supervisor is preferred once there is one (a new deadline, a new notice).
    parent_chief = staff(Role.SUPERVISOR, organization, email="parent.chief@example.ru")
    appeal.refresh_from_db()
    services.decide_postponement(
        postponement=appeal.postponements.get(),
        actor=operator,
        approve=True,
        now=DUE + timedelta(hours=3),
    )
    escalations.run(now=datetime(2025, 7, 11, 1, 0, tzinfo=MSK))
    assert len(letters_to(parent_chief)) == 1
    assert len(letters_to(supervisor)) == 1


@pytest.mark.parametrize("status", [Status.ANSWER_REVIEW, Status.ANSWERED, Status.CLOSED])
def test_nothing_for_answered_or_closed_appeals(appeal_in, status, org_supervisor, executor):
    appeal_in(status, now=START)
    assert escalations.run(now=DUE - timedelta(hours=3)) == 0
    assert escalations.run(now=DUE + timedelta(days=3)) == 0
    assert not Notification.objects.filter(recipient__in=[org_supervisor, executor]).exists()
    assert not Escalation.objects.exists()


def test_instruction_reminder_and_overdue_notice(operator, organization, executor, org_supervisor):
    instruction = instruction_services.issue_instruction(
        actor=operator,
        organization=organization,
        text="Убрать несанкционированную свалку у дома 5.",
        due_date=date(2025, 6, 10),
        now=START,
    )
    Notification.objects.all().delete()  # the letters about the new instruction
    due = instruction.due_at
    assert escalations.run(now=due - timedelta(hours=5)) == 1
    assert escalations.run(now=due - timedelta(hours=4)) == 0
    assert {n.recipient for n in Notification.objects.all()} == {executor, org_supervisor}
    Notification.objects.all().delete()
    assert escalations.run(now=due + timedelta(hours=1)) == 1
    assert escalations.run(now=due + timedelta(hours=2)) == 0
    assert {n.recipient for n in Notification.objects.all()} == {org_supervisor, operator}
    actions = [e.action for e in instruction.events.all()]
    A = InstructionEvent.Action
    assert actions == [A.ISSUE, A.REMIND, A.ESCALATE]
    escalate = instruction.events.get(action=A.ESCALATE)
    assert set(escalate.data["recipients"]) == {org_supervisor.email, operator.email}


def test_reported_instructions_are_not_chased(operator, organization, executor):
    instruction = instruction_services.issue_instruction(
        actor=operator,
        organization=organization,
        text="Убрать несанкционированную свалку у дома 5.",
        due_date=date(2025, 6, 10),
        now=START,
    )
    instruction_services.report_instruction(
        actor=executor, instruction=instruction, text="Свалка убрана 05.06.2025.", now=START
    )
    assert escalations.run(now=instruction.due_at + timedelta(hours=1)) == 0


def test_run_periodic_runs_the_escalations(working, executor, monkeypatch):
    moment = DUE - timedelta(hours=1)
    monkeypatch.setattr(escalations.timezone, "now", lambda: moment)
    call_command("run_periodic", verbosity=0)
    assert Escalation.objects.filter(appeal=working).count() == 1
