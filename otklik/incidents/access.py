"""The only way a view gets an incident or a signal: permission-checked fetches and role checks."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from otklik.accounts.models import Role

from .models import ExternalSignal, Incident

# Who opens the incident pages (executors see only incidents holding their appeals).
VIEWERS = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.LEADERSHIP, Role.ADMIN, Role.EXECUTOR})
# Who closes, reopens and renames an incident of their territory.
MANAGERS = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN})
# Who works the external signals of their territory.
SIGNAL_ROLES = frozenset({Role.OPERATOR, Role.ADMIN})


def _territory_q(user, roles: frozenset[str]) -> Q:
    q = Q(pk__in=[])
    for m in user.memberships.all():
        if m.role not in roles:
            continue
        if m.region_id:
            q |= Q(region_id=m.region_id)
        elif m.municipality_id:
            q |= Q(municipality_id=m.municipality_id)
    return q


def get_incident_for(user, pk) -> Incident:
    """The incident if `user` may see it; 404 otherwise (no hint that it exists)."""
    try:
        return (
            Incident.objects.visible_to(user)
            .select_related("region", "municipality", "category", "merged_into", "closed_by")
            .get(pk=int(pk))
        )
    except (Incident.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such incident") from exc


def can_manage(user, incident: Incident) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return Incident.objects.filter(pk=incident.pk).filter(_territory_q(user, MANAGERS)).exists()


def signals_visible_to(user):
    if not user.is_authenticated or not user.is_active:
        return ExternalSignal.objects.none()
    if user.is_superuser:
        return ExternalSignal.objects.all()
    return ExternalSignal.objects.filter(_territory_q(user, SIGNAL_ROLES))


def get_signal_for(user, pk) -> ExternalSignal:
    try:
        return signals_visible_to(user).select_related("region", "municipality").get(pk=int(pk))
    except (ExternalSignal.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such signal") from exc
