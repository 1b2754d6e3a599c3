"""The request's id, its metrics and its access line: the outermost middleware.

Outermost, so that the time and the status it records are those the client gets, redirects and
refusals of the inner middleware included.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from django.conf import settings
from django.utils.functional import empty

from otklik.lib.logging import request_id_var, user_id_var
from otklik.lib.redaction import redact_path

from . import http_metrics

access_log = logging.getLogger("otklik.access")

# An incoming id is kept when it is plain (a proxy's or a client's); anything else is replaced,
# so that a header cannot inject text into the logs.
INCOMING_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
# Path arguments that are credentials (signed links): never written to the logs.
SECRET_ARGUMENTS = frozenset({"token", "uidb64", "key", "signature"})


def _route(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or match.route or "unnamed"
    if request.path.startswith(settings.STATIC_URL):
        return "static"
    return "unmatched"


def _safe_path(request) -> str:
    """The path without its query string and with signed-link arguments blanked (by the
    resolved route's arguments, and by otklik/lib/redaction.py for any route)."""
    path = redact_path(request.path)
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name, value in match.kwargs.items():
            if name in SECRET_ARGUMENTS and value:
                path = path.replace(str(value), "…")
    return path


def _user_id(request) -> int | None:
    # Only a user already looked up (by the view or its decorators): logging must never make
    # the request read its session.
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


class RequestMiddleware:
    """Gives every request an id (X-Request-ID in and out), counts it for /metrics and writes
    the access line (ACCESS_LOG) with the id, user id, route, status and duration."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if INCOMING_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        id_token = request_id_var.set(request_id)
        user_token = user_id_var.set(lambda: _user_id(request))
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            response["X-Request-ID"] = request_id
            route = _route(request)
            http_metrics.observe(
                method=request.method, route=route, status=response.status_code, seconds=seconds
            )
            if settings.ACCESS_LOG:
                path = _safe_path(request)
                access_log.info(
                    "%s %s %s",
                    request.method,
                    path,
                    response.status_code,
                    extra={
                        "method": request.method,
                        "path": path,
                        "route": route,
                        "status": response.status_code,
                        "duration_ms": round(seconds * 1000, 1),
                        "user_id": _user_id(request),
                    },
                )
            return response
        finally:
            user_id_var.reset(user_token)
            request_id_var.reset(id_token)
