"""The directory: territories, executor bodies, categories, routing and the production calendar."""

from __future__ import annotations

import json
from functools import cached_property

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .address_keys import house_key, settlement_key, street_key


class Region(models.Model):
    """A constituent entity of the Russian Federation (субъект РФ) served by this deployment."""

    code = models.CharField(
        _("code"),
        max_length=2,
        unique=True,
        validators=[RegexValidator(r"^\d{2}$", _("Two digits, e.g. 48."))],
        help_text=_("Two-digit region code; the first part of every appeal number."),
    )
    name = models.CharField(_("name"), max_length=200)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Moscow")
    center_lat = models.FloatField(_("centre latitude"), null=True, blank=True)
    center_lon = models.FloatField(_("centre longitude"), null=True, blank=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """A city district or municipal district of a region."""

    class Kind(models.TextChoices):
        CITY_DISTRICT = "city_district", _("city district")
        MUNICIPAL_DISTRICT = "municipal_district", _("municipal district")
        MUNICIPAL_OKRUG = "municipal_okrug", _("municipal okrug")

    region = models.ForeignKey(
        Region, models.PROTECT, related_name="municipalities", verbose_name=_("region")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind, default=Kind.MUNICIPAL_DISTRICT)
    oktmo = models.CharField(
        _("OKTMO code"),
        max_length=11,
        unique=True,
        validators=[RegexValidator(r"^\d{8}(\d{3})?$", _("8 or 11 digits."))],
    )
    center_lat = models.FloatField(_("centre latitude"))
    center_lon = models.FloatField(_("centre longitude"))
    boundary = models.JSONField(
        _("boundary (GeoJSON)"),
        null=True,
        blank=True,
        help_text=_("A GeoJSON Polygon or MultiPolygon geometry in WGS 84."),
    )

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["region", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="municipality_unique_name"),
            models.CheckConstraint(
                condition=Q(center_lat__gte=-90, center_lat__lte=90)
                & Q(center_lon__gte=-180, center_lon__lte=180),
                name="municipality_center_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.boundary:
            from otklik.lib.geo import GeometryError, shape_from_geojson

            try:
                shape_from_geojson(self.boundary)
            except GeometryError as exc:
                raise ValidationError({"boundary": str(exc)}) from exc

    @cached_property
    def boundary_shape(self):
        from otklik.lib.geo import shape_from_geojson

        if not self.boundary:
            return None
        data = json.loads(self.boundary) if isinstance(self.boundary, str) else self.boundary
        return shape_from_geojson(data)


class Organization(models.Model):
    """An executor body: municipal department, management company, utility, road service…"""

    class Kind(models.TextChoices):
        ADMINISTRATION = "administration", _("municipal administration")
        DEPARTMENT = "department", _("department of an administration")
        ROAD_SERVICE = "road_service", _("road service")
        MANAGEMENT_COMPANY = "management_company", _("management company")
        UTILITY = "utility", _("utility")
        TRANSPORT = "transport", _("transport operator")
        HEALTH = "health", _("health care")
        EDUCATION = "education", _("education")
        SOCIAL = "social", _("social protection")
        REGIONAL_BODY = "regional_body", _("regional executive body")
        OTHER = "other", _("other")

    region = models.ForeignKey(
        Region, models.PROTECT, related_name="organizations", verbose_name=_("region")
    )
    municipality = models.ForeignKey(
        Municipality,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("municipality"),
        help_text=_("Empty for regional bodies."),
    )
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent organization"),
    )
    name = models.CharField(_("full official name"), max_length=300)
    short_name = models.CharField(_("short name"), max_length=120, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind, default=Kind.OTHER)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    # Who answers for the organization's replies when the author's own contacts are unknown.
    contact_name = models.CharField(
        _("contact person"), max_length=200, blank=True, default="", db_default=""
    )
    contact_position = models.CharField(
        _("contact person's position"), max_length=200, blank=True, default="", db_default=""
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]
        indexes = [models.Index(fields=["municipality", "kind"])]

    def __str__(self) -> str:
        return self.short_name or self.name


class Category(models.Model):
    """A topic of appeals (рубрика); children are subtopics. Carries the answer deadline."""

    class DeadlineUnit(models.TextChoices):
        CALENDAR = "calendar", _("calendar days")
        WORKING = "working", _("working days")

    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent category"),
    )
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    hint = models.CharField(
        _("hint for citizens"),
        max_length=500,
        blank=True,
        help_text=_("Shown when the category is chosen, e.g. «in case of danger call 112»."),
    )
    answer_days = models.PositiveSmallIntegerField(
        _("answer deadline, days"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    answer_days_unit = models.CharField(
        _("deadline counted in"), max_length=16, choices=DeadlineUnit, default=DeadlineUnit.CALENDAR
    )
    is_public = models.BooleanField(
        _("public"),
        default=True,
        help_text=_("Appeals of a private category never appear on the public map or list."),
    )
    needs_evidence = models.BooleanField(
        _("answer needs photo evidence"),
        default=True,
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(answer_days__gte=1) & Q(answer_days__lte=60),
                name="category_answer_days_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name

    @property
    def root(self) -> Category:
        return self.parent if self.parent_id else self


class CategoryAttribute(models.Model):
    """A question asked when filing an appeal of a category (Open311's service attributes)."""

    class DataType(models.TextChoices):
        STRING = "string", _("short text")
        NUMBER = "number", _("number")
        DATETIME = "datetime", _("date and time")
        TEXT = "text", _("long text")
        SINGLEVALUELIST = "singlevaluelist", _("one of a list")
        MULTIVALUELIST = "multivaluelist", _("several of a list")

    category = models.ForeignKey(
        Category, models.CASCADE, related_name="attributes", verbose_name=_("category")
    )
    code = models.SlugField(_("code"), max_length=64)
    description = models.CharField(_("question"), max_length=300)
    datatype = models.CharField(_("data type"), max_length=16, choices=DataType)
    datatype_description = models.CharField(_("hint"), max_length=300, blank=True)
    required = models.BooleanField(_("required"), default=False)
    variable = models.BooleanField(
        _("asks the citizen"),
        default=True,
        help_text=_("Off for text shown to the citizen that asks nothing."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    values = models.JSONField(
        _("values"),
        default=list,
        blank=True,
        help_text=_('For lists: [{"key": "…", "name": "…"}, …].'),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category attribute")
        verbose_name_plural = _("category attributes")
        ordering = ["category", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="category_attribute_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.description}"


class RoutingRule(models.Model):
    """Category × municipality → the executor organization an appeal is routed to."""

    category = models.ForeignKey(
        Category, models.CASCADE, related_name="routing_rules", verbose_name=_("category")
    )
    municipality = models.ForeignKey(
        Municipality,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="routing_rules",
        verbose_name=_("municipality"),
        help_text=_("Empty: any municipality."),
    )
    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="routing_rules", verbose_name=_("executor")
    )
    priority = models.IntegerField(_("priority"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["category", "municipality", "-priority"]
        indexes = [models.Index(fields=["category", "municipality"])]

    def __str__(self) -> str:
        where = self.municipality or _("any municipality")
        return f"{self.category} × {where} → {self.organization}"


class RejectionReason(models.Model):
    """A managed reason for rejecting an appeal at moderation; the applicant sees its text."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    public_text = models.TextField(_("text for the applicant"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("rejection reason")
        verbose_name_plural = _("rejection reasons")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AnswerTemplate(models.Model):
    """A managed starting text for an organization's answers (the executor edits it before
    sending: an unedited template reused across appeals is flagged as a formal reply)."""

    organization = models.ForeignKey(
        Organization,
        models.CASCADE,
        related_name="answer_templates",
        verbose_name=_("organization"),
    )
    category = models.ForeignKey(
        Category,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
        help_text=_("Offered first for appeals of this category; empty: for any."),
    )
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("answer template")
        verbose_name_plural = _("answer templates")
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title


class CalendarDay(models.Model):
    """One exception to the ordinary week in the production calendar.

    Rows come from the `holidays` package (source «holidays») and from administrators
    (source «manual»), who can add moved days off, working Saturdays, shortened days and regional
    holidays. A manual row for a date wins over an imported one.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("public holiday")
        DAY_OFF = "day_off", _("moved day off")
        WORKING = "working", _("working day on a weekend")
        SHORTENED = "shortened", _("shortened working day")

    class Source(models.TextChoices):
        HOLIDAYS = "holidays", _("imported")
        MANUAL = "manual", _("manual")

    date = models.DateField(_("date"))
    region = models.ForeignKey(
        Region,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_days",
        verbose_name=_("region"),
        help_text=_("Empty: the whole country."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    name = models.CharField(_("name"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source, default=Source.MANUAL)

    class Meta:
        verbose_name = _("production calendar day")
        verbose_name_plural = _("production calendar")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "source"],
                condition=Q(region__isnull=True),
                name="calendar_day_unique_national",
            ),
            models.UniqueConstraint(
                fields=["date", "region", "source"],
                condition=Q(region__isnull=False),
                name="calendar_day_unique_regional",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} — {self.get_kind_display()}"


class Street(models.Model):
    """A street of the region's address register (ФИАС/ГАР or the demo's own) in a settlement.

    `search_key` and `settlement_key` hold the normalised words (directory/address_keys.py), each
    after a space, so that a word prefix is a plain substring match on SQLite and PostgreSQL.
    """

    region = models.ForeignKey(
        Region, models.CASCADE, related_name="streets", verbose_name=_("region")
    )
    municipality = models.ForeignKey(
        Municipality, models.CASCADE, related_name="streets", verbose_name=_("municipality")
    )
    settlement = models.CharField(_("settlement"), max_length=200, help_text=_("E.g. «г. Липецк»."))
    name = models.CharField(_("street"), max_length=200, help_text=_("E.g. «ул. Московская»."))
    search_key = models.CharField(_("search key"), max_length=300, editable=False)
    settlement_key = models.CharField(_("settlement key"), max_length=300, editable=False)
    center_lat = models.FloatField(_("centre latitude"), null=True, blank=True)
    center_lon = models.FloatField(_("centre longitude"), null=True, blank=True)
    fias_id = models.CharField(_("FIAS id"), max_length=36, blank=True)

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        ordering = ["settlement", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "settlement", "name"], name="street_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.settlement}"

    def save(self, *args, **kwargs):
        self.search_key = street_key(self.name)
        self.settlement_key = settlement_key(self.settlement)
        kwargs = _with_keys(kwargs, "search_key", "settlement_key")
        super().save(*args, **kwargs)


class House(models.Model):
    """A building of the address register: its number on the street and its point."""

    street = models.ForeignKey(
        Street, models.CASCADE, related_name="houses", verbose_name=_("street")
    )
    number = models.CharField(_("house"), max_length=40, help_text=_("E.g. «12А», «5, корп. 2»."))
    number_key = models.CharField(_("house key"), max_length=40, editable=False)
    latitude = models.FloatField(
        _("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    fias_id = models.CharField(_("FIAS id"), max_length=36, blank=True)

    class Meta:
        verbose_name = _("house")
        verbose_name_plural = _("houses")
        ordering = ["street", "number_key"]
        constraints = [
            models.UniqueConstraint(fields=["street", "number_key"], name="house_unique_number"),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="house_point_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.street.name}, д. {self.number}"

    def save(self, *args, **kwargs):
        self.number_key = house_key(self.number)
        super().save(*args, **_with_keys(kwargs, "number_key"))


def _with_keys(kwargs: dict, *keys: str) -> dict:
    """`update_fields` that also saves the derived keys when their source may have changed."""
    if kwargs.get("update_fields") is not None:
        kwargs["update_fields"] = {*kwargs["update_fields"], *keys}
    return kwargs
