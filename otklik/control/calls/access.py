"""Who may see, draw and record control calls, and who a phone number belongs to."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from otklik.accounts.models import Role
from otklik.control.models import CallList, ControlCall
from otklik.directory.models import Municipality, Region

# Who works with call lists: sees them, takes and records calls.
CALL_ROLES = frozenset({Role.CALLER, Role.OPERATOR, Role.ADMIN, Role.LEADERSHIP})
# Who phones applicants and so sees their names and numbers (leadership only on its own lists).
CALLER_ROLES = frozenset({Role.CALLER, Role.OPERATOR, Role.ADMIN})
# Who draws lists on demand.
DRAW_ROLES = frozenset({Role.OPERATOR, Role.ADMIN, Role.LEADERSHIP})
DIGITS = re.compile(r"\D+")


def phone_key(phone: str) -> str:
    """The digits that identify a phone number: «+7 (900) 123-45-67» and «8 900 1234567» are
    the same person."""
    digits = DIGITS.sub("", phone or "")
    return digits[-10:]


# ---------------------------------------------------------------------------- who may what


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def _memberships(user, roles: frozenset[str]):
    return [m for m in user.memberships.all() if m.role in roles]


def call_lists_visible_to(user) -> QuerySet[CallList]:
    """Lists of the regions where `user` works with calls; a municipality's people see the
    lists of their municipality and the region's lists that have calls in it."""
    if not _active(user):
        return CallList.objects.none()
    if user.is_superuser:
        return CallList.objects.all()
    q = Q(pk__in=[])
    for m in _memberships(user, CALL_ROLES):
        if m.region_id:
            q |= Q(region_id=m.region_id)
        elif m.municipality_id:
            q |= Q(municipality_id=m.municipality_id) | Q(
                pk__in=ControlCall.objects.filter(appeal__municipality_id=m.municipality_id).values(
                    "call_list_id"
                )
            )
    return CallList.objects.filter(q)


def calls_visible_to(user) -> QuerySet[ControlCall]:
    if not _active(user):
        return ControlCall.objects.none()
    if user.is_superuser:
        return ControlCall.objects.all()
    q = Q(pk__in=[])
    for m in _memberships(user, CALL_ROLES):
        if m.region_id:
            q |= Q(call_list__region_id=m.region_id)
        elif m.municipality_id:
            q |= Q(appeal__municipality_id=m.municipality_id)
    return ControlCall.objects.filter(q)


def _roles_over(user, region_id: int, municipality_id: int | None) -> set[str]:
    """The roles `user` holds in a scope covering the region or the municipality."""
    if not _active(user):
        return set()
    if user.is_superuser:
        return set(Role)
    return {
        m.role
        for m in user.memberships.all()
        if m.region_id == region_id or (municipality_id and m.municipality_id == municipality_id)
    }


def can_record(user, call: ControlCall) -> bool:
    """Whether `user` may phone the applicant: take the call, see the name and number, record
    attempts. Leadership phones on its own lists; the call centre and operators on all."""
    roles = _roles_over(user, call.call_list.region_id, call.appeal.municipality_id)
    if roles & CALLER_ROLES:
        return True
    return Role.LEADERSHIP in roles and call.call_list.purpose == CallList.Purpose.LEADERSHIP


def can_draw(user, region: Region, municipality: Municipality | None = None) -> bool:
    """Operators, administrators and leadership of the region draw lists (of a municipality's
    people, only lists of that municipality)."""
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    for m in _memberships(user, DRAW_ROLES):
        if m.region_id == region.pk:
            return True
        if municipality is not None and m.municipality_id == municipality.pk:
            return True
    return False


def drawable_scope(user) -> tuple[list[Region], QuerySet[Municipality]]:
    """The regions `user` may draw whole-region lists for, and the municipalities they may
    draw lists of."""
    if not _active(user):
        return [], Municipality.objects.none()
    if user.is_superuser:
        regions = list(Region.objects.order_by("pk"))
        return regions, Municipality.objects.all()
    members = _memberships(user, DRAW_ROLES)
    region_ids = {m.region_id for m in members if m.region_id}
    municipality_ids = {m.municipality_id for m in members if m.municipality_id}
    regions = list(Region.objects.filter(pk__in=region_ids).order_by("pk"))
    return regions, Municipality.objects.filter(
        Q(region_id__in=region_ids) | Q(pk__in=municipality_ids)
    )
