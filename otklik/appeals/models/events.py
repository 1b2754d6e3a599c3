"""`AppealEvent`: the append-only audit log, the notification outbox and the source of the KPIs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..workflow import Action, Status
from .appeal import Appeal


class AppealEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Appeal events are never edited")

    def delete(self):
        raise TypeError("Appeal events are never deleted")

    def public(self):
        return self.filter(is_public=True)

    def unprocessed(self):
        return self.filter(processed_at__isnull=True)


class AppealEvent(models.Model):
    """One thing that happened to an appeal: the audit log, the outbox and the KPI source."""

    appeal = models.ForeignKey(
        Appeal, models.PROTECT, related_name="events", verbose_name=_("appeal")
    )
    action = models.CharField(_("action"), max_length=32, choices=Action)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    from_status = models.CharField(_("from status"), max_length=16, choices=Status, blank=True)
    to_status = models.CharField(_("to status"), max_length=16, choices=Status)
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    is_public = models.BooleanField(_("shown to the applicant"), default=True)
    # Outbox: set once notifications and webhooks for the event have been handed over.
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = AppealEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("appeal event")
        verbose_name_plural = _("appeal history")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["appeal", "created_at"]),
            models.Index(fields=["action", "created_at"]),
            models.Index(
                fields=["created_at"],
                condition=Q(processed_at__isnull=True),
                name="appealevent_outbox",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id}: {self.action}"

    def save(self, *args, **kwargs):
        # Only the outbox mark may be written on an existing row.
        if self.pk is not None and kwargs.get("update_fields") != ["processed_at"]:
            raise TypeError("Appeal events are never edited")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Appeal events are never deleted")
