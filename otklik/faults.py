"""Answers for the faults a client can wait out: the database down or restarting, a full disk.

Django turns any exception — in a view or in a middleware — into the `handler500` response.
`server_error` is that handler (otklik/urls.py): a lost database connection becomes 503 with
Retry-After, a disk without space 507, each in the format the caller reads (an HTML page, the
API's JSON error, the Open311 error list), never a bare 500. Nothing is half-written either way:
every write runs in a transaction that rolls back with the failed connection. The next request
after the database is back reconnects by itself (CONN_HEALTH_CHECKS). Which faults these are is
decided by otklik/lib/resilience.py.

It sits at project level, beside urls.py, because it speaks every interface's error format.
The page is rendered without the request's context: no session, no user, no query.
"""

from __future__ import annotations

import logging
import sys

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext_noop
from django.views.defaults import server_error as django_server_error

from otklik.api.errors import bilingual, error
from otklik.api.open311.render import error_response
from otklik.lib.resilience import is_database_unavailable, is_disk_full

log = logging.getLogger(__name__)

# Seconds a client should wait before retrying; a PostgreSQL restart takes a few.
RETRY_AFTER = 5
DB_UNAVAILABLE = gettext_noop(
    "The service is temporarily unavailable: the database cannot be reached. Nothing was "
    "saved; please retry in a few seconds."
)
DISK_FULL = gettext_noop(
    "The server has no room to store files just now. Nothing was saved; please try again later."
)
TITLE = gettext_noop("Temporarily unavailable")
RETRY = gettext_noop("Try again")


def fault_response(request, status: int, code: str, message) -> HttpResponse:
    """A 503/507 in the caller's format, with Retry-After."""
    path = request.path
    if path.startswith("/open311/"):
        fmt = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else "xml"
        response = error_response(fmt, status, message)
    elif path.startswith("/api/"):
        response = error(status, code, message)
    else:
        context = {}
        for name, text in (("title", TITLE), ("message", message), ("retry", RETRY)):
            context[f"{name}_ru"], context[f"{name}_en"] = bilingual(text)
        body = render_to_string("503.html", context)
        response = HttpResponse(body, status=status)
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def server_error(request, template_name: str = "500.html") -> HttpResponse:
    """`handler500`: a fault the client can wait out gets 503/507, anything else Django's 500."""
    exc = sys.exc_info()[1]
    if is_database_unavailable(exc):
        log.warning("database unavailable on %s: %s", request.path, exc)
        return fault_response(request, 503, "database_unavailable", DB_UNAVAILABLE)
    if is_disk_full(exc):
        log.error("no space left on %s: %s", request.path, exc)
        return fault_response(request, 507, "insufficient_storage", DISK_FULL)
    return django_server_error(request, template_name)
