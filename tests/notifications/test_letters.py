"""Letters: to the applicant and supporters, as they chose; retried when the mail server fails."""

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from otklik.appeals import services, tasks
from otklik.appeals.workflow import Status
from otklik.notifications import channels, delivery
from otklik.notifications import services as notifications
from otklik.notifications.models import Notification
from tests.factories import UserFactory


def deliver_all():
    tasks.process_outbox.call()
    return delivery.retry_due(now=timezone.now() + timedelta(seconds=1))


def test_supporter_gets_news_like_the_author(appeal_in, citizen, operator, organization):
    appeal = appeal_in(Status.REGISTERED)
    neighbour = UserFactory(email="neighbour@example.ru", full_name="Мария Соседова")
    services.support_appeal(appeal=appeal, actor=neighbour)
    deliver_all()
    mail.outbox.clear()
    services.assign_appeal(appeal=appeal, actor=operator, executor=organization)
    deliver_all()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([citizen.email, neighbour.email])
    letter = next(m for m in mail.outbox if m.to == [neighbour.email])
    assert "которое вы поддержали" in letter.body
    assert citizen.full_name not in letter.body


def test_support_itself_is_not_mailed_and_is_counted_once(appeal_in):
    appeal = appeal_in(Status.REGISTERED)
    tasks.process_outbox.call()
    neighbour = UserFactory()
    services.support_appeal(appeal=appeal, actor=neighbour)
    services.support_appeal(appeal=appeal, actor=neighbour)
    assert appeal.supports.count() == 1
    assert tasks.process_outbox.call() == 1
    assert not Notification.objects.filter(recipient=neighbour).exists()


def test_only_key_steps_for_those_who_asked_and_nothing_for_those_who_opted_out(
    appeal_in, citizen, operator, organization
):
    citizen.notify_every_step = False
    citizen.save(update_fields=["notify_every_step"])
    appeal_in(Status.ANSWERED)  # submit, register, assign, publish
    deliver_all()
    assert [m.subject.split(": ", 1)[1] for m in mail.outbox] == ["опубликован ответ"]
    mail.outbox.clear()
    citizen.notify_by_email = False
    citizen.save(update_fields=["notify_by_email"])
    appeal_in(Status.ANSWERED)
    deliver_all()
    assert mail.outbox == []


def test_a_failed_send_is_retried_later_and_never_lost(appeal_in, monkeypatch):
    appeal_in(Status.NEW)
    tasks.process_outbox.call()
    notification = Notification.objects.get()

    def down(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(channels, "send_mail", down)
    now = timezone.now()
    assert delivery.deliver(notification.pk, now=now) == Notification.State.PENDING
    notification.refresh_from_db()
    assert notification.attempts == 1
    assert "smtp down" in notification.last_error
    assert notification.next_attempt_at == now + timedelta(minutes=1)
    assert delivery.retry_due(now=now) == 0  # not due yet
    monkeypatch.undo()
    assert delivery.retry_due(now=now + timedelta(minutes=1)) == 1
    notification.refresh_from_db()
    assert notification.state == Notification.State.SENT
    assert len(mail.outbox) == 1


def test_a_letter_that_never_goes_is_marked_failed_after_the_last_attempt(appeal_in, monkeypatch):
    appeal_in(Status.NEW)
    tasks.process_outbox.call()
    notification = Notification.objects.get()
    monkeypatch.setattr(channels, "send_mail", lambda *a, **k: (_ for _ in ()).throw(OSError("x")))
    for _ in range(delivery.MAX_ATTEMPTS):
        delivery.deliver(notification.pk, now=timezone.now())
        notification.refresh_from_db()
    assert notification.state == Notification.State.FAILED
    assert delivery.deliver(notification.pk) == Notification.State.FAILED
    assert notification.attempts == delivery.MAX_ATTEMPTS


def test_the_send_task_is_enqueued_after_the_commit(citizen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        notifications.notify(recipient=citizen, subject="Тема", body="Текст")
    assert len(callbacks) == 1


def test_greeting_uses_the_full_name_as_given_or_none(db):
    from otklik.notifications.services import greeting

    assert greeting(UserFactory(full_name="Цветков Иван Петрович")) == (
        "Здравствуйте, Цветков Иван Петрович!"
    )
    assert greeting(UserFactory(full_name="")) == "Здравствуйте!"
