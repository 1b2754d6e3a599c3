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


class WebhookSubscription(models.Model):
    """Another system's URL that receives signed JSON events about appeals (webhooks.py). It
    sees the events of the appeals its owner may see, without personal data."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="webhook_subscriptions",
        verbose_name=_("owner"),
    )
    token = models.ForeignKey(
        "accounts.ApiToken",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="webhook_subscriptions",
        verbose_name=_("created with token"),
    )
    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=128)
    # Appeal actions to send (workflow.Action values); empty means every status change.
    events = models.JSONField(_("events"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    disabled_reason = models.CharField(_("why disabled"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name}: {self.url}"


class WebhookDeliveryQuerySet(models.QuerySet):
    def due(self, now):
        return self.filter(state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now)


class WebhookDelivery(models.Model):
    """One event for one subscriber, tried until delivered or given up; a replay is a new
    delivery of the same payload pointing at the one it replays."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting to be delivered")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed for good")

    subscription = models.ForeignKey(
        WebhookSubscription,
        models.CASCADE,
        related_name="deliveries",
        verbose_name=_("subscription"),
    )
    event = models.ForeignKey(
        "appeals.AppealEvent",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="webhook_deliveries",
        verbose_name=_("appeal event"),
    )
    event_type = models.CharField(_("event type"), max_length=64)
    payload = models.JSONField(_("payload"))
    state = models.CharField(_("state"), max_length=16, choices=State, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_status_code = models.PositiveSmallIntegerField(
        _("last HTTP status"), null=True, blank=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    replay_of = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="replays",
        verbose_name=_("replay of"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # The outbox may hand an event over twice; one delivery per subscriber each.
            models.UniqueConstraint(
                fields=["subscription", "event"],
                condition=Q(event__isnull=False, replay_of__isnull=True),
                name="webhook_once_per_event",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending"),
                name="webhook_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.subscription_id}"


class WebhookAttempt(models.Model):
    """The delivery log: one row per HTTP attempt."""

    delivery = models.ForeignKey(
        WebhookDelivery, models.CASCADE, related_name="attempt_log", verbose_name=_("delivery")
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration, ms"), default=0)
    response_excerpt = models.CharField(_("response"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code or self.error[:40]}"
