"""Inspections: season rules, field teams, the day's inspection points and the teams' plans."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MONTH = [MinValueValidator(1), MaxValueValidator(12)]
DAY_OF_MONTH = [MinValueValidator(1), MaxValueValidator(31)]


class SeasonRule(models.Model):
    """The season that breaks what was fixed: while it lasts, places of a category (and its
    subtopics) where work was closed in the last months are worth a look."""

    name = models.CharField(
        _("name"), max_length=200, help_text=_("Shown in the reason, e.g. «после оттепели».")
    )
    category = models.ForeignKey(
        "directory.Category",
        models.CASCADE,
        related_name="+",
        verbose_name=_("category"),
        help_text=_("A topic group applies to all its topics."),
    )
    start_month = models.PositiveSmallIntegerField(_("from month"), validators=MONTH)
    start_day = models.PositiveSmallIntegerField(_("from day"), default=1, validators=DAY_OF_MONTH)
    end_month = models.PositiveSmallIntegerField(_("to month"), validators=MONTH)
    end_day = models.PositiveSmallIntegerField(_("to day"), default=31, validators=DAY_OF_MONTH)
    lookback_days = models.PositiveSmallIntegerField(
        _("work closed within, days"),
        default=365,
        validators=[MinValueValidator(7), MaxValueValidator(730)],
    )
    weight = models.FloatField(
        _("weight"), default=1.5, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("season rule")
        verbose_name_plural = _("season rules")
        ordering = ["start_month", "start_day", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_month__gte=1, start_month__lte=12)
                & Q(end_month__gte=1, end_month__lte=12),
                name="seasonrule_months_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        for month, day, field in (
            (self.start_month, self.start_day, "start_day"),
            (self.end_month, self.end_day, "end_day"),
        ):
            try:
                date(2024, month or 1, day or 1)  # a leap year: 29 February is allowed
            except ValueError as exc:
                raise ValidationError({field: _("No such day in that month.")}) from exc

    def is_active_on(self, day: date) -> bool:
        """Whether `day` falls in the window (which may run across the new year)."""
        if not self.is_active:
            return False
        start, end, at = (
            (self.start_month, self.start_day),
            (self.end_month, self.end_day),
            (day.month, day.day),
        )
        return start <= at <= end if start <= end else at >= start or at <= end


class FieldTeam(models.Model):
    """A field team (мобильная бригада) of an organization: where its day starts and ends."""

    organization = models.ForeignKey(
        "directory.Organization",
        models.PROTECT,
        related_name="field_teams",
        verbose_name=_("organization"),
    )
    municipality = models.ForeignKey(
        "directory.Municipality",
        models.PROTECT,
        related_name="field_teams",
        verbose_name=_("municipality"),
    )
    name = models.CharField(_("name"), max_length=120)
    base_address = models.CharField(_("base address"), max_length=300, blank=True)
    base_lat = models.FloatField(_("base latitude"))
    base_lon = models.FloatField(_("base longitude"))
    shift_start = models.TimeField(_("shift starts"), default="08:00")
    shift_end = models.TimeField(_("shift ends"), default="17:00")
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="field_teams", blank=True, verbose_name=_("members")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("field team")
        verbose_name_plural = _("field teams")
        ordering = ["organization", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="fieldteam_unique_name"),
            models.CheckConstraint(
                condition=Q(shift_end__gt=models.F("shift_start")), name="fieldteam_shift_valid"
            ),
            models.CheckConstraint(
                condition=Q(base_lat__gte=-90, base_lat__lte=90)
                & Q(base_lon__gte=-180, base_lon__lte=180),
                name="fieldteam_base_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PointProposal(models.Model):
    """One run of the proposal for a municipality and day: what the daily job has done."""

    municipality = models.ForeignKey(
        "directory.Municipality", models.CASCADE, related_name="+", verbose_name=_("municipality")
    )
    day = models.DateField(_("day"))
    made_at = models.DateTimeField(_("made at"), default=timezone.now)
    candidates = models.PositiveIntegerField(_("candidates"), default=0)
    points = models.PositiveIntegerField(_("points"), default=0)

    class Meta:
        verbose_name = _("point proposal")
        verbose_name_plural = _("point proposals")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "day"], name="pointproposal_once"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.day}"


class InspectionPoint(models.Model):
    """A place a field team should look at on a day, with the reasons it was proposed.

    `reasons` is a list of {code, text (Russian), weight, appeal_ids, incident_id,
    instruction_id}; `score` is the sum of the weights. Both are kept as they were when the
    point was proposed, so that a plan can be explained later."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        PLANNED = "planned", _("planned")
        CHECKED_FOUND = "checked_found", _("checked: problem found")
        CHECKED_OK = "checked_ok", _("checked: all right")
        NO_ACCESS = "no_access", _("no access")
        DROPPED = "dropped", _("dropped from the plan")

    municipality = models.ForeignKey(
        "directory.Municipality",
        models.CASCADE,
        related_name="inspection_points",
        verbose_name=_("municipality"),
    )
    day = models.DateField(_("day"))
    # What the point was built around ("appeal:12", "incident:3"…): re-proposing the same day
    # updates the same row instead of adding another.
    key = models.CharField(max_length=64)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    address = models.CharField(_("address"), max_length=500, blank=True)
    score = models.FloatField(_("score"), default=0)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    sources = models.JSONField(_("sources"), default=dict, blank=True)
    category_ids = models.JSONField(_("categories"), default=list, blank=True)
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    service_minutes = models.PositiveSmallIntegerField(
        _("minutes on site"), default=15, validators=[MinValueValidator(1), MaxValueValidator(480)]
    )
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.PROPOSED)
    result_appeal = models.ForeignKey(
        "appeals.Appeal",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resulting appeal"),
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checked by"),
    )
    created_at = models.DateTimeField(_("proposed at"), default=timezone.now)

    class Meta:
        verbose_name = _("inspection point")
        verbose_name_plural = _("inspection points")
        ordering = ["day", "-score", "pk"]
        indexes = [models.Index(fields=["municipality", "day", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "day", "key"], name="inspectionpoint_unique_key"
            ),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="inspectionpoint_point_valid",
            ),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True)
                | Q(closes_at__isnull=True)
                | Q(closes_at__gt=models.F("opens_at")),
                name="inspectionpoint_hours_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.address or f"{self.latitude:.5f}, {self.longitude:.5f}"


