"""Staff pass the second factor before any page: an unverified member of staff is sent to the
code page (or, the first time, to enrolment) from everywhere but the pages of the login itself.

The API and Open311 are left alone: they authenticate by key, never by the session.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from . import two_factor

EXEMPT_PREFIXES = (
    "/accounts/two-factor/",
    "/accounts/login/",
    "/accounts/logout/",
    "/static/",
    "/health/",
    "/ready/",
    "/metrics",
    "/api/",
    "/open311/",
)


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.STAFF_TWO_FACTOR
            and not request.path.startswith(EXEMPT_PREFIXES)
            and two_factor.required_for(request.user)
            and not two_factor.is_verified(request)
        ):
            return self.to_second_factor(request)
        return self.get_response(request)

    def to_second_factor(self, request):
        target = request.get_full_path() if request.method == "GET" else ""
        url = reverse("two_factor:verify")
        if target:
            url += "?" + urlencode({"next": target})
        if request.headers.get("HX-Request"):
            # htmx would swap the code page into a fragment: have it load the page instead.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)
