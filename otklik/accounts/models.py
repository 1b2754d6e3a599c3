"""Users, roles and memberships (user × organization or municipality or region × role)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Staff roles. A user with no membership is an applicant (citizen)."""

    OPERATOR = "operator", _("operator of the control centre")
    EXECUTOR = "executor", _("executor")
    SUPERVISOR = "supervisor", _("supervisor")
    LEADERSHIP = "leadership", _("leadership")
    CALLER = "caller", _("verification caller")
    FIELD = "field", _("field team member")
    ADMIN = "admin", _("administrator")


class UserManager(DjangoUserManager):
    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


phone_validator = RegexValidator(
    r"^\+?[0-9 ()\-]{7,20}$", _("Enter a phone number, e.g. +7 900 123-45-67.")
)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address: a citizen or a member of staff."""

    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[phone_validator])
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("admin site access"),
        default=False,
        help_text=_("Can log into the administration site."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    anonymized_at = models.DateTimeField(_("anonymized at"), null=True, blank=True)
    # A citizen who signs up confirms the address before logging in; staff are created confirmed.
    email_confirmed_at = models.DateTimeField(_("e-mail confirmed at"), null=True, blank=True)
    notify_by_email = models.BooleanField(
        _("notify me by e-mail"),
        default=True,
        help_text=_("Letters about the progress of my appeals and of those I support."),
    )
    notify_every_step = models.BooleanField(
        _("at every step"),
        default=True,
        help_text=_("Otherwise only when an answer is published or something is asked of me."),
    )

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def roles(self) -> set[str]:
        """The roles of the user's memberships (cached per instance). The memberships are read
        once into the instance's prefetch cache, so that every later `user.memberships.all()`
        of the request (menus, scopes, access rules) costs no query."""
        if not hasattr(self, "_roles"):
            prefetch_related_objects([self], "memberships")
            self._roles = {m.role for m in self.memberships.all()}
        return self._roles

    def has_role(self, *roles: str) -> bool:
        return self.is_superuser or bool(self.roles() & set(roles))

    @property
    def is_applicant_only(self) -> bool:
        return not self.is_superuser and not self.roles()


class Membership(models.Model):
    """A role a user holds in a scope: an organization, a municipality or a whole region."""

    user = models.ForeignKey(
        User, models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role)
    region = models.ForeignKey(
        "directory.Region",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("region"),
    )
    municipality = models.ForeignKey(
        "directory.Municipality",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("municipality"),
    )
    organization = models.ForeignKey(
        "directory.Organization",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("organization"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # The official's work contacts in this scope: an answer names them for the applicant to
    # call back (public officials' work details, never a citizen's).
    position = models.CharField(
        _("job title"), max_length=200, blank=True, default="", db_default=""
    )
    phone = models.CharField(
        _("work phone"),
        max_length=32,
        blank=True,
        default="",
        db_default="",
        validators=[phone_validator],
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            # Exactly one scope per membership.
            models.CheckConstraint(
                condition=(
                    Q(region__isnull=False, municipality__isnull=True, organization__isnull=True)
                    | Q(region__isnull=True, municipality__isnull=False, organization__isnull=True)
                    | Q(region__isnull=True, municipality__isnull=True, organization__isnull=False)
                ),
                name="membership_one_scope",
            ),
            # Executors act for an organization.
            models.CheckConstraint(
                condition=~Q(role="executor") | Q(organization__isnull=False),
                name="membership_executor_has_organization",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region", "municipality", "organization"],
                name="membership_unique",
            ),
        ]

    def __str__(self) -> str:
        scope = self.organization or self.municipality or self.region
        return f"{self.user} — {self.get_role_display()} — {scope}"


class ApiScope(models.TextChoices):
    """What an API token may do; its user's memberships still decide which appeals."""

    APPEALS_READ = "appeals:read", _("read appeals")
    APPEALS_FILE = "appeals:file", _("file appeals")
    APPEALS_RATE = "appeals:rate", _("rate answers")
    APPEALS_WORK = "appeals:work", _("work appeals as an executor")
    APPEALS_MODERATE = "appeals:moderate", _("moderate, route and review appeals")
    ANALYTICS_READ = "analytics:read", _("read KPIs and rankings")
    OPEN311 = "open311", _("file and follow requests through Open311")
    WEBHOOKS = "webhooks", _("manage webhook subscriptions")
    IMPORTS = "imports", _("import appeals in bulk")
    SIGNALS = "signals", _("post external signals")