class InspectionPlan(models.Model):
    """The day's routes of an organization's field teams, with the figures of the solve."""

    organization = models.ForeignKey(
        "directory.Organization",
        models.PROTECT,
        related_name="inspection_plans",
        verbose_name=_("organization"),
    )
    day = models.DateField(_("day"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("re-planned at"), default=timezone.now)
    # Inputs of the solve: teams, time limit, distance source, pinned points, detour factor…
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    total_km = models.FloatField(_("total distance, km"), default=0)
    total_minutes = models.PositiveIntegerField(_("total time, minutes"), default=0)
    visited_count = models.PositiveIntegerField(_("points on routes"), default=0)
    dropped_count = models.PositiveIntegerField(_("points dropped"), default=0)
    solve_seconds = models.FloatField(_("solver time, s"), default=0)

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["-day", "organization"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "day"], name="inspectionplan_once"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.day}"


class PlanStop(models.Model):
    """A point in a plan: on a team's route at a position and time, or dropped with a reason."""

    class DropReason(models.TextChoices):
        CAPACITY = "capacity", _("no time left in the shifts for a point of this priority")
        HOURS = "hours", _("its working hours do not fit any team's shift")

    plan = models.ForeignKey(
        InspectionPlan, models.CASCADE, related_name="stops", verbose_name=_("plan")
    )
    point = models.ForeignKey(
        InspectionPoint, models.CASCADE, related_name="stops", verbose_name=_("point")
    )
    team = models.ForeignKey(
        FieldTeam,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="stops",
        verbose_name=_("team"),
    )
    sequence = models.PositiveSmallIntegerField(_("order"), null=True, blank=True)
    eta = models.DateTimeField(_("arrival"), null=True, blank=True)
    leave_at = models.DateTimeField(_("departure"), null=True, blank=True)
    travel_km = models.FloatField(_("from the previous stop, km"), default=0)
    pinned = models.BooleanField(_("team chosen by the supervisor"), default=False)
    drop_reason = models.CharField(
        _("why dropped"), max_length=16, choices=DropReason, blank=True, default=""
    )

    class Meta:
        verbose_name = _("plan stop")
        verbose_name_plural = _("plan stops")
        ordering = ["plan", "team", "sequence", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "point"], name="planstop_once"),
            models.CheckConstraint(
                condition=(Q(team__isnull=False) & Q(sequence__isnull=False) & Q(drop_reason=""))
                | (Q(team__isnull=True) & Q(sequence__isnull=True) & ~Q(drop_reason="")),
                name="planstop_routed_or_dropped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.point_id}"

    @property
    def is_dropped(self) -> bool:
        return self.team_id is None


def visit_photo_path(instance: VisitPhoto, filename: str) -> str:
    now = timezone.now()
    return f"inspections/{now:%Y/%m}/{instance.sha256[:2]}/{instance.sha256}.jpg"


class InspectionVisit(models.Model):
    """What a field team found at a point: a problem (filed as an appeal of the channel
    «inspection»), all in order (with a photo), or no access (with the reason). Each report
    carries the key its device made, so a report sent twice is recorded once; the row keeps
    who recorded it, when, and the point's status before and after."""

    class Outcome(models.TextChoices):
        FOUND = "found", _("problem found")
        OK = "ok", _("all in order")
        NO_ACCESS = "no_access", _("no access")

    point = models.ForeignKey(
        InspectionPoint, models.CASCADE, related_name="visits", verbose_name=_("point")
    )
    team = models.ForeignKey(
        FieldTeam,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("team"),
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome)
    note = models.TextField(_("note"), blank=True)
    appeal = models.ForeignKey(
        "appeals.Appeal",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("appeal"),
    )
    idempotency_key = models.UUIDField(_("idempotency key"), unique=True)
    from_status = models.CharField(_("status before"), max_length=16, blank=True)
    to_status = models.CharField(_("status after"), max_length=16)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("inspection visit")
        verbose_name_plural = _("inspection visits")
        ordering = ["point", "recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.point_id}: {self.outcome}"


class VisitPhoto(models.Model):
    """A photo of a visit (re-encoded like an appeal's photos, EXIF removed)."""

    visit = models.ForeignKey(
        InspectionVisit, models.CASCADE, related_name="photos", verbose_name=_("visit")
    )
    file = models.FileField(_("file"), upload_to=visit_photo_path, max_length=255)
    size = models.PositiveIntegerField(_("size"), default=0)
    width = models.PositiveIntegerField(_("width"), null=True)
    height = models.PositiveIntegerField(_("height"), null=True)
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")

    def __str__(self) -> str:
        return self.sha256[:12]
