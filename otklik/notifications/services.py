"""Every write to notifications: queue a letter (sending and retrying are in delivery.py)."""

from __future__ import annotations

from django.db import transaction

from otklik.accounts import letters
from otklik.accounts.letters import greeting  # noqa: F401 (its importers read it from here)

from .models import Notification
from .tasks import send_notification


def notify(*, recipient, subject: str, body: str, event=None) -> Notification | None:
    """Queue a letter to `recipient` and hand it to the task queue once the caller's transaction
    commits. Returns None when the person has no address to write to."""
    if not recipient.email or recipient.anonymized_at:
        return None
    fields = {"address": recipient.email, "subject": subject[:255], "body": body}
    if event is None:
        notification, created = Notification.objects.create(recipient=recipient, **fields), True
    else:
        # One letter per event and person, however often the outbox hands the event over.
        notification, created = Notification.objects.get_or_create(
            event=event, recipient=recipient, channel=Notification.Channel.EMAIL, defaults=fields
        )
    if created:
        transaction.on_commit(lambda: send_notification.enqueue(notification.pk))
    return notification


def register_letter_sender() -> None:
    """Called from NotificationsConfig.ready(): accounts' letters (the sign-up confirmation)
    are queued by `notify`."""
    letters.set_sender(notify)
