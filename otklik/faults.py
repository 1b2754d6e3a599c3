"""Error answers in the caller's format: the faults a client can wait out (the database down or
restarting, a full disk), and the pages Django answers itself (not found, forbidden, a bad
request, a bug).

Django turns any exception — in a view or in a middleware — into the `handler500` response.
`server_error` is that handler (otklik/urls.py): a lost database connection becomes 503 with
Retry-After, a disk without space 507, each in the format the caller reads (an HTML page, the
API's JSON error, the Open311 error list), never a bare 500. An error that does not say it was the
database's while the database cannot be reached (a restart can fail a request in ways no message
foresaw) is a 503 too. Nothing is half-written either way: every write runs in a transaction that
rolls back with the failed connection. The next request after the database is back reconnects
by itself (CONN_HEALTH_CHECKS). Which faults these are is decided by otklik/lib/resilience.py.

`page_not_found`, `permission_denied` and `bad_request` (handler404/403/400) and a real bug's
500 answer in Russian and English in the same three formats, not with Django's English page.

It sits at project level, beside urls.py, because it speaks every interface's error format.
The page is rendered without the request's context: no session, no user, no query.
"""

from __future__ import annotations

import logging
import sys

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext_noop

from otklik.api.errors import bilingual, error
from otklik.api.open311.render import error_response
from otklik.lib.resilience import database_reachable, is_database_unavailable, is_disk_full

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
HOME = gettext_noop("To the home page")
# The pages Django answers itself: (title, message, code of the API's error) by status.
PAGES = {
    400: (
        gettext_noop("Bad request"),
        gettext_noop("The request could not be understood. Go back and try again."),
        "bad_request",
    ),
    403: (
        gettext_noop("Access denied"),
        gettext_noop("You have no access to this page, or the form has expired: reload it."),
        "forbidden",
    ),
    404: (
        gettext_noop("Page not found"),
        gettext_noop("There is no such page. Check the address or start from the home page."),
        "not_found",
    ),
    500: (
        gettext_noop("Server error"),
        gettext_noop(
            "Something went wrong on our side and nothing was saved. We know about it; please "
            "try again later."
        ),
        "server_error",
    ),
}


def _answer(request, status: int, code: str, title, message, link) -> HttpResponse:
    """An error in the caller's format: Open311's error list, the API's JSON, or a page."""
    path = request.path
    if path.startswith("/open311/"):
        fmt = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else "xml"
        return error_response(fmt, status, message)
    if path.startswith("/api/"):
        return error(status, code, message)
    context = {"link_href": "" if link is RETRY else "/"}
    for name, text in (("title", title), ("message", message), ("link", link)):
        context[f"{name}_ru"], context[f"{name}_en"] = bilingual(text)
    return HttpResponse(render_to_string("error.html", context), status=status)


def fault_response(request, status: int, code: str, message) -> HttpResponse:
    """A 503/507 in the caller's format, with Retry-After."""
    response = _answer(request, status, code, TITLE, message, RETRY)
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def error_page(request, status: int) -> HttpResponse:
    title, message, code = PAGES[status]
    return _answer(request, status, code, title, message, HOME)


def page_not_found(request, exception=None) -> HttpResponse:
    """`handler404`."""
    return error_page(request, 404)


def permission_denied(request, exception=None) -> HttpResponse:
    """`handler403`."""
    return error_page(request, 403)


def bad_request(request, exception=None) -> HttpResponse:
    """`handler400`."""
    return error_page(request, 400)


def server_error(request, template_name: str = "500.html") -> HttpResponse:
    """`handler500`: a fault the client can wait out gets 503/507, anything else Django's 500."""
    exc = sys.exc_info()[1]
    if is_database_unavailable(exc):
        log.warning("database unavailable on %s: %s", request.path, exc)
        return fault_response(request, 503, "database_unavailable", DB_UNAVAILABLE)
    if is_disk_full(exc):
        log.error("no space left on %s: %s", request.path, exc)
        return fault_response(request, 507, "insufficient_storage", DISK_FULL)
    if not database_reachable():
        log.warning(
            "database unreachable on %s after %s: %s", request.path, type(exc).__name__, exc
        )
        return fault_response(request, 503, "database_unavailable", DB_UNAVAILABLE)
    return error_page(request, 500)
