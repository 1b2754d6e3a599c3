"""Verification of what citizens confirm: follow-up questionnaires (control calls come later)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FollowUp(models.Model):
    """A questionnaire sent some weeks after an appeal is closed: did the fix last?

    The link carries a signed token of this row's id (no login needed); it works once.
    """

    appeal = models.OneToOneField(
        "appeals.Appeal", models.PROTECT, related_name="follow_up", verbose_name=_("appeal")
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("applicant"),
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    fix_lasted = models.BooleanField(_("the fix lasted"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    repeat = models.ForeignKey(
        "appeals.Appeal",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("repeat appeal"),
    )

    class Meta:
        verbose_name = _("follow-up questionnaire")
        verbose_name_plural = _("follow-up questionnaires")
        indexes = [models.Index(fields=["answered_at"])]

    def __str__(self) -> str:
        return f"{self.appeal_id}: {self.fix_lasted}"
