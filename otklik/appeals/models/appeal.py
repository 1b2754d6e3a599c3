"""The appeal itself: its channel, who may see it (`scope_q`, `visible_to`) and its fields."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Role

from ..workflow import FINISHED_STATUSES, OPEN_STATUSES, Resolution, Status


class Channel(models.TextChoices):
    PORTAL = "portal", _("portal")
    API = "api", _("API")
    PHONE = "phone", _("phone (entered by staff)")
    FIELD = "field", _("field team")
    SOCIAL = "social", _("social networks")
    INSPECTION = "inspection", _("inspection")
    IMPORT = "import", _("import")


PROACTIVE_CHANNELS = frozenset({Channel.FIELD, Channel.SOCIAL, Channel.INSPECTION})

# Roles that see appeals of a territory (region or municipality) or of an organization.
TERRITORY_ROLES = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.LEADERSHIP, Role.ADMIN})


def organization_and_descendants(organization_ids: set[int]) -> set[int]:
    from otklik.directory.models import Organization

    found, frontier = set(organization_ids), set(organization_ids)
    while frontier:
        frontier = (
            set(Organization.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            - found
        )
        found |= frontier
    return found


def scope_q(user, roles: frozenset[str] | set[str]) -> Q:
    """Appeals within the scopes where `user` holds one of `roles` (an always-false Q if none)."""
    q = Q(pk__in=[])
    if not user.is_authenticated or not user.is_active:
        return q
    if user.is_superuser:
        return Q()
    supervised_orgs: set[int] = set()
    for m in user.memberships.all():
        if m.role not in roles:
            continue
        if m.role == Role.EXECUTOR:
            q |= Q(executor_id=m.organization_id)
        elif m.role == Role.FIELD:
            # A monitoring team member follows what they reported, nothing else.
            q |= Q(created_by=user)
        elif m.role == Role.CALLER:
            territory = (
                Q(region_id=m.region_id) if m.region_id else Q(municipality_id=m.municipality_id)
            )
            q |= territory & Q(status__in=[Status.ANSWERED, Status.CLOSED])
        elif m.region_id:
            q |= Q(region_id=m.region_id)
        elif m.municipality_id:
            q |= Q(municipality_id=m.municipality_id)
        elif m.organization_id:
            supervised_orgs.add(m.organization_id)
    if supervised_orgs:
        q |= Q(executor_id__in=organization_and_descendants(supervised_orgs))
    return q


class AppealQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def finished(self):
        return self.filter(status__in=FINISHED_STATUSES)

    def overdue(self, now: datetime):
        """Unanswered past the deadline, or answered after it."""
        return self.exclude(status=Status.REJECTED).filter(
            Q(answered_at__isnull=True, due_at__lt=now) | Q(answered_at__gt=F("due_at"))
        )

    def visible_to(self, user):
        """What `user` may see in the office and in «my appeals»: own appeals plus their scopes."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(Q(applicant=user) | scope_q(user, frozenset(Role)))

    def public(self):
        """Appeals anyone may see (without the applicant's personal data)."""
        return self.filter(
            is_public=True,
            category__is_public=True,
            status__in=[
                Status.REGISTERED,
                Status.IN_PROGRESS,
                Status.ANSWER_REVIEW,
                Status.ANSWERED,
                Status.CLOSED,
            ],
        )


