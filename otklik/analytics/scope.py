"""Which figures a member of staff may look at: the territories and organizations of their
memberships as leadership, operator, administrator or supervisor.

A *grant* is one such membership: a whole region (anyone may then pick any municipality,
organization or category in it), a municipality (the figures are always clamped to it; any
organization may narrow them further) or a supervised organization with its subordinates. A scope
a user asks for is either inside one of their grants or refused (`resolve` returns None and the
page answers 404), so no figure of another territory ever leaks. Executors, callers, field teams
and citizens hold no grant. Superusers hold every region, the first one by default.

The weekly review has its own, simpler rule: `review_regions`, the regions a user watches as a
whole as leadership, operator or administrator (REVIEW_ROLES).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from otklik.accounts.models import Role
from otklik.analytics.figures import Scope
from otklik.appeals.models import organization_and_descendants
from otklik.directory.models import Municipality, Organization, Region

ANALYTICS_ROLES = frozenset({Role.LEADERSHIP, Role.OPERATOR, Role.ADMIN, Role.SUPERVISOR})
# Rankings compare the units of a whole region: for those who watch the region.
RANKING_ROLES = frozenset({Role.LEADERSHIP, Role.OPERATOR, Role.ADMIN})
# The weekly review, likewise.
REVIEW_ROLES = frozenset({Role.LEADERSHIP, Role.OPERATOR, Role.ADMIN})
# Breadth of a grant, broadest first: the default scope is that of the broadest grant.
_REGION, _MUNICIPALITY, _ORGANIZATION = 0, 1, 2


@dataclass(frozen=True)
class Grant:
    role: str
    region_id: int
    municipality_id: int | None = None
    # A supervised organization first, then its subordinates.
    organization_ids: tuple[int, ...] = ()

    @property
    def breadth(self) -> int:
        if self.organization_ids:
            return _ORGANIZATION
        return _MUNICIPALITY if self.municipality_id else _REGION

    @property
    def whole_region(self) -> bool:
        return self.breadth == _REGION

    def scope(self, municipality_id: int | None, organization_id: int | None) -> Scope | None:
        """The scope asked for, clamped to this grant, or None when it lies outside."""
        if self.municipality_id:
            municipality_id = municipality_id or self.municipality_id
            if municipality_id != self.municipality_id:
                return None
        if self.organization_ids:
            organization_id = organization_id or self.organization_ids[0]
            if organization_id not in self.organization_ids:
                return None
        return Scope(self.region_id, municipality_id, organization_id)


def grants(user) -> list[Grant]:
    """The user's analytics grants, broadest first (cached on the user object)."""
    if hasattr(user, "_analytics_grants"):
        return user._analytics_grants
    found: list[Grant] = []
    if user.is_authenticated and user.is_active:
        if user.is_superuser:
            found = [Grant(Role.ADMIN, pk) for pk in Region.objects.values_list("pk", flat=True)]
        else:
            found = _membership_grants(user)
    user._analytics_grants = found
    return found


def _membership_grants(user) -> list[Grant]:
    memberships = user.memberships.filter(role__in=ANALYTICS_ROLES).select_related(
        "municipality", "organization"
    )
    found = []
    for m in memberships:
        if m.region_id:
            found.append(Grant(m.role, m.region_id))
        elif m.municipality_id:
            found.append(Grant(m.role, m.municipality.region_id, m.municipality_id))
        elif m.organization_id:
            below = organization_and_descendants({m.organization_id}) - {m.organization_id}
            ids = (m.organization_id, *sorted(below))
            found.append(Grant(m.role, m.organization.region_id, organization_ids=ids))
    found.sort(key=lambda g: (g.breadth, g.region_id, g.municipality_id or 0, g.organization_ids))
    return list(dict.fromkeys(found))


def regions(user) -> list[int]:
    return list(dict.fromkeys(g.region_id for g in grants(user)))


def default_region(user, requested: int | None = None) -> int | None:
    """The region asked for when the user holds a grant there, else their first; None if none
    (or if the region asked for is not theirs)."""
    held = regions(user)
    if requested is None:
        return held[0] if held else None
    return requested if requested in held else None


def resolve(
    user,
    *,
    region_id: int | None = None,
    municipality_id: int | None = None,
    organization_id: int | None = None,
    category_ids: tuple[int, ...] = (),
    roles: Iterable[str] = ANALYTICS_ROLES,
) -> Scope | None:
    """The scope asked for if the user may see it (clamped to a municipality or organization
    grant when none was asked for), else None. Ids must belong to the region."""
    region = default_region(user, region_id)
    if region is None:
        return None
    roles = set(roles)
    if (
        municipality_id
        and not Municipality.objects.filter(pk=municipality_id, region=region).exists()
    ):
        return None
    if (
        organization_id
        and not Organization.objects.filter(pk=organization_id, region=region).exists()
    ):
        return None
    for grant in grants(user):
        if grant.region_id != region or grant.role not in roles:
            continue
        scope = grant.scope(municipality_id, organization_id)
        if scope is not None:
            return Scope(
                scope.region_id, scope.municipality_id, scope.organization_id, category_ids
            )
    return None


def can_rank(user, region_id: int) -> bool:
    """Rankings are for those who watch the whole region."""
    return any(
        g.region_id == region_id and g.whole_region and g.role in RANKING_ROLES
        for g in grants(user)
    )


def can_configure_ranking(user, region_id: int) -> bool:
    return user.is_superuser or any(
        g.region_id == region_id and g.whole_region and g.role == Role.ADMIN for g in grants(user)
    )


def ranking_regions(user) -> list[int]:
    return [r for r in regions(user) if can_rank(user, r)]


@dataclass(frozen=True)
class Choices:
    """What the scope selectors of a page offer the user in a region."""

    municipalities: list[tuple[int, str]]
    organizations: list[tuple[int, str]]
    whole_region: bool


def choices(user, region_id: int) -> Choices:
    held = [g for g in grants(user) if g.region_id == region_id]
    if any(g.whole_region for g in held):
        municipalities = list(
            Municipality.objects.filter(region_id=region_id)
            .order_by("name")
            .values_list("pk", "name")
        )
        organizations = _organizations(Organization.objects.filter(region_id=region_id))
        return Choices(municipalities, organizations, True)
    municipality_ids = {g.municipality_id for g in held if g.municipality_id}
    organization_ids = {pk for g in held for pk in g.organization_ids}
    municipalities = list(
        Municipality.objects.filter(pk__in=municipality_ids)
        .order_by("name")
        .values_list("pk", "name")
    )
    # In a municipality, its own bodies and the regional ones that work there.
    shown = Organization.objects.filter(region_id=region_id, pk__in=organization_ids)
    if municipality_ids:
        shown = Organization.objects.filter(region_id=region_id).filter(
            Q(municipality_id__in=municipality_ids)
            | Q(municipality__isnull=True)
            | Q(pk__in=organization_ids)
        )
    return Choices(municipalities, _organizations(shown), False)


def _organizations(queryset) -> list[tuple[int, str]]:
    return [
        (pk, short or name)
        for pk, short, name in queryset.order_by("name").values_list("pk", "short_name", "name")
    ]


def review_regions(user) -> list[Region]:
    """The regions whose weekly review `user` may open: region-wide leadership, operators and
    administrators; every region for a superuser."""
    regions = Region.objects.order_by("name", "pk")
    if not user.is_superuser:
        regions = regions.filter(
            pk__in=user.memberships.filter(role__in=REVIEW_ROLES, region__isnull=False).values(
                "region_id"
            )
        )
    return list(regions)
