"""Letters from accounts (the sign-up confirmation) without importing the app that sends them.

accounts sits below notifications, so it cannot call `notifications.services.notify` itself:
notifications registers its sender here at start-up (`set_sender`, from its AppConfig.ready())
and accounts calls `send`. `greeting` lives here because it speaks only of the person, and
every app that writes letters uses it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

# func(*, recipient, subject, body) -> the queued letter, or None when there is no address.
_sender: Callable | None = None


def set_sender(func: Callable) -> None:
    """Register the function that queues a letter (one per process; the last one wins)."""
    global _sender
    _sender = func


def send(*, recipient, subject: str, body: str):
    """Queue a letter to `recipient` through the registered sender; returns what it returns."""
    if _sender is None:
        raise ImproperlyConfigured(
            "No letter sender is registered: notifications registers one in its AppConfig.ready()."
        )
    return _sender(recipient=recipient, subject=subject, body=body)


def greeting(person) -> str:
    """«Здравствуйте, Иван Петрович Сидоров!» with the full name as the person gave it (its
    first word may be the surname), or a plain «Здравствуйте!»."""
    if person.full_name:
        return _("Hello, %(name)s!") % {"name": person.full_name}
    return _("Hello!")
