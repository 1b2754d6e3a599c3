"""Mass incidents (clusters of appeals about one place and topic) and external signals.

Writes go through `services.py` (incidents and alerts) and `external.py` (external signals);
`clustering.py` holds the pure geometry and rules. Appeals link to incidents only through
`IncidentAppeal`: the appeal itself knows nothing about them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Role

# Roles that see the incidents of a territory (region or municipality).
TERRITORY_ROLES = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.LEADERSHIP, Role.ADMIN})


class ClusterRule(models.Model):
    """How appeals of one category gather into incidents; categories without a rule (and whose
    parent has none) use the defaults of `clustering.DEFAULT_RULE`."""

    category = models.OneToOneField(
        "directory.Category",
        models.CASCADE,
        related_name="cluster_rule",
        verbose_name=_("category"),
    )
    radius_m = models.PositiveIntegerField(
        _("radius, metres"),
        default=500,
        validators=[MinValueValidator(50), MaxValueValidator(5000)],
        help_text=_("An appeal joins an incident whose centre is at most this far away."),
    )
    window_hours = models.PositiveIntegerField(
        _("time window, hours"),
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text=_("An incident takes new appeals while its last one is at most this old."),
    )
    min_appeals = models.PositiveSmallIntegerField(
        _("appeals to form an incident"),
        default=3,
        validators=[MinValueValidator(2), MaxValueValidator(100)],
    )
    whole_group = models.BooleanField(
        _("gather the whole group"),
        default=False,
        help_text=_(
            "On a parent category: appeals of all its subcategories gather into one incident."
        ),
    )

    class Meta:
        verbose_name = _("clustering rule")
        verbose_name_plural = _("clustering rules")

    def __str__(self) -> str:
        return str(self.category)


class IncidentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(state=Incident.State.ACTIVE)

    def visible_to(self, user):
        """Incidents of the user's territories; an executor (or an organization's supervisor)
        sees the incidents holding appeals of their organization."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        q = Q(pk__in=[])
        organizations: set[int] = set()
        for m in user.memberships.all():
            if m.role == Role.EXECUTOR or (m.role == Role.SUPERVISOR and m.organization_id):
                organizations.add(m.organization_id)
            elif m.role not in TERRITORY_ROLES:
                continue
            elif m.region_id:
                q |= Q(region_id=m.region_id)
            elif m.municipality_id:
                q |= Q(municipality_id=m.municipality_id)
        if organizations:
            q |= Q(
                pk__in=IncidentAppeal.objects.filter(appeal__executor_id__in=organizations).values(
                    "incident_id"
                )
            )
        return self.filter(q)


