"""What notifications forgets about a person whose account is anonymised (accounts/forgetting)."""

from __future__ import annotations

from otklik.accounts import forgetting

from .models import Notification


def forget_letters(*, user, now, reason) -> int:
    """Letters not sent yet go; those already sent keep their subject for the record, not the
    address or the greeting. Called after the account was blanked, so `user.email` is already
    the placeholder address. Returns how many letters were touched."""
    letters = Notification.objects.filter(recipient=user)
    deleted, _by_model = letters.filter(state=Notification.State.PENDING).delete()
    return deleted + letters.update(address=user.email, body="")


def register_forgetters() -> None:
    """Called from NotificationsConfig.ready()."""
    forgetting.register("notifications", forget_letters, order=10)
