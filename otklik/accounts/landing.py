"""Where a person lands after logging in when no safe `next` address says otherwise: staff
on their office start page (`/office/` sends each role on to where its day starts),
citizens on the portal."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

OFFICE_HOME = "office:home"


def is_staff_member(user) -> bool:
    """Holds a role in some scope (or is a superuser): the office is their place of work."""
    return bool(user.is_authenticated and (user.is_superuser or user.roles()))


def landing_url(user) -> str:
    """The start page after a login without a `next` address."""
    if is_staff_member(user):
        return reverse(OFFICE_HOME)
    return resolve_url(settings.LOGIN_REDIRECT_URL)
