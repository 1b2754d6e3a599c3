"""Every write to citizens' accounts: sign-up, e-mail confirmation, profile, deletion.

A citizen signs up with an e-mail address and a password and cannot log in until the address is
confirmed through a signed, time-limited link. Deleting an account anonymises it: the person's
data goes, their appeals, ratings and supports stay in the statistics under an empty account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from . import forgetting, letters
from .letters import greeting
from .models import Membership, User

CONFIRM_SALT = "otklik.accounts.confirm-email"
CONFIRM_MAX_AGE = timedelta(days=3)
DELETED_DOMAIN = "deleted.invalid"


class AccountError(Exception):
    """A refused account action; `message` is shown to the person as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AlreadyRegistered(AccountError):
    """The address belongs to a confirmed (or blocked) account."""


class DeletionRefused(AccountError):
    """Staff accounts are closed by an administrator, not by their holder."""


@dataclass
class InvalidConfirmation(Exception):
    """A confirmation link that cannot be used: `reason` is bad, expired or used; `user` is
    known when the link was genuine, so a new letter can be offered for the right address."""

    reason: str
    user: User | None = None


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


# ---------------------------------------------------------------------------- confirmation


def _fingerprint(user: User) -> str:
    # The link is bound to the account's address and password: a new sign-up with another
    # password, or a password reset, makes the older letters useless.
    value = f"{user.pk}:{user.email}:{user.password}"
    return salted_hmac(CONFIRM_SALT, value).hexdigest()[:24]


def make_confirmation_token(user: User) -> str:
    """A signed token for the confirmation link; it carries its own time stamp."""
    return signing.dumps({"u": user.pk, "f": _fingerprint(user)}, salt=CONFIRM_SALT)


def confirmation_link(user: User) -> str:
    return settings.SITE_URL + reverse("portal:confirm_email", args=[make_confirmation_token(user)])


def send_confirmation(*, user: User):
    """Queue the letter with the confirmation link (sent after commit, retried on failure); the
    queued letter, or None."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Confirm your e-mail address for Otklik")
        body = "\n\n".join(
            [
                greeting(user),
                _("To finish signing up, open this link within three days:"),
                confirmation_link(user),
                _("If you did not sign up for Otklik, ignore this letter."),
            ]
        )
    return letters.send(recipient=user, subject=subject, body=body)


def _unconfirmed_user(email: str) -> User | None:
    """The citizen's account waiting for confirmation. Staff may log in unconfirmed (an
    administrator made them), so a sign-up must never find and rewrite theirs."""
    return (
        User.objects.filter(
            email=normalize_email(email),
            email_confirmed_at__isnull=True,
            is_active=True,
            anonymized_at__isnull=True,
            is_staff=False,
            is_superuser=False,
        )
        # A subquery, not a join: PostgreSQL cannot lock the nullable side of an outer join.
        .exclude(Exists(Membership.objects.filter(user=OuterRef("pk"))))
        .select_for_update()
        .first()
    )


@transaction.atomic
def sign_up(*, email: str, full_name: str, password: str, phone: str = "") -> User:
    """Create an unconfirmed account and send the confirmation letter. `phone` (optional,
    normalised by the form) lets control calls reach the person.

    Signing up again with an address that is not confirmed yet sends a new letter; the latest
    name, phone and password win, since only the owner of the mailbox can use the link."""
    email = normalize_email(email)
    full_name = full_name.strip()
    phone = phone.strip()
    user = _unconfirmed_user(email)
    if user is not None:
        user.full_name, user.phone = full_name, phone
        user.set_password(password)
        user.save(update_fields=["full_name", "phone", "password"])
    else:
        if User.objects.filter(email=email).exists():
            raise AlreadyRegistered(_("This e-mail address is already registered."))
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=email, password=password, full_name=full_name, phone=phone
                )
        except IntegrityError:  # the same address signed up a moment ago
            raise AlreadyRegistered(_("This e-mail address is already registered.")) from None
    send_confirmation(user=user)
    return user


@transaction.atomic
def resend_confirmation(*, email: str) -> bool:
    """Send a new confirmation letter if the address waits for one; says whether it did (the
    pages never tell the visitor, so that they do not reveal who is registered)."""
    user = _unconfirmed_user(email)
    if user is None:
        return False
    send_confirmation(user=user)
    return True


def _read_token(token: str, *, max_age: timedelta | None) -> tuple[int, str]:
    data = signing.loads(token, salt=CONFIRM_SALT, max_age=max_age)
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise signing.BadSignature("malformed payload")
    return data["u"], str(data.get("f", ""))


def check_confirmation(token: str, *, lock: bool = False) -> User:
    """The account a confirmation link is for, if the link can still be used; raises
    InvalidConfirmation. Reading only: the page behind the link asks for a click first, so
    that mail scanners opening links do not use the link up."""
    try:
        pk, fingerprint = _read_token(token, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        try:
            pk, fingerprint = _read_token(token, max_age=None)
        except signing.BadSignature:
            raise InvalidConfirmation("bad") from None
        user = User.objects.filter(pk=pk, anonymized_at__isnull=True).first()
        if user is not None and user.email_confirmed_at is not None:
            raise InvalidConfirmation("used") from None
        raise InvalidConfirmation("expired", user) from None
    except (signing.BadSignature, ValueError):
        raise InvalidConfirmation("bad") from None
    users = User.objects.select_for_update() if lock else User.objects.all()
    user = users.filter(pk=pk, anonymized_at__isnull=True).first()
    if user is None or not user.is_active:
        raise InvalidConfirmation("bad")
    if user.email_confirmed_at is not None:
        raise InvalidConfirmation("used", user)
    if not constant_time_compare(fingerprint, _fingerprint(user)):
        # A newer letter was sent (or the password reset): only that one works.
        raise InvalidConfirmation("bad", user)
    return user


@transaction.atomic
def confirm_email(*, token: str, now: datetime | None = None) -> User:
    """Mark the address of the link's account confirmed; raises InvalidConfirmation."""
    user = check_confirmation(token, lock=True)
    user.email_confirmed_at = now or timezone.now()
    user.save(update_fields=["email_confirmed_at"])
    return user


