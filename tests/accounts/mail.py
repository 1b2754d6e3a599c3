"""Reading the letters of the accounts tests: sent through the notifications queue."""

import re
from datetime import timedelta

from django.core import mail
from django.utils import timezone

from otklik.notifications.delivery import retry_due

LINK = re.compile(r"https?://[^/\s]+(/\S+)")


def letters_to(email: str) -> list:
    """Send what is queued, then the letters in the outbox addressed to `email`."""
    retry_due(now=timezone.now() + timedelta(seconds=1))
    return [m for m in mail.outbox if m.to == [email]]


def link_path(letter) -> str:
    """The path of the (only) link in a letter."""
    return LINK.search(letter.body).group(1)
