"""Ways a letter reaches a person. Each channel sends one Notification or raises."""

from __future__ import annotations

from django.core.mail import send_mail

from .models import Notification


class DeliveryError(Exception):
    """The channel could not deliver now; the notification is tried again later."""


class BaseChannel:
    name: str = ""

    def send(self, notification: Notification) -> None:
        raise NotImplementedError


class EmailChannel(BaseChannel):
    name = Notification.Channel.EMAIL

    def send(self, notification: Notification) -> None:
        try:
            send_mail(notification.subject, notification.body, None, [notification.address])
        except OSError as error:  # SMTP errors are OSErrors: the server is down or refuses
            raise DeliveryError(str(error)) from error


CHANNELS: dict[str, BaseChannel] = {EmailChannel.name: EmailChannel()}
