"""The API key of a request, looked up once per request and kept on it.

Below both the rate limits (api/ratelimit.py) and the views (REST's auth, Open311's api_key),
so neither has to import the other.
"""

from __future__ import annotations

from otklik.accounts.models import ApiToken
from otklik.accounts.tokens import find_token


def token_for(request, key: str) -> ApiToken | None:
    """The token of `key`, looked up once per request."""
    found = getattr(request, "_api_tokens", None)
    if found is None:
        found = request._api_tokens = {}
    if key not in found:
        found[key] = find_token(key)
    return found[key]
