"""What every REST router shares: token authentication, scopes, pagination. Throttling
(`TokenThrottle`) is in otklik/api/ratelimit.py, applied to every request by its middleware."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from ninja import Field, Schema
from ninja.pagination import PaginationBase
from ninja.security import HttpBearer

from otklik.accounts.models import ApiToken
from otklik.api.tokens import token_for


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <key>`; the request then carries the token as `request.auth`."""

    def authenticate(self, request, token: str) -> ApiToken | None:
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