class Incident(models.Model):
    """A problem seen by many: appeals of one topic about one place within a short time."""

    class State(models.TextChoices):
        ACTIVE = "active", _("active")
        CLOSED = "closed", _("closed")
        MERGED = "merged", _("merged into another")

    region = models.ForeignKey(
        "directory.Region", models.PROTECT, related_name="incidents", verbose_name=_("region")
    )
    municipality = models.ForeignKey(
        "directory.Municipality",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("municipality"),
    )
    category = models.ForeignKey(
        "directory.Category",
        models.PROTECT,
        related_name="incidents",
        verbose_name=_("category"),
        help_text=_("The category, or the topic group when the whole group gathers together."),
    )
    title = models.CharField(_("title"), max_length=300)
    title_is_custom = models.BooleanField(_("renamed by staff"), default=False)
    state = models.CharField(_("state"), max_length=16, choices=State, default=State.ACTIVE)
    merged_into = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="absorbed",
        verbose_name=_("merged into"),
    )
    center_lat = models.FloatField(_("centre latitude"))
    center_lon = models.FloatField(_("centre longitude"))
    radius_m = models.FloatField(_("radius, metres"), default=0)
    first_appeal_at = models.DateTimeField(_("first appeal at"))
    last_appeal_at = models.DateTimeField(_("last appeal at"))
    appeal_count = models.PositiveIntegerField(_("appeals"), default=0)
    address_count = models.PositiveIntegerField(_("addresses"), default=0)
    created_at = models.DateTimeField(_("detected at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-last_appeal_at", "-pk"]
        indexes = [
            # The lookup of every new appeal: active incidents of a category, recent ones.
            models.Index(fields=["category", "state", "last_appeal_at"]),
            models.Index(fields=["region", "state", "last_appeal_at"]),
            models.Index(fields=["municipality", "state"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_appeal_at__gte=models.F("first_appeal_at")),
                name="incident_times_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(state="merged") | Q(merged_into__isnull=False),
                name="incident_merged_has_target",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class IncidentAppeal(models.Model):
    """An appeal's membership of an incident (an appeal belongs to at most one)."""

    incident = models.ForeignKey(
        Incident, models.CASCADE, related_name="members", verbose_name=_("incident")
    )
    appeal = models.OneToOneField(
        "appeals.Appeal",
        models.CASCADE,
        related_name="incident_membership",
        verbose_name=_("appeal"),
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        verbose_name = _("appeal of an incident")
        verbose_name_plural = _("appeals of incidents")
        indexes = [models.Index(fields=["incident", "added_at"])]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.appeal_id}"


class IncidentAlert(models.Model):
    """A fast-growth alert sent to the region's operators and supervisors: one per step."""

    class Reason(models.TextChoices):
        BURST = "burst", _("many appeals within an hour")
        DOUBLING = "doubling", _("doubled within a few hours")

    incident = models.ForeignKey(
        Incident, models.CASCADE, related_name="alerts", verbose_name=_("incident")
    )
    step = models.PositiveSmallIntegerField(_("growth step"))
    reason = models.CharField(_("reason"), max_length=16, choices=Reason)
    appeal_count = models.PositiveIntegerField(_("appeals at the time"))
    recent_count = models.PositiveIntegerField(_("appeals in the last hour"))
    recipients = models.PositiveIntegerField(_("people notified"), default=0)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("incident alert")
        verbose_name_plural = _("incident alerts")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "step"], name="incident_alert_once"),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} #{self.step}"


class SignalToken(models.Model):
    """A key with which a monitoring tool posts external signals of one region to the API.
    Only the SHA-256 of the key is stored; `manage.py signal_token` prints a new key once."""

    region = models.ForeignKey(
        "directory.Region", models.CASCADE, related_name="+", verbose_name=_("region")
    )
    name = models.CharField(_("name"), max_length=200)
    token_hash = models.CharField(max_length=64, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signal API key")
        verbose_name_plural = _("signal API keys")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ExternalSignal(models.Model):
    """A post from a social network or a monitoring tool about a problem: proactive work."""

    class State(models.TextChoices):
        NEW = "new", _("new")
        LINKED = "linked", _("linked to an incident")
        APPEAL_CREATED = "appeal_created", _("appeal created")
        DISMISSED = "dismissed", _("dismissed")

    region = models.ForeignKey(
        "directory.Region", models.PROTECT, related_name="+", verbose_name=_("region")
    )
    municipality = models.ForeignKey(
        "directory.Municipality",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("municipality"),
    )
    source = models.CharField(_("source"), max_length=32)
    external_id = models.CharField(_("external id"), max_length=120)
    text = models.TextField(_("text"))
    address = models.CharField(_("address"), max_length=500, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    posted_at = models.DateTimeField(_("posted at"))
    url = models.URLField(_("link"), max_length=500, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State, default=State.NEW)
    predicted_category = models.ForeignKey(
        "directory.Category",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("predicted category"),
    )
    prediction_confidence = models.FloatField(_("confidence"), null=True, blank=True)
    incident = models.ForeignKey(
        Incident,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="signals",
        verbose_name=_("incident"),
    )
    appeal = models.ForeignKey(
        "appeals.Appeal",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("appeal"),
    )
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    dismiss_reason = models.CharField(_("reason for dismissal"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("external signal")
        verbose_name_plural = _("external signals")
        ordering = ["-posted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="signal_unique_id"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="signal_point_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "state", "posted_at"]),
            models.Index(fields=["latitude", "longitude"]),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.NEW, self.State.LINKED)
