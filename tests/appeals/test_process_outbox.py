"""The outbox: public events become letters to the applicant, every event is marked processed."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from otklik.appeals import outbox, services
from otklik.appeals.models import AppealEvent
from otklik.appeals.workflow import Status
from otklik.notifications import delivery as notifications
from otklik.notifications.models import Notification


def send_due():
    return notifications.retry_due(now=timezone.now() + timedelta(seconds=1))


def test_public_events_are_mailed_in_russian_and_every_event_is_marked(appeal_in, citizen):
    appeal = appeal_in(Status.ANSWER_REVIEW)  # submit, register, assign public; answer internal
    assert outbox.process_outbox.call() == 4
    assert send_due() == 3
    assert [m.to for m in mail.outbox] == [[citizen.email]] * 3
    subjects = sorted(m.subject for m in mail.outbox)
    assert f"Обращение {appeal.number}: обращение подано" in subjects
    body = next(m.body for m in mail.outbox if m.subject.endswith("обращение подано"))
    assert f"/appeals/{appeal.number}/" in body
    assert "ожидает модерации" in body
    assert not AppealEvent.objects.unprocessed().exists()
    assert outbox.process_outbox.call() == 0
    assert send_due() == 0
    assert len(mail.outbox) == 3


def test_internal_events_and_comments_are_not_mailed(appeal_in, operator):
    appeal = appeal_in(Status.IN_PROGRESS)
    outbox.process_outbox.call()
    Notification.objects.all().delete()
    services.add_comment(appeal=appeal, actor=operator, text="Проверить", is_public=True)
    services.request_postponement(
        appeal=appeal,
        actor=operator,
        new_due_date=timezone.localdate(appeal.due_at) + timezone.timedelta(days=5),
        reason="Техника на ремонте у подрядчика.",
    )
    assert outbox.process_outbox.call() == 2
    assert not Notification.objects.exists()


def test_an_applicant_without_email_or_anonymized_gets_nothing(appeal_in, citizen, other_citizen):
    appeal_in(Status.NEW)
    citizen.anonymized_at = timezone.now()
    citizen.save(update_fields=["anonymized_at"])
    appeal_in(Status.NEW, applicant=None)
    assert outbox.process_outbox.call() == 2
    assert not Notification.objects.exists()


def test_handing_an_event_over_twice_writes_one_letter(appeal_in):
    appeal_in(Status.NEW)
    event = AppealEvent.objects.get()
    from otklik.notifications.appeal_letters import notify_event

    assert notify_event(event) == 1
    assert notify_event(event) == 1
    assert Notification.objects.count() == 1


def test_the_outbox_is_enqueued_after_the_commit(appeal_in, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        appeal_in(Status.NEW)
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_an_empty_outbox_sends_nothing():
    assert outbox.process_outbox.call() == 0
    assert mail.outbox == []


def _waiting_runs():
    return DBTaskResult.objects.ready().filter(task_path=outbox.process_outbox.module_path)


def test_writes_in_a_row_queue_one_waiting_run(appeal_in, django_capture_on_commit_callbacks):
    """A storm of filings wakes the outbox once: while a run waits in the queue, the next
    commits add no second one (each would be a commit and a worker's pass for nothing)."""
    with django_capture_on_commit_callbacks(execute=True):
        appeal_in(Status.NEW)
    with django_capture_on_commit_callbacks(execute=True):
        appeal_in(Status.NEW)
    assert _waiting_runs().count() == 1


def test_a_run_already_started_does_not_count_as_waiting(
    appeal_in, django_capture_on_commit_callbacks
):
    """A run that has started may have read the events before this commit: the write queues a
    new one, which hands its event over."""
    with django_capture_on_commit_callbacks(execute=True):
        appeal_in(Status.NEW)
    _waiting_runs().update(status=TaskResultStatus.RUNNING)
    with django_capture_on_commit_callbacks(execute=True):
        appeal = appeal_in(Status.NEW)
    (run,) = _waiting_runs()
    assert run.task.call() == 2  # both events: the first run's work is not done yet here
    assert not AppealEvent.objects.filter(appeal=appeal).unprocessed().exists()
