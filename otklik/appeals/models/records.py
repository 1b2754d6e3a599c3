"""Records around appeals: draft photos, number sequences, imports, the personal data log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from otklik.lib.storage import get_private_storage

from .appeal import Appeal


def draft_photo_path(instance: DraftPhoto, filename: str) -> str:
    extension = "pdf" if instance.content_type == "application/pdf" else "jpg"
    return f"drafts/{instance.sha256[:2]}/{instance.owner_id}-{instance.sha256}.{extension}"


class DraftPhoto(models.Model):
    """A checked, re-encoded photo of a report form that has not been sent yet, so that a
    validation error or a «similar appeals» step never makes the citizen upload it again.
    Moved to an Attachment when the appeal is filed; removed by the periodic job after a day."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("owner")
    )
    form_key = models.CharField(max_length=64, db_index=True)
    file = models.FileField(_("file"), upload_to=draft_photo_path, max_length=255)
    content_type = models.CharField(_("content type"), max_length=64, default="image/jpeg")
    original_name = models.CharField(_("original name"), max_length=255, blank=True)
    size = models.PositiveIntegerField(_("size, bytes"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("photo of an unsent report")
        verbose_name_plural = _("photos of unsent reports")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.original_name or self.sha256


class AppealNumberSequence(models.Model):
    """The last number given to an appeal of a region in a year (48-2026-000123)."""

    region = models.ForeignKey("directory.Region", models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="appeal_number_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.region_id}-{self.year}: {self.last_value}"


class ImportBatch(models.Model):
    """One bulk import of appeals from another system's CSV or JSON export
    (appeals/imports.py): its mapping, progress and the rows that failed with their reasons."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        JSON = "json", "JSON"

    region = models.ForeignKey(
        "directory.Region", models.PROTECT, related_name="+", verbose_name=_("region")
    )
    source = models.CharField(
        _("source"),
        max_length=64,
        help_text=_("The system the rows come from; with its ids it makes the import idempotent."),
    )
    format = models.CharField(_("format"), max_length=8, choices=Format)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", storage=get_private_storage)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    mapping = models.JSONField(_("mapping"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State, default=State.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    total = models.PositiveIntegerField(_("rows"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    existing_count = models.PositiveIntegerField(_("already imported"), default=0)
    failed_count = models.PositiveIntegerField(_("failed"), default=0)
    # [{"row": 3, "external_id": "…", "code": "…", "message_ru": "…", "message_en": "…"}]
    errors = models.JSONField(_("failed rows"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.source} {self.created_at:%Y-%m-%d %H:%M}"


class PersonalDataAccessQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The personal data access log is never edited")

    def delete(self):
        raise TypeError("The personal data access log is never deleted")


class PersonalDataAccess(models.Model):
    """One showing of an applicant's personal data (name, e-mail, phone, the caller's contacts)
    to someone other than the applicant: who, when, which appeal, where. Append-only; written by
    `personal_data.record_access` only, never from templates."""

    class Shown(models.TextChoices):
        OFFICE_APPEAL = "office.appeal", _("office: the appeal's page")
        OFFICE_MODERATION = "office.moderation", _("office: moderation")
        OFFICE_CALL = "office.call", _("office: a verification call")
        API_APPEAL = "api.appeal", _("API: the appeal")
        ADMIN_APPEAL = "admin.appeal", _("administration: the appeal")

    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name=_("viewed by"),
    )
    appeal = models.ForeignKey(Appeal, models.PROTECT, related_name="+", verbose_name=_("appeal"))
    shown = models.CharField(_("where"), max_length=32, choices=Shown)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    # The API key the data was read with (REST), so that a key's reads can be audited.
    api_token = models.ForeignKey(
        "accounts.ApiToken",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("API key"),
    )

    objects = PersonalDataAccessQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data access log")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["appeal", "created_at"]),
            models.Index(fields=["viewer", "created_at"]),
            models.Index(fields=["created_at"], name="pdaccess_created"),
        ]

    def __str__(self) -> str:
        return f"{self.viewer_id} → {self.appeal_id}: {self.shown}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("The personal data access log is never edited")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The personal data access log is never deleted")
