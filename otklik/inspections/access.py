"""Who may see and plan inspections: the field teams a person may plan, and from them the
organizations, municipalities, points and plans they see. Shared by the office's pages and the
REST API (one rule for both windows).

A planner is a supervisor, an operator or an administrator (or a superuser):
- of an organization: that organization's teams (and its subordinate organizations');
- of a municipality or a region: the teams that serve a municipality of that territory.
The points a planner sees are those of the municipalities their teams serve; a plan is seen
when its organization has a team the planner may plan. Executors and other roles see nothing.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from otklik.accounts.models import Role
from otklik.appeals.models import organization_and_descendants
from otklik.directory.models import Municipality, Organization

from .models import FieldTeam, InspectionPlan, InspectionPoint

PLANNERS = frozenset({Role.SUPERVISOR, Role.OPERATOR, Role.ADMIN})


def team_scope_q(user) -> Q:
    """Field teams `user` may plan (an always-false Q if none)."""
    nothing = Q(pk__in=[])
    if not user.is_authenticated or not user.is_active:
        return nothing
    if user.is_superuser:
        return Q()
    q, organizations = nothing, set()
    for m in user.memberships.all():
        if m.role not in PLANNERS:
            continue
        if m.organization_id:
            organizations.add(m.organization_id)
        elif m.municipality_id:
            q |= Q(municipality_id=m.municipality_id)
        elif m.region_id:
            q |= Q(municipality__region_id=m.region_id)
    if organizations:
        q |= Q(organization_id__in=organization_and_descendants(organizations))
    return q


def plannable_teams(user) -> QuerySet[FieldTeam]:
    """Active field teams `user` may put on a plan."""
    return FieldTeam.objects.filter(team_scope_q(user), is_active=True)


def can_plan(user) -> bool:
    """Whether `user` has any team to plan (the menu shows the pages only then); kept on the
    user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_can_plan_inspections", None)
    if cached is None:
        cached = (user.is_superuser or user.has_role(*PLANNERS)) and (
            plannable_teams(user).exists()
        )
        user._can_plan_inspections = cached
    return cached


def plannable_organizations(user) -> QuerySet[Organization]:
    return Organization.objects.filter(pk__in=plannable_teams(user).values("organization_id"))


def plannable_municipalities(user) -> QuerySet[Municipality]:
    return Municipality.objects.filter(pk__in=plannable_teams(user).values("municipality_id"))


def points_visible_to(user) -> QuerySet[InspectionPoint]:
    return InspectionPoint.objects.filter(
        municipality_id__in=plannable_teams(user).values("municipality_id")
    )


def plans_visible_to(user) -> QuerySet[InspectionPlan]:
    return InspectionPlan.objects.filter(
        organization_id__in=plannable_teams(user).values("organization_id")
    )
