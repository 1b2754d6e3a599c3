"""API tokens: issue one (the key is shown once), find the token of a key, revoke."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ApiScope, ApiToken

KEY_PREFIX = "otk_"
# last_used_at is written at most this often per token, not on every request.
TOUCH_EVERY = timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def issue_token(
    *,
    user,
    name: str,
    scopes: Iterable[str],
    region=None,
    rate_per_minute: int = 600,
    expires_at: datetime | None = None,
    key: str | None = None,
) -> tuple[ApiToken, str]:
    """A new token for `user` and its key, which is not stored and cannot be shown again.
    `key` is for the demo's published keys only; real keys are always generated."""
    scopes = sorted(set(scopes))
    unknown = [scope for scope in scopes if scope not in ApiScope.values]
    if unknown:
        raise ValidationError(
            _("Unknown scopes: %(scopes)s."), code="scope", params={"scopes": ", ".join(unknown)}
        )
    key = key or KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:200] or "API",
        prefix=key[: len(KEY_PREFIX) + 6],
        key_hash=hash_key(key),
        scopes=scopes,
        region=region,
        rate_per_minute=rate_per_minute,
        expires_at=expires_at,
    )
    return token, key


def find_token(key: str, *, now: datetime | None = None) -> ApiToken | None:
    """The usable token of `key` with its user, or None (unknown, revoked, expired, inactive)."""
    if not key or len(key) > 200:
        return None
    now = now or timezone.now()
    token = (
        ApiToken.objects.usable(now)
        .select_related("user", "region")
        .filter(key_hash=hash_key(key))
        .first()
    )
    if token is not None and (token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def revoke_token(token: ApiToken, *, now: datetime | None = None) -> None:
    token.revoked_at = now or timezone.now()
    token.save(update_fields=["revoked_at"])


def key_from_header(header: str) -> str:
    """The key of an `Authorization: Bearer <key>` (or `Token <key>`) header, else ''."""
    scheme, _space, key = (header or "").strip().partition(" ")
    if scheme.lower() not in ("bearer", "token"):
        return ""
    return key.strip()
