"""What comes back to an appeal: attachments, answers, postponements, ratings and supports."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..workflow import Resolution
from .appeal import Appeal


def attachment_path(instance: Attachment, filename: str) -> str:
    now = timezone.now()
    extension = "pdf" if instance.kind == Attachment.Kind.DOCUMENT else "jpg"
    return f"appeals/{now:%Y/%m}/{instance.sha256[:2]}/{instance.sha256}.{extension}"


class Attachment(models.Model):
    """A photo (re-encoded on upload, EXIF removed) or a PDF document (rewritten without scripts
    and attachments) belonging to an appeal or to an answer."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("photo")
        DOCUMENT = "document", _("document")

    appeal = models.ForeignKey(
        Appeal, models.PROTECT, related_name="attachments", verbose_name=_("appeal")
    )
    answer = models.ForeignKey(
        "Answer",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("answer"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.PHOTO)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("original name"), max_length=255, blank=True)
    content_type = models.CharField(_("content type"), max_length=64, default="image/jpeg")
    size = models.PositiveIntegerField(_("size, bytes"))
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.original_name or self.file.name


class Answer(models.Model):
    """An executor's reply to an appeal; reviewed by an operator before the applicant sees it."""

    class ReworkReason(models.TextChoices):
        NO_ACTION = "no_action", _("no concrete action")
        NO_DATE = "no_date", _("no date or term")
        NO_EVIDENCE = "no_evidence", _("no evidence")
        OFF_POINT = "off_point", _("off the point of the appeal")
        LEGAL_REFERENCES = "legal_references", _("bare legal references")
        BOILERPLATE = "boilerplate", _("text reused verbatim across many appeals")
        CONTRADICTION = "contradiction", _("contradicts the appeal's state")
        OTHER = "other", _("other")

    class State(models.TextChoices):
        REVIEW = "review", _("under review")
        RETURNED = "returned", _("returned for rework")
        PUBLISHED = "published", _("published")

    appeal = models.ForeignKey(
        Appeal, models.PROTECT, related_name="answers", verbose_name=_("appeal")
    )
    organization = models.ForeignKey(
        "directory.Organization",
        models.PROTECT,
        related_name="answers",
        verbose_name=_("executor"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("text"))
    # The published text as the public sees it: personal data masked; NULL until computed.
    public_text = models.TextField(_("public text"), null=True, blank=True)  # noqa: DJ001
    resolution = models.CharField(
        _("proposed resolution"), max_length=24, choices=Resolution, default=Resolution.SOLVED
    )
    state = models.CharField(_("state"), max_length=16, choices=State, default=State.REVIEW)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    rework_reasons = models.JSONField(_("reasons for rework"), default=list, blank=True)
    is_formal_reply = models.BooleanField(_("flagged as a formal reply"), default=False)
    formal_reply_reasons = models.JSONField(_("formal reply reasons"), default=list, blank=True)
    formal_reply_score = models.FloatField(_("formal reply score"), default=0)
    # Hash of the normalised text: finds the same answer pasted under many appeals.
    fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    # Who answers for it, copied when it is published (answer_signature.py): what the applicant
    # was given stays as it was, whatever later happens to the staff or the directory.
    responsible_name = models.CharField(
        _("responsible person"), max_length=200, blank=True, default="", db_default=""
    )
    responsible_position = models.CharField(
        _("responsible person's position"), max_length=200, blank=True, default="", db_default=""
    )
    responsible_phone = models.CharField(
        _("phone to call back"), max_length=32, blank=True, default="", db_default=""
    )
    organization_name = models.CharField(
        _("organization's full name"), max_length=300, blank=True, default="", db_default=""
    )
    organization_phone = models.CharField(
        _("organization's phone"), max_length=32, blank=True, default="", db_default=""
    )

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["submitted_at", "pk"]
        indexes = [models.Index(fields=["state", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.appeal} — {self.get_state_display()}"


class Postponement(models.Model):
    """A request to move an appeal's deadline, and the operator's decision on it."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")

    appeal = models.ForeignKey(
        Appeal, models.PROTECT, related_name="postponements", verbose_name=_("appeal")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    previous_due_at = models.DateTimeField(_("deadline before"))
    requested_due_at = models.DateTimeField(_("requested deadline"))
    reason = models.TextField(_("reason"))
    state = models.CharField(_("decision"), max_length=16, choices=State, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True)
    is_repeated = models.BooleanField(
        _("repeated postponement"),
        default=False,
        help_text=_("Second or later postponement of the same appeal: always flagged."),
    )

    class Meta:
        verbose_name = _("postponement")
        verbose_name_plural = _("postponements")
        ordering = ["requested_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_due_at__gt=F("previous_due_at")),
                name="postponement_moves_forward",
            ),
            models.UniqueConstraint(
                fields=["appeal"],
                condition=Q(state="pending"),
                name="postponement_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appeal} → {self.requested_due_at:%d.%m.%Y}"


class Rating(models.Model):
    """The applicant's judgement of the answer: a 1–5 score and whether it is really solved."""

    appeal = models.ForeignKey(
        Appeal, models.PROTECT, related_name="ratings", verbose_name=_("appeal")
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        related_name="ratings",
        verbose_name=_("applicant"),
    )
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    is_solved = models.BooleanField(_("problem solved"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("rated at"), default=timezone.now)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="rating_score_range"
            ),
            models.UniqueConstraint(fields=["appeal", "applicant"], name="rating_once"),
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.appeal}: {self.score}"


class Support(models.Model):
    """«У меня та же проблема»: a resident joins an open appeal instead of filing a duplicate.
    Supporters are notified like the applicant; the count is public, the names are not."""

    appeal = models.ForeignKey(
        Appeal, models.PROTECT, related_name="supports", verbose_name=_("appeal")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="supports",
        verbose_name=_("resident"),
    )
    created_at = models.DateTimeField(_("supported at"), default=timezone.now)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(fields=["appeal", "user"], name="support_once"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal} + {self.user_id}"
