"""Appeals and everything that happens to them.

Writes go through `services.py`; reads of a user's appeals through `Appeal.objects.visible_to`
and `access.py`. `AppealEvent` is append-only: the audit log, the notification outbox and the
source of the KPIs.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Role
from otklik.lib.storage import get_private_storage

from .workflow import FINISHED_STATUSES, OPEN_STATUSES, Action, Resolution, Status


class Channel(models.TextChoices):
    PORTAL = "portal", _("portal")
    API = "api", _("API")
    PHONE = "phone", _("phone (entered by staff)")
    FIELD = "field", _("field team")
    SOCIAL = "social", _("social networks")
    IMPORT = "import", _("import")


PROACTIVE_CHANNELS = frozenset({Channel.FIELD, Channel.SOCIAL})

# Roles that see appeals of a territory (region or municipality) or of an organization.
TERRITORY_ROLES = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.LEADERSHIP, Role.ADMIN})


def _organization_and_descendants(organization_ids: set[int]) -> set[int]:
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
        q |= Q(executor_id__in=_organization_and_descendants(supervised_orgs))
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