def mark_email_confirmed(*, user: User, now: datetime | None = None) -> None:
    """A password reset link reached the mailbox: that confirms the address too."""
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now or timezone.now()
        user.save(update_fields=["email_confirmed_at"])


# ---------------------------------------------------------------------------- profile


def update_profile(
    *,
    user: User,
    full_name: str,
    phone: str,
    notify_by_email: bool,
    notify_every_step: bool,
) -> User:
    """Save what the person may change about themselves (validated by the form)."""
    user.full_name = full_name.strip()
    user.phone = phone.strip()
    user.notify_by_email = notify_by_email
    user.notify_every_step = notify_every_step
    user.save(update_fields=["full_name", "phone", "notify_by_email", "notify_every_step"])
    return user


def save_phone(*, user: User, phone: str) -> User:
    """Keep the phone (normalised by the form) in the person's profile."""
    user.phone = phone.strip()
    user.save(update_fields=["phone"])
    return user


# ---------------------------------------------------------------------------- deletion


def deletion_refusal(user: User) -> str | None:
    """Why this account cannot delete itself, or None."""
    if user.is_staff or user.is_superuser or user.memberships.exists():
        return _(
            "Staff accounts cannot be deleted here. Ask the administrator of your organization "
            "to close the account."
        )
    return None


def _anonymize(
    *, user: User, now: datetime | None, reason: forgetting.Reason
) -> tuple[User, dict[str, int]]:
    """Blank the User row and close it for good, then let every app forget what it keeps about
    the person (accounts/forgetting.py), in the caller's transaction. An account anonymised
    before is not blanked again; on deletion nothing else happens to it either."""
    now = now or timezone.now()
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.anonymized_at is not None:
        if reason == "deleted":
            return user, {}
    else:
        _blank(user, now)
    return user, forgetting.forget(user=user, now=now, reason=reason)


def _blank(user: User, now: datetime) -> None:
    user.email = f"deleted-{user.pk}@{DELETED_DOMAIN}"
    user.full_name = ""
    user.phone = ""
    # An unusable password also ends every session of the account (the session hash changes).
    user.set_unusable_password()
    user.is_active = False
    user.anonymized_at = now
    user.notify_by_email = False
    user.notify_every_step = False
    user.save(
        update_fields=[
            "email",
            "full_name",
            "phone",
            "password",
            "is_active",
            "anonymized_at",
            "notify_by_email",
            "notify_every_step",
        ]
    )


@transaction.atomic
def anonymize_user(*, user: User, now: datetime | None = None) -> User:
    """Strip a person's data from their account and close it for good.

    The row stays, so their appeals, ratings and supports keep counting in the statistics;
    the public pages never showed who filed them. Their letters are blanked and their draft
    photos deleted (the forgetters registered for "deleted")."""
    return _anonymize(user=user, now=now, reason="deleted")[0]


@transaction.atomic
def anonymize_inactive_user(*, user: User, now: datetime | None = None) -> int:
    """152-ФЗ retention of a citizen's account unused for too long (ops/retention.py chooses
    whom): the account is anonymised as on deletion, and the caller's contacts kept on each of
    their appeals and control calls are blanked, with an event in each appeal's history. The
    appeals keep their texts and history. Returns how many appeals were touched."""
    return _anonymize(user=user, now=now, reason="inactive")[1].get("appeals", 0)


@transaction.atomic
def delete_account(*, user: User, now: datetime | None = None) -> User:
    """The citizen deletes their own account: refused for staff, otherwise anonymised."""
    refusal = deletion_refusal(user)
    if refusal:
        raise DeletionRefused(refusal)
    return anonymize_user(user=user, now=now)


# ---------------------------------------------------------------------------- callers


def applicant_for_caller(*, email: str, full_name: str, phone: str) -> User:
    """The account of a person who called the control centre: the one with this e-mail, or a
    new one without a password and with the address unconfirmed, so that letters about the
    appeal reach them and they can claim the account by resetting the password."""
    email = normalize_email(email)
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email=email,
                password=None,
                full_name=(full_name or "").strip()[:200],
                phone=(phone or "").strip()[:32],
                email_confirmed_at=None,
            )
    except IntegrityError:  # the same address was entered a moment ago
        return User.objects.get(email=email)
