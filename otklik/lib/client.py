"""Who is on the other end of a request: the client's address, the request's id.

Behind TRUSTED_PROXIES reverse proxies (nginx, a load balancer) the client is the address that
many entries from the right of X-Forwarded-For; without them the header is the client's own word
and is ignored, so a forged one can neither dodge a rate limit nor fill a log with lies.
"""

from __future__ import annotations

import ipaddress
import re

from django.conf import settings

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def _address(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's IP address, or None when the request carries no valid one."""
    proxies = getattr(settings, "TRUSTED_PROXIES", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies > 0 and forwarded:
        hops = forwarded.split(",")
        return _address(hops[-min(proxies, len(hops))])
    return _address(request.META.get("REMOTE_ADDR"))


def request_id(request) -> str:
    """The id a proxy gave the request (X-Request-ID), if it is a sane one; "" otherwise."""
    value = getattr(request, "request_id", None) or request.META.get("HTTP_X_REQUEST_ID", "")
    return value if _REQUEST_ID.match(str(value)) else ""
