"""Directory decisions: which municipality a point lies in, which executor an appeal goes to."""

from __future__ import annotations

from otklik.lib.geo import contains, distance_m

from . import reference
from .models import Category, Municipality, Organization, Region, RoutingRule


def find_municipality(*, region: Region, lat: float, lon: float) -> Municipality | None:
    """The municipality whose boundary holds the point; without boundaries, the nearest centre.

    A point inside no boundary (outside the region) gives None.
    """
    found = reference.snapshot().find_municipality(region.pk, lat, lon)
    if found is not None:
        return found or None
    municipalities = list(Municipality.objects.filter(region=region))
    with_boundary = [m for m in municipalities if m.boundary]
    if with_boundary:
        for municipality in with_boundary:
            if contains(municipality.boundary_shape, lat, lon):
                return municipality
        return None
    if not municipalities:
        return None
    return min(municipalities, key=lambda m: distance_m(lat, lon, m.center_lat, m.center_lon))


# Where a map opens when a deployment has no region centre and no municipalities yet (Moscow).
FALLBACK_CENTER = (55.7558, 37.6173)


def map_center(region: Region | None) -> tuple[float, float]:
    """Where the region's maps open: its centre, else its first municipality's."""
    if region is None:
        return FALLBACK_CENTER
    if region.center_lat is not None and region.center_lon is not None:
        return region.center_lat, region.center_lon
    first = region.municipalities.order_by("pk").first()
    return (first.center_lat, first.center_lon) if first else FALLBACK_CENTER


class Router:
    """Routing suggestions for many appeals from the rules of their categories, loaded once.

    Precedence: higher priority, then a rule of the appeal's own municipality over one for any,
    then the appeal's own category over its parent, then the older rule.
    """

    def __init__(self, categories: list[Category]):
        ids = {c.pk for c in categories} | {c.parent_id for c in categories if c.parent_id}
        self.rules = list(
            RoutingRule.objects.filter(
                is_active=True, organization__is_active=True, category_id__in=ids
            ).select_related("organization")
        )

    def suggest(self, category: Category | None, municipality_id: int | None):
        if category is None:
            return None
        categories = {category.pk, category.parent_id} - {None}
        matching = [
            rule
            for rule in self.rules
            if rule.category_id in categories and rule.municipality_id in (municipality_id, None)
        ]
        if not matching:
            return None
        best = min(
            matching,
            key=lambda r: (
                -r.priority,
                -(r.municipality_id is not None),
                -(r.category_id == category.pk),
                r.pk,
            ),
        )
        return best.organization


def route_executor(*, category: Category, municipality: Municipality | None) -> Organization | None:
    """The executor the best matching routing rule names, or None if no rule matches."""
    return Router([category]).suggest(category, municipality.pk if municipality else None)
