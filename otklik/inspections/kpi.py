"""Inspection points in the KPI rollups («результативность объездов»).

Inspections is above analytics, so it is inspections that keeps analytics informed: it
registers the reader analytics reads points through (analytics.rollups.point_readers), and
refreshes a point's figures whenever the point is saved or deleted, in the same transaction.
Code that changes points with QuerySet.update() (no save) calls `points_changed(ids)` itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import OuterRef, Subquery

from otklik.analytics import figures_cache, rollups
from otklik.analytics.rollups.points import ALL_RIGHT, FOUND, NO_ACCESS

from .models import InspectionPoint, PlanStop

OUTCOMES = {
    InspectionPoint.Status.CHECKED_FOUND: FOUND,
    InspectionPoint.Status.CHECKED_OK: ALL_RIGHT,
    InspectionPoint.Status.NO_ACCESS: NO_ACCESS,
}


def read_points(
    *,
    ids: Iterable[int] | None = None,
    region_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[rollups.PointRow]:
    """Points as analytics sees them (one query): the organization is that of the plan whose
    team had the point on its route, the category the first of the point's categories."""
    points = InspectionPoint.objects.all()
    if ids is not None:
        points = points.filter(pk__in=list(ids))
    if region_id is not None:
        points = points.filter(municipality__region_id=region_id)
    if start is not None:
        points = points.filter(checked_at__gte=start)
    if end is not None:
        points = points.filter(checked_at__lt=end)
    routed = PlanStop.objects.filter(point=OuterRef("pk"), team__isnull=False).order_by("-pk")
    rows = (
        points.annotate(organization=Subquery(routed.values("plan__organization_id")[:1]))
        .order_by()
        .values_list(
            "pk",
            "municipality__region_id",
            "municipality_id",
            "organization",
            "category_ids",
            "status",
            "checked_at",
        )
    )
    return [
        rollups.PointRow(
            pk=pk,
            region_id=region,
            municipality_id=municipality,
            organization_id=organization,
            category_id=(categories or [None])[0],
            outcome=OUTCOMES.get(status, ""),
            checked_at=checked_at,
        )
        for pk, region, municipality, organization, categories, status, checked_at in rows
    ]


def points_changed(ids: Iterable[int]) -> int:
    """Bring the KPI rollups up to date with these points (after a bulk update)."""
    done = rollups.refresh_points(ids)
    figures_cache.bump()
    return done


def _saved(sender, instance: InspectionPoint, **kwargs) -> None:
    if kwargs.get("raw"):
        return  # fixtures loading: `rebuild_rollups` counts them
    rollups.refresh_points([instance.pk])
    figures_cache.bump()


def register() -> None:
    """Called from InspectionsConfig.ready()."""
    from django.db.models.signals import post_delete, post_save

    rollups.point_readers.register("inspections", read_points)
    post_save.connect(_saved, sender=InspectionPoint, dispatch_uid="inspections.kpi.saved")
    post_delete.connect(_saved, sender=InspectionPoint, dispatch_uid="inspections.kpi.deleted")
