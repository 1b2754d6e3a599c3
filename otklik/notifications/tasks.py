"""Thin tasks: they take ids and call services."""

from __future__ import annotations

from django_tasks import task

from . import services, webhooks


@task()
def send_notification(notification_id: int) -> str:
    return services.deliver(notification_id)


@task()
def deliver_webhook(delivery_id: int) -> str:
    """One attempt of a webhook delivery, enqueued when the delivery is created; retries come
    from `retry_due_webhooks` in the periodic pass."""
    return webhooks.deliver(delivery_id)


def retry_due_webhooks() -> int:
    """The periodic pass: try the webhook deliveries whose next attempt is due."""
    return webhooks.retry_due()
