"""The login seam: the ways a person proves who they are, each a small provider object.

Today there is one provider, `password` (e-mail and password, the address confirmed by a
letter). A federal login (ЕСИА, «Госуслуги») becomes a second provider: its views run the
OpenID Connect exchange, turn the answer into an `ExternalIdentity` and hand it to
`user_for_identity`, then call `log_in` like the password login does. Nothing else in the
product knows how a person logged in. docs/adr/0004-pluggable-login.md has the details.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.contrib import auth
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import two_factor
from .models import User

SESSION_KEY = "otklik_identity_provider"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@dataclass(frozen=True)
class ExternalIdentity:
    """What an external provider vouches for about a person."""

    provider: str
    subject: str  # the provider's stable id of the person (ESIA: the user's oid)
    email: str = ""
    email_verified: bool = False
    full_name: str = ""
    phone: str = ""


class IdentityProvider:
    """One way to log in. Subclasses name themselves and say where their login starts."""

    code: str = ""
    label = ""

    def start_url(self, *, next_url: str = "") -> str:
        raise NotImplementedError

    def logout_url(self, request) -> str | None:
        """Where to send the browser after our logout (single logout at the provider)."""
        return None


class PasswordProvider(IdentityProvider):
    code = "password"
    label = _("E-mail and password")

    def start_url(self, *, next_url: str = "") -> str:
        url = reverse("login")
        return f"{url}?{urlencode({'next': next_url})}" if next_url else url


_PROVIDERS: dict[str, IdentityProvider] = {}


def register(provider: IdentityProvider) -> IdentityProvider:
    """Make a provider available (called once at import time of its module)."""
    _PROVIDERS[provider.code] = provider
    return provider


def get_provider(code: str) -> IdentityProvider | None:
    return _PROVIDERS.get(code)


def external_providers() -> list[IdentityProvider]:
    """Providers other than the password, for the «log in with …» buttons."""
    return [p for p in _PROVIDERS.values() if p.code != PasswordProvider.code]


register(PasswordProvider())


def log_in(request, user: User, *, provider: str) -> None:
    """Start a session for `user`, remembering which provider vouched for them. A second
    factor passed earlier in the session does not carry over to a new login."""
    two_factor.forget_verification(request)
    auth.login(request, user, backend=MODEL_BACKEND)
    request.session[SESSION_KEY] = provider


def log_out(request) -> str | None:
    """End the session; returns the provider's logout address, if it has one."""
    provider = get_provider(request.session.get(SESSION_KEY, ""))
    url = provider.logout_url(request) if provider else None
    auth.logout(request)
    return url


class IdentityRefused(Exception):
    """The external identity cannot be mapped to an account."""


@transaction.atomic
def user_for_identity(identity: ExternalIdentity, *, now: datetime | None = None) -> User:
    """The account for a person an external provider vouched for, created on first login.

    Until the ESIA provider brings its link table (provider, subject → user), the e-mail
    address is the link, and only one the provider has verified: an unverified address would
    let anyone claim somebody else's account."""
    now = now or timezone.now()
    email = (identity.email or "").strip().lower()
    if not email or not identity.email_verified:
        raise IdentityRefused("the provider did not verify an e-mail address")
    user = User.objects.select_for_update().filter(email=email).first()
    if user is not None:
        if not user.is_active or user.anonymized_at is not None:
            raise IdentityRefused("the account is closed")
        if user.email_confirmed_at is None:
            user.email_confirmed_at = now
            user.save(update_fields=["email_confirmed_at"])
        return user
    return User.objects.create_user(
        email=email,
        password=None,  # an unusable password: this person logs in through the provider
        full_name=identity.full_name.strip(),
        phone=identity.phone.strip(),
        email_confirmed_at=now,
    )
