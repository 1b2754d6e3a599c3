"""Letters to people: one row per recipient and message, sent and retried by the task queue."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet):
    def due(self, now):
        return self.filter(state=Notification.State.PENDING, next_attempt_at__lte=now)


class Notification(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed for good")

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    event = models.ForeignKey(
        "appeals.AppealEvent",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("appeal event"),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel, default=Channel.EMAIL)
    address = models.CharField(_("address"), max_length=254)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("text"))
    state = models.CharField(_("state"), max_length=16, choices=State, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # The outbox may hand an event over twice (a crash after sending); one letter each.
            models.UniqueConstraint(
                fields=["event", "recipient", "channel"],
                condition=Q(event__isnull=False),
                name="notification_once_per_event",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending"),
                name="notification_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.address}: {self.subject}"
