"""Rollup tables of the KPIs (../docs/kpi.md): daily sums per unit, kept current by the
lifecycle events and rebuildable from the history.

Every figure of KPI.md is a sum of these counters over the days of a period, read at one of four
grains: the region, a municipality, an organization, or the fine grain (municipality ×
organization × category) for any other scope. A unit key of 0 means "all" at a coarse grain and
"none" at the fine grain (an appeal with no executor yet)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# The counters of one day and unit, in the order the upsert writes them.
MEASURES = (
    "received",  # registered that day
    "repeats",  # … of them repeat appeals
    "proactive",  # … of them from the field and social channels
    "rejected",  # rejected (moderation figure), by the day the appeal came in
    "due",  # answer deadline that day
    "due_late",  # … answered after the deadline
    "due_open",  # … not answered yet (overdue once the day is over)
    "postponed",  # … with at least one approved postponement
    "postponed_twice",  # … with two or more
    "answered",  # first answer published that day
    "answer_days",  # … sum of calendar days since registration
    "answer_workdays",  # … sum of working days since registration
    "closed",  # closed that day
    "durability_failures",  # … followed within 90 days by an appeal of its category within 100 m
    "answers_submitted",  # answers submitted for review that day
    "answers_returned",  # … of them returned for rework
    "answers_formal",  # … of them flagged by the formal-reply check
    "ratings",  # ratings given that day
    "ratings_good",  # … of 4 or 5
    "verifications",  # control calls and questionnaires completed that day
    "verified_solved",  # … where the applicant confirms the problem is solved
    "instructions_due",  # instructions due that day (not cancelled)
    "instructions_on_time",  # … completed (or reported) by the deadline
    "instructions_open",  # … neither completed nor reported yet
    "first_reports",  # registered that day, the first report of a problem (no earlier appeal of
    # its category within 100 m and 30 days)
    "first_reports_proactive",  # … of them from the field, inspection and social channels
    "points_checked",  # inspection points checked that day (found or all right; not no-access)
    "points_found",  # … where the team found a problem
)


class Grain(models.IntegerChoices):
    FINE = 0, _("municipality × organization × category")
    MUNICIPALITY = 1, _("municipality")
    ORGANIZATION = 2, _("organization")
    REGION = 3, _("region")
    CATEGORY = 4, _("category")


class KpiDay(models.Model):
    grain = models.PositiveSmallIntegerField(choices=Grain)
    region = models.ForeignKey("directory.Region", models.CASCADE, related_name="+")
    day = models.DateField()
    municipality = models.PositiveIntegerField(default=0)
    organization = models.PositiveIntegerField(default=0)
    category = models.PositiveIntegerField(default=0)

    received = models.IntegerField(default=0)
    repeats = models.IntegerField(default=0)
    proactive = models.IntegerField(default=0)
    rejected = models.IntegerField(default=0)
    due = models.IntegerField(default=0)
    due_late = models.IntegerField(default=0)
    due_open = models.IntegerField(default=0)
    postponed = models.IntegerField(default=0)
    postponed_twice = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    answer_days = models.BigIntegerField(default=0)
    answer_workdays = models.BigIntegerField(default=0)
    closed = models.IntegerField(default=0)
    durability_failures = models.IntegerField(default=0)
    answers_submitted = models.IntegerField(default=0)
    answers_returned = models.IntegerField(default=0)
    answers_formal = models.IntegerField(default=0)
    ratings = models.IntegerField(default=0)
    ratings_good = models.IntegerField(default=0)
    verifications = models.IntegerField(default=0)
    verified_solved = models.IntegerField(default=0)
    instructions_due = models.IntegerField(default=0)
    instructions_on_time = models.IntegerField(default=0)
    instructions_open = models.IntegerField(default=0)
    first_reports = models.IntegerField(default=0)
    first_reports_proactive = models.IntegerField(default=0)
    points_checked = models.IntegerField(default=0)
    points_found = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("KPI rollup day")
        verbose_name_plural = _("KPI rollup days")
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "region", "day", "municipality", "organization", "category"],
                name="kpiday_key",
            )
        ]
        indexes = [
            models.Index(fields=["grain", "region", "municipality", "day"], name="kpiday_mun"),
            models.Index(fields=["grain", "region", "organization", "day"], name="kpiday_org"),
            models.Index(fields=["grain", "region", "category", "day"], name="kpiday_cat"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.grain}:{self.municipality}/{self.organization}/{self.category}"


class KpiAnswerTime(models.Model):
    """How many first answers of a day took `days` (calendar or working) since registration:
    the histogram the median is read from."""

    grain = models.PositiveSmallIntegerField(choices=Grain)
    region = models.ForeignKey("directory.Region", models.CASCADE, related_name="+")
    day = models.DateField()
    municipality = models.PositiveIntegerField(default=0)
    organization = models.PositiveIntegerField(default=0)
    category = models.PositiveIntegerField(default=0)
    working = models.BooleanField()
    days = models.IntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("answer time rollup")
        verbose_name_plural = _("answer time rollups")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "grain",
                    "region",
                    "day",
                    "municipality",
                    "organization",
                    "category",
                    "working",
                    "days",
                ],
                name="kpianswertime_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.grain}: {self.days} ({self.working}) × {self.count}"


class RollupState(models.Model):
    """What one appeal, instruction or inspection point currently adds to the rollups, so that a
    change adds the difference (new − old) and nothing is counted twice."""

    class Subject(models.TextChoices):
        APPEAL = "appeal", _("appeal")
        INSTRUCTION = "instruction", _("instruction")
        POINT = "point", _("inspection point")

    subject = models.CharField(max_length=16, choices=Subject)
    object_id = models.BigIntegerField()
    region = models.ForeignKey("directory.Region", models.CASCADE, related_name="+")
    contribution = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subject", "object_id"], name="rollupstate_key")
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.object_id}"


class RankingSettings(models.Model):
    """The composite index of a region's rankings: weights of the KPIs and the minimum number of
    appeals for a unit to be ranked (KPI.md). Defaults in analytics.ranking.DEFAULT_WEIGHTS."""

    region = models.OneToOneField(
        "directory.Region", models.CASCADE, related_name="ranking_settings"
    )
    weights = models.JSONField(_("weights"), default=dict, blank=True)
    minimum_appeals = models.PositiveIntegerField(_("minimum appeals to be ranked"), default=30)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("ranking settings")
        verbose_name_plural = _("ranking settings")

    def __str__(self) -> str:
        return str(self.region)


class WeeklyForecast(models.Model):
    """The appeals expected in one week for a topic group (root category) in a municipality,
    or in the whole region when `municipality` is empty, with the 80 % interval: made once,
    before the week, by analytics.forecast and never changed after the week has begun."""

    region = models.ForeignKey("directory.Region", models.CASCADE, related_name="+")
    municipality = models.ForeignKey(
        "directory.Municipality",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("municipality"),
    )
    group = models.ForeignKey(
        "directory.Category", models.CASCADE, related_name="+", verbose_name=_("topic group")
    )
    week = models.DateField(_("week (Monday)"))
    made_at = models.DateTimeField(_("made at"))
    expected = models.FloatField(_("expected appeals"))
    low = models.PositiveIntegerField(_("interval low"))
    high = models.PositiveIntegerField(_("interval high"))
    # The distribution's median: the point «точность прогноза» (MASE) is measured on.
    median = models.PositiveIntegerField(_("median"), null=True, blank=True)
    # The MASE denominator, from the history the forecast was made on.
    scale = models.FloatField(_("error scale"), default=0)
    model_version = models.CharField(_("model version"), max_length=32)

    class Meta:
        verbose_name = _("weekly forecast")
        verbose_name_plural = _("weekly forecasts")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "municipality", "group", "week"],
                condition=models.Q(municipality__isnull=False),
                name="weeklyforecast_municipality_key",
            ),
            models.UniqueConstraint(
                fields=["region", "group", "week"],
                condition=models.Q(municipality__isnull=True),
                name="weeklyforecast_region_key",
            ),
            models.CheckConstraint(
                condition=models.Q(low__lte=models.F("high")), name="weeklyforecast_interval"
            ),
        ]
        indexes = [models.Index(fields=["region", "week"], name="weeklyforecast_week")]

    def __str__(self) -> str:
        return f"{self.week} {self.group_id}/{self.municipality_id or '*'}: {self.expected}"