class Appeal(models.Model):
    """A citizen's report of a problem, a complaint or a request."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    region = models.ForeignKey(
        "directory.Region", models.PROTECT, related_name="appeals", verbose_name=_("region")
    )
    municipality = models.ForeignKey(
        "directory.Municipality",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=_("municipality"),
    )
    category = models.ForeignKey(
        "directory.Category",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=_("category"),
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=_("applicant"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
        help_text=_("Staff member who entered the appeal on the applicant's behalf."),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel, default=Channel.PORTAL)
    # A caller without an account (channel «phone»): how to reach them. Personal data.
    contact_name = models.CharField(_("caller's name"), max_length=200, blank=True)
    contact_phone = models.CharField(_("caller's phone"), max_length=32, blank=True)
    text = models.TextField(_("text"))
    # The text as the public sees it: personal data masked (appeals/public_copy.py). NULL until
    # computed (after filing, by the outbox); public pages never fall back to `text`.
    public_text = models.TextField(_("public text"), null=True, blank=True)  # noqa: DJ001
    # What the masking found: [{"kind", "text"}], shown to the operator at moderation.
    public_masks = models.JSONField(default=list, db_default=[], blank=True)
    # The operator corrected the public text by hand: recomputing never overwrites it.
    public_text_corrected = models.BooleanField(default=False, db_default=False)
    address = models.CharField(_("address"), max_length=500, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    is_public = models.BooleanField(_("may be shown publicly"), default=True)

    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.NEW)
    resolution = models.CharField(_("resolution"), max_length=24, choices=Resolution, blank=True)
    executor = models.ForeignKey(
        "directory.Organization",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=_("executor"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_appeals",
        verbose_name=_("responsible employee"),
    )
    repeat_of = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="repeats",
        verbose_name=_("repeat of"),
    )
    duplicate_of = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    rejection_reason = models.ForeignKey(
        "directory.RejectionReason",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rejection reason"),
    )
    idempotency_key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    external_id = models.CharField(_("external id"), max_length=120, blank=True)
    # The system an imported or API-filed appeal came from; (region, source, id) is unique.
    # Database defaults too: the demo and the benchmarks write appeals with COPY.
    external_source = models.CharField(
        _("external source"), max_length=64, blank=True, default="", db_default=""
    )
    contact_email = models.EmailField(_("caller's e-mail"), blank=True, default="", db_default="")
    # Open311: a link the client gave to a photo (never fetched by the server) and the answers
    # to the category's attributes ({code: value or [values]}).
    media_url = models.URLField(
        _("media link"), max_length=500, blank=True, default="", db_default=""
    )
    attributes = models.JSONField(_("attributes"), default=dict, db_default={}, blank=True)

    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    registration_due_at = models.DateTimeField(_("registration deadline"), null=True, blank=True)
    clarification_due_at = models.DateTimeField(_("clarification deadline"), null=True, blank=True)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    redirection_due_at = models.DateTimeField(_("redirection deadline"), null=True, blank=True)
    original_due_at = models.DateTimeField(_("original answer deadline"), null=True, blank=True)
    due_at = models.DateTimeField(_("answer deadline"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = AppealQuerySet.as_manager()

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["executor", "status", "due_at"]),
            models.Index(fields=["municipality", "registered_at"]),
            models.Index(fields=["category", "registered_at"]),
            models.Index(fields=["region", "created_at"]),
            models.Index(fields=["created_at"], name="appeal_created"),
            models.Index(fields=["municipality", "created_at"], name="appeal_municipality_created"),
            models.Index(fields=["applicant", "created_at"]),
            # A region's unanswered appeals by deadline (the weekly review's worst overdue):
            # read in deadline order, where SQLite without fresh statistics walked every
            # appeal of the region through (region, created_at) and sorted them.
            models.Index(
                fields=["region", "due_at"],
                condition=Q(answered_at__isnull=True),
                name="appeal_unanswered_due",
            ),
            # A region's repeat appeals by registration (the weekly review's repeat chains):
            # a few hundred rows a quarter instead of every appeal of the quarter.
            models.Index(
                fields=["region", "registered_at"],
                condition=Q(repeat_of__isnull=False),
                name="appeal_repeat_registered",
            ),
            # Places: duplicates, durability, incidents look up a box around a point in a
            # time window; created_at in the key lets the index drop old rows before the heap.
            models.Index(fields=["latitude", "longitude", "created_at"], name="appeal_place"),
            # Durability failures (KPI.md): closed appeals of a category near a new one.
            models.Index(fields=["category", "closed_at"], name="appeal_category_closed"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="appeal_point_valid",
            ),
            models.CheckConstraint(
                condition=Q(due_at__isnull=True)
                | Q(registered_at__isnull=True)
                | Q(due_at__gte=F("registered_at")),
                name="appeal_due_after_registration",
            ),
            models.CheckConstraint(
                condition=Q(registered_at__isnull=True) | Q(registered_at__gte=F("created_at")),
                name="appeal_registered_after_creation",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | Q(answered_at__isnull=True),
                name="appeal_rejected_not_answered",
            ),
            models.UniqueConstraint(
                fields=["region", "external_source", "external_id"],
                condition=~Q(external_source=""),
                name="appeal_unique_external_id",
            ),
            # One open repeat appeal per original and applicant, whichever path opens it
            # (rating, follow-up, control call): a second «not solved» joins the open one.
            models.UniqueConstraint(
                fields=["repeat_of", "applicant"],
                condition=Q(repeat_of__isnull=False, status__in=sorted(OPEN_STATUSES)),
                name="appeal_one_open_repeat",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def is_overdue(self, now: datetime) -> bool:
        if self.status == Status.REJECTED or self.due_at is None:
            return False
        if self.answered_at is not None:
            return self.answered_at > self.due_at
        return now > self.due_at

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None
