"""Sending letters: one attempt per pending letter, retried with backoff until it goes or
fails for good. Called by the `send_notification` task and the periodic pass."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from .channels import CHANNELS, DeliveryError
from .models import Notification

MAX_ATTEMPTS = 8


def _backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes between attempts, at most six hours."""
    return timedelta(minutes=min(2 ** (attempts - 1), 360))


def deliver(notification_id: int, *, now: datetime | None = None) -> str:
    """Try to send one pending notification; returns its state afterwards."""
    now = now or timezone.now()
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or notification.state != Notification.State.PENDING:
            return notification.state if notification else ""
        notification.attempts += 1
        try:
            CHANNELS[notification.channel].send(notification)
        except DeliveryError as error:
            notification.last_error = str(error)[:2000]
            if notification.attempts >= MAX_ATTEMPTS:
                notification.state = Notification.State.FAILED
            else:
                notification.next_attempt_at = now + _backoff(notification.attempts)
        else:
            notification.state = Notification.State.SENT
            notification.sent_at = now
            notification.last_error = ""
        notification.save()
    return notification.state


def retry_due(*, now: datetime | None = None) -> int:
    """Send the pending notifications whose next attempt is due (the periodic job)."""
    now = now or timezone.now()
    ids = list(Notification.objects.due(now).values_list("pk", flat=True)[:500])
    for pk in ids:
        deliver(pk, now=now)
    return len(ids)
