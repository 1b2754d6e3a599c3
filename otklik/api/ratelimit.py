"""Rate limits of the API and Open311, checked before any work is done.

A middleware, not a throttle inside the views: the count is written to the shared cache outside
the request's transaction (the Idempotency-Key middleware holds one open for the whole request),
so a database cache's counter row is never held locked while a request runs — otherwise every
request of one key would wait for the one before it. The key's token is found once here and
kept on the request for the views (`tokens.token_for`).
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.utils.translation import gettext_noop
from ninja.throttling import BaseThrottle

from otklik.accounts import rate_counters
from otklik.accounts.models import ApiToken
from otklik.lib.client import client_ip

from .errors import error
from .idempotency import PREFIXES, credential
from .tokens import token_for

MESSAGE = gettext_noop("Too many requests; slow down.")


def _too_many(request, wait: float):
    if request.path.startswith("/open311/"):
        from .open311.render import error_response

        fmt = request.path.rsplit(".", 1)[-1].lower() if "." in request.path else "xml"
        response = error_response(fmt, 429, MESSAGE)
    else:
        response = error(429, "throttled", MESSAGE)
    response["Retry-After"] = str(max(1, math.ceil(wait)))
    return response


class TokenThrottle(BaseThrottle):
    """A fixed one-minute window per token (its `rate_per_minute`) or, without one, per client
    address (API_ANON_RATE_PER_MINUTE); counted in the shared cache. Applied to every API and
    Open311 request by `RateLimitMiddleware` below, before the request's transaction begins."""

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
        self.retry_after = 60 - (now % 60)
        # One upsert on the database, add/incr on Redis (otklik/accounts/rate_counters.py).
        return rate_counters.take(f"api-rate:{ident}", limit=limit, window=60, now=now)

    def wait(self) -> float | None:
        return self.retry_after


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(PREFIXES):
            return self.get_response(request)
        key = credential(request)
        token = token_for(request, key) if key else None
        throttle = TokenThrottle()
        if not throttle.allow(request, token):
            return _too_many(request, throttle.wait() or 60)
        return self.get_response(request)
