"""Trained text models of a region: what was trained, on what, how well it did, which is in use.

The weights themselves are files in private storage (never under MEDIA_URL); a row records
their checksum, so a replaced or truncated file is refused instead of suggesting nonsense.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ModelKind(models.TextChoices):
    CATEGORY = "category", _("category prediction")
    EXECUTOR = "executor", _("executor prediction")
    FORMAL_REPLY = "formal_reply", _("formal-reply check")
    DUPLICATES = "duplicates", _("duplicate search")


class TrainedModel(models.Model):
    """One version of one kind of model, with the evaluation on its held-out slice.

    ``metrics`` holds the figures of the evaluation (e.g. macro_f1, accuracy, top3_accuracy,
    precision, recall, threshold) and ``per_label`` the same per category or organization.
    Exactly one version per region and kind is active; activating another is a service call.
    """

    region = models.ForeignKey(
        "directory.Region",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="trained_models",
        verbose_name=_("region"),
        help_text=_("Empty for models trained on outside data (a labelled CSV)."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ModelKind)
    version = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(_("trained at"), default=timezone.now)
    source = models.CharField(
        _("trained on"),
        max_length=300,
        blank=True,
        help_text=_("The history of the region, or the name of the labelled file."),
    )
    trained_from = models.DateTimeField(_("training slice from"), null=True, blank=True)
    trained_to = models.DateTimeField(_("training slice to"), null=True, blank=True)
    tested_to = models.DateTimeField(_("test slice to"), null=True, blank=True)
    train_size = models.PositiveIntegerField(_("training examples"), default=0)
    test_size = models.PositiveIntegerField(_("test examples"), default=0)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    metrics = models.JSONField(_("evaluation"), default=dict, blank=True)
    per_label = models.JSONField(_("evaluation per label"), default=dict, blank=True)
    artefact = models.CharField(
        _("weights file"),
        max_length=300,
        blank=True,
        help_text=_("Path inside the private model storage."),
    )
    sha256 = models.CharField(_("SHA-256 of the weights"), max_length=64, blank=True)
    is_active = models.BooleanField(_("in use"), default=False)

    class Meta:
        verbose_name = _("trained model")
        verbose_name_plural = _("trained models")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "kind", "version"], name="trained_model_version"
            ),
            models.UniqueConstraint(
                fields=["region", "kind"],
                condition=Q(is_active=True),
                name="trained_model_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class RegionIntelligence(models.Model):
    """What the administrator of a region allows the models to do on their own."""

    region = models.OneToOneField(
        "directory.Region",
        models.CASCADE,
        related_name="intelligence",
        verbose_name=_("region"),
    )
    auto_route = models.BooleanField(
        _("route confident appeals automatically"),
        default=False,
        help_text=_(
            "When on, an appeal whose category and executor are both predicted with at least "
            "the threshold's confidence is registered without waiting for an operator."
        ),
    )
    auto_route_threshold = models.FloatField(
        _("confidence threshold"),
        default=0.9,
        validators=[MinValueValidator(0.5), MaxValueValidator(1.0)],
    )
    retrain_every_days = models.PositiveSmallIntegerField(
        _("retrain every (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )

    class Meta:
        verbose_name = _("text analysis settings")
        verbose_name_plural = _("text analysis settings")

    def __str__(self) -> str:
        return str(self.region)
