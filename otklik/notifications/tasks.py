"""Thin tasks: they take ids and call the delivery modules."""

from __future__ import annotations

from django_tasks import task

from . import delivery, webhook_delivery


@task()
def send_notification(notification_id: int) -> str:
    return delivery.deliver(notification_id)


@task()
def deliver_webhook(delivery_id: int) -> str:
    """One attempt of a webhook delivery, enqueued when the delivery is created; retries come
    from `webhook_delivery.retry_due` in the periodic pass."""
    return webhook_delivery.deliver(delivery_id)
