"""Conditional GET for the REST API: a strong ETag over every successful GET's body, 304 Not
Modified when the client's If-None-Match still holds, and caching rules by audience.

Hashing the body costs little next to building it and is always right: the ETag changes with
anything in the answer, the language of its names included. Answers to a token are private to
it (`Cache-Control: private, no-cache`: a client may keep them and revalidate); anonymous ones
(directory, public appeals) may sit in shared caches for a short while.
"""

from __future__ import annotations

import functools
import hashlib

from django.urls import URLPattern
from django.utils.cache import get_conditional_response, patch_vary_headers

PUBLIC_MAX_AGE = 60
SAFE_METHODS = ("GET", "HEAD")


def body_etag(content: bytes) -> str:
    """A strong entity tag for a response body."""
    return '"' + hashlib.sha256(content).hexdigest()[:40] + '"'


def _is_personal(request) -> bool:
    return bool(request.headers.get("Authorization")) or getattr(request, "auth", None) is not None


def conditional(view):
    """Wrap a view: ETag and Cache-Control on its 200 answers to GET, 304 when unchanged."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if (
            request.method not in SAFE_METHODS
            or response.status_code != 200
            or response.streaming
            or response.has_header("ETag")
        ):
            return response
        response["ETag"] = body_etag(response.content)
        if not response.has_header("Cache-Control"):
            if _is_personal(request):
                response["Cache-Control"] = "private, no-cache"
            else:
                response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
        patch_vary_headers(response, ("Authorization", "Accept-Language"))
        return get_conditional_response(request, etag=response["ETag"], response=response)

    return wrapper


def with_conditional_get(patterns: list) -> list:
    """The same URL patterns with every view wrapped in `conditional`."""
    wrapped = []
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            wrapped.append(
                URLPattern(
                    pattern.pattern,
                    conditional(pattern.callback),
                    pattern.default_args,
                    pattern.name,
                )
            )
        else:  # ninja gives flat patterns; anything else passes through
            wrapped.append(pattern)
    return wrapped
