"""Thin tasks: they take ids and call services."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def send_notification(notification_id: int) -> str:
    return services.deliver(notification_id)