# Scopes of staff work: a key with none of them and with `open311` is a client system's.
STAFF_SCOPES = frozenset(
    {
        ApiScope.APPEALS_MODERATE,
        ApiScope.APPEALS_WORK,
        ApiScope.ANALYTICS_READ,
        ApiScope.IMPORTS,
        ApiScope.SIGNALS,
        ApiScope.WEBHOOKS,
    }
)


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now):
        return self.filter(revoked_at__isnull=True, user__is_active=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A client's key to the API (REST and Open311's api_key). The client acts as `user`: the
    user's memberships decide which appeals it sees, `scopes` what it may do with them. Only a
    hash of the key is stored; the key is shown once, when issued (accounts/tokens.py)."""

    user = models.ForeignKey(
        User, models.CASCADE, related_name="api_tokens", verbose_name=_("acts as")
    )
    name = models.CharField(_("client name"), max_length=200)
    prefix = models.CharField(_("key prefix"), max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    region = models.ForeignKey(
        "directory.Region",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="api_tokens",
        verbose_name=_("region"),
        help_text=_("The jurisdiction of requests that do not name one (Open311, imports)."),
    )
    rate_per_minute = models.PositiveIntegerField(_("requests per minute"), default=600)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_client(self) -> bool:
        """A client system's key (`open311` and no staff scope, like the demo's city app): it
        files and follows its requests, never acts with its user's staff roles and is never
        shown personal data, on REST and Open311 alike (docs/api.md)."""
        scopes = set(self.scopes)
        return ApiScope.OPEN311 in scopes and not scopes & STAFF_SCOPES

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class IdempotencyRecord(models.Model):
    """The first response to a POST with an Idempotency-Key, replayed to its retries
    (otklik/api/idempotency.py). Keys are per client: a token, a logged-in user or, for
    anonymous callers, the key alone."""

    owner = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=200, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    body = models.BinaryField(default=b"", blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotency_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"


class TotpDevice(models.Model):
    """A member of staff's authenticator app (the second factor, otklik/accounts/two_factor.py).

    The row is made when enrolment starts and is usable once `confirmed_at` is set (the person
    typed a code from the app). `last_step` is the time step of the last accepted code: a code
    is good once, so one seen over a shoulder or in a log cannot be replayed."""

    user = models.OneToOneField(
        User, models.CASCADE, related_name="totp_device", verbose_name=_("user")
    )
    # Base32, as authenticator apps take it. Kept in clear like a password hash is not: the
    # server must compute the same codes (every TOTP server does; the database is the secret).
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    last_step = models.BigIntegerField(default=-1)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

    def __str__(self) -> str:
        return f"TOTP {self.user}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(models.Model):
    """A single-use code for the day the phone is lost; only its hash is stored, the codes are
    shown once, right after enrolment."""

    user = models.ForeignKey(
        User, models.CASCADE, related_name="recovery_codes", verbose_name=_("user")
    )
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="recovery_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} #{self.pk}"


class RateCounter(models.Model):
    """Hits of one rate-limit key in its current fixed window (otklik/accounts/rate_counters.py):
    counted with one upsert when the shared cache is the database, instead of the database
    cache's six statements per increment."""

    key = models.CharField(max_length=250, primary_key=True)
    period = models.BigIntegerField()
    hits = models.PositiveIntegerField(default=0)
    expires = models.BigIntegerField(db_index=True)

    class Meta:
        verbose_name = _("rate counter")
        verbose_name_plural = _("rate counters")

    def __str__(self) -> str:
        return f"{self.key}: {self.hits}"
