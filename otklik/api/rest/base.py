"""What every REST router shares: token authentication, scopes, throttling, pagination."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from ninja import Field, Schema
from ninja.pagination import PaginationBase
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle

from otklik.accounts.models import ApiToken
from otklik.lib.client import client_ip


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <key>`; the request then carries the token as `request.auth`."""

    def authenticate(self, request, token: str) -> ApiToken | None:
        from otklik.api.ratelimit import token_for

        return token_for(request, token)


token_auth = TokenAuth()


class ScopeDenied(Exception):
    def __init__(self, scope: str):
        super().__init__(scope)
        self.scope = scope


def require_scope(request, scope: str) -> ApiToken:
    """The request's token if it carries `scope`; else the API answers 403."""
    token = getattr(request, "auth", None)
    if not isinstance(token, ApiToken) or not token.has_scope(scope):
        raise ScopeDenied(scope)
    return token


def api_user(request):
    """The user the request's token acts as (AnonymousUser without a token)."""
    token = getattr(request, "auth", None)
    if isinstance(token, ApiToken):
        return token.user
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


class TokenThrottle(BaseThrottle):
    """A fixed one-minute window per token (its `rate_per_minute`) or, without one, per client
    address (API_ANON_RATE_PER_MINUTE); counted in the shared cache. Applied to every API and
    Open311 request by otklik/api/ratelimit.py, before the request's transaction begins."""

    def allow_request(self, request) -> bool:
        return self.allow(request, getattr(request, "auth", None))

    def allow(self, request, token) -> bool:
        if isinstance(token, ApiToken):
            ident, limit = f"t{token.pk}", token.rate_per_minute
        else:
            # The client's address as otklik/lib/client.py finds it: X-Forwarded-For only from
            # TRUSTED_PROXIES, so a forged header neither dodges the limit nor makes a long key.
            address = client_ip(request) or ""
            ident, limit = f"a{address}", settings.API_ANON_RATE_PER_MINUTE
        now = time.time()
        window = int(now // 60)
        self.retry_after = 60 - (now % 60)
        key = f"api-rate:{ident}:{window}"
        if cache.add(key, 1, timeout=70):
            return True
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=70)
            return True
        return count <= limit

    def wait(self) -> float | None:
        return self.retry_after


class Page(PaginationBase):
    """`?page=1&page_size=20` (at most 100); the answer carries the total count."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=100_000)
        page_size: int = Field(20, ge=1, le=100)

    class Output(Schema):
        count: int
        page: int
        page_size: int
        items: list[Any]

    items_attribute = "items"

    def paginate_queryset(self, queryset: QuerySet, pagination: Input, **params) -> dict:
        offset = (pagination.page - 1) * pagination.page_size
        return {
            "count": self._items_count(queryset),
            "page": pagination.page,
            "page_size": pagination.page_size,
            "items": list(queryset[offset : offset + pagination.page_size]),
        }
