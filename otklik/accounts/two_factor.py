"""The second factor of staff logins: an authenticator app (TOTP) and single-use recovery codes.

Who must: everyone who can reach the office or the administration (a role in any scope, admin
site access, superuser) when STAFF_TWO_FACTOR is on; citizens never. The session remembers the
verification (bound to the device, so resetting the device ends it); logging in again or out
ends it too. otklik/accounts/middleware.py sends an unverified member of staff here from every
page. Every success and failure is logged to "otklik.security".
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import UTC, datetime, timedelta

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from . import totp
from .models import RecoveryCode, TotpDevice, User

log = logging.getLogger("otklik.security")

SESSION_VERIFIED = "otklik_two_factor"
SESSION_NEW_CODES = "otklik_recovery_codes"
ISSUER = "Otklik"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


class AlreadyEnrolled(Exception):
    """The user has a confirmed device: only an administrator's reset makes way for another."""


def required_for(user) -> bool:
    """Whether this user must pass the second factor (staff, with the setting on)."""
    if not settings.STAFF_TWO_FACTOR or not user.is_authenticated:
        return False
    return bool(user.is_superuser or user.is_staff or user.roles())


def confirmed_device(user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def _marker(device: TotpDevice) -> str:
    # The device's id and confirmation time: a reset and a new enrolment make another marker.
    confirmed = (device.confirmed_at - EPOCH) // timedelta(microseconds=1)
    return f"{device.pk}:{confirmed}"


def is_verified(request) -> bool:
    marker = request.session.get(SESSION_VERIFIED)
    if not marker:
        return False
    device = confirmed_device(request.user)
    return device is not None and marker == _marker(device)


def mark_verified(request, device: TotpDevice) -> None:
    request.session[SESSION_VERIFIED] = _marker(device)


def forget_verification(request) -> None:
    request.session.pop(SESSION_VERIFIED, None)


# ---------------------------------------------------------------------------- enrolment


@transaction.atomic
def start_enrolment(*, user: User) -> TotpDevice:
    """The unconfirmed device of an enrolment under way (the same secret on every reload, so
    the QR code scanned a minute ago stays good), or a new one."""
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is not None and device.is_confirmed:
        raise AlreadyEnrolled
    if device is None:
        device = TotpDevice.objects.create(user=user, secret=totp.new_secret())
    return device


def qr_svg(device: TotpDevice) -> SafeString:
    """The enrolment QR code as inline SVG (no script, no external image)."""
    uri = totp.provisioning_uri(device.secret, account=device.user.email, issuer=ISSUER)
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, light="#fff", svgclass="qr", title=_("QR code for the authenticator app")
    )
    # segno escapes what it writes (the title; the URI is only drawn, never written as text).
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))


@transaction.atomic
def confirm_enrolment(
    *, user: User, code: str, address: str = "", now: datetime | None = None
) -> tuple[TotpDevice, list[str]] | None:
    """Confirm the device with a code from the app; returns it with the new recovery codes (to
    show once), or None if the code is wrong."""
    now = now or timezone.now()
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is None or device.is_confirmed:
        return None
    step = totp.match_step(device.secret, code, now.timestamp(), after_step=device.last_step)
    if step is None:
        log.warning("two-factor enrolment failed: user %s from %s", user.pk, address)
        return None
    device.confirmed_at = now
    device.last_step = step
    device.last_used_at = now
    device.save(update_fields=["confirmed_at", "last_step", "last_used_at"])
    log.info("two-factor enrolled: user %s from %s", user.pk, address)
    return device, issue_recovery_codes(user=user, now=now)


# ---------------------------------------------------------------------------- verification


@transaction.atomic
def verify_code(
    *, user: User, code: str, address: str = "", now: datetime | None = None
) -> TotpDevice | None:
    """Check a code from the app (each code is good once); returns the device if it is right."""
    now = now or timezone.now()
    device = (
        TotpDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
    )
    if device is None:
        return None
    step = totp.match_step(device.secret, code, now.timestamp(), after_step=device.last_step)
    if step is None:
        log.warning("two-factor code refused: user %s from %s", user.pk, address)
        return None
    device.last_step = step
    device.last_used_at = now
    device.save(update_fields=["last_step", "last_used_at"])
    log.info("two-factor code accepted: user %s from %s", user.pk, address)
    return device


def _hash_recovery(code: str) -> str:
    # The codes are random (50 bits), so a plain hash is enough, as for API keys.
    cleaned = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(cleaned.encode("utf-8", "surrogatepass")).hexdigest()


def _new_recovery_code() -> str:
    chars = [secrets.choice(_RECOVERY_ALPHABET) for _ in range(10)]
    return "".join(chars[:5]) + "-" + "".join(chars[5:])


@transaction.atomic
def issue_recovery_codes(*, user: User, now: datetime | None = None) -> list[str]:
    """New recovery codes in place of the old ones; only their hashes are kept."""
    now = now or timezone.now()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(user=user, code_hash=_hash_recovery(c), created_at=now) for c in codes]
    )
    return codes


@transaction.atomic
def use_recovery_code(
    *, user: User, code: str, address: str = "", now: datetime | None = None
) -> TotpDevice | None:
    """Spend one recovery code; returns the device whose verification it stands for."""
    now = now or timezone.now()
    device = confirmed_device(user)
    used = 0
    if device is not None and code.strip():
        used = RecoveryCode.objects.filter(
            user=user, code_hash=_hash_recovery(code), used_at__isnull=True
        ).update(used_at=now)
    if not used:
        log.warning("two-factor recovery code refused: user %s from %s", user.pk, address)
        return None
    left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
    log.info("two-factor recovery code used: user %s from %s, %d left", user.pk, address, left)
    return device


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


# ---------------------------------------------------------------------------- reset


@transaction.atomic
def reset_device(*, user: User, actor: User) -> bool:
    """An administrator removes a user's authenticator app and recovery codes (a lost phone):
    the next login enrols a new one, and sessions verified with the old one must verify again.
    Returns whether there was anything to remove."""
    deleted, _ = TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    log.warning(
        "two-factor reset: user %s (%s) by %s (%s)", user.pk, user.email, actor.pk, actor.email
    )
    return bool(deleted)
