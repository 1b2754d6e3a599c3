from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "otklik.notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from otklik.appeals import outbox
        from otklik.lib import periodic

        from . import personal_data, services

        outbox.on_event("notifications.letters", _letters, order=10)
        outbox.on_batch("notifications.webhooks", _webhooks, order=10)
        periodic.register("notifications_retried", _retry_letters, order=80)
        periodic.register("webhooks_retried", _retry_webhooks, order=90)
        personal_data.register_forgetters()
        services.register_letter_sender()


def _letters(event) -> None:
    # Letters are queued as rows and sent by their own tasks: a mail server that is down
    # delays them and never the outbox batch.
    from . import appeal_letters

    appeal_letters.notify_event(event)


def _webhooks(events) -> None:
    # One delivery per subscriber that wants the event and may see the appeal, sent by their
    # own tasks after the batch commits.
    from . import webhooks

    webhooks.enqueue_for_events(events)


def _retry_letters() -> int:
    from . import delivery

    return delivery.retry_due()


def _retry_webhooks() -> int:
    from . import webhook_delivery

    return webhook_delivery.retry_due()
