"""Where the week's appeals are: grid cells, new hot spots and the heat map layers."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Count, F, IntegerField, Max, Q, Window
from django.db.models.functions import Cast, Floor, RowNumber
from django.utils.translation import gettext as _

from otklik.appeals.models import Appeal
from otklik.appeals.workflow import Status
from otklik.control.models import ControlCall, FollowUp
from otklik.lib.db_router import replica_reads

from ..figures import Period, midnight
from .weeks import (
    CELL_METRES,
    FAILED_WEEKS,
    HEATMAP_CELLS,
    HOT_BEFORE_MAX,
    HOT_BEFORE_WEEKS,
    HOT_LIMIT,
    HOT_MIN,
    HOT_SAMPLE,
    REGISTRATION_MARGIN,
    WEEK,
)


@dataclass(frozen=True)
class Grid:
    """Cells of about CELL_METRES on a side: latitude and longitude steps for the region's
    latitude (a cell is a little narrower towards the poles of a large region; that is fine)."""

    lat_step: float
    lon_step: float

    @classmethod
    def for_latitude(cls, latitude: float | None) -> Grid:
        lat_step = CELL_METRES / 111_320
        cosine = max(math.cos(math.radians(latitude if latitude is not None else 55.0)), 0.1)
        return cls(lat_step, lat_step / cosine)

    def annotations(self, prefix: str = "") -> dict:
        return {
            "cy": Cast(Floor(F(f"{prefix}latitude") / self.lat_step), IntegerField()),
            "cx": Cast(Floor(F(f"{prefix}longitude") / self.lon_step), IntegerField()),
        }

    def polygon(self, cy: int, cx: int) -> list[list[list[float]]]:
        south, west = cy * self.lat_step, cx * self.lon_step
        north, east = south + self.lat_step, west + self.lon_step
        ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
        return [[[round(lon, 6), round(lat, 6)] for lon, lat in ring]]

    def centre(self, cy: int, cx: int) -> tuple[float, float]:
        return round((cy + 0.5) * self.lat_step, 6), round((cx + 0.5) * self.lon_step, 6)


def _registered_in(region_id: int, start: datetime, end: datetime):
    """Appeals of the region registered in [start, end), found through the (region, created_at)
    index: an appeal is created before it is registered, and registered within days."""
    return (
        Appeal.objects.filter(
            region_id=region_id,
            created_at__gte=start - REGISTRATION_MARGIN,
            created_at__lt=end,
            registered_at__gte=start,
            registered_at__lt=end,
        )
        .exclude(status=Status.REJECTED)
        .order_by()
    )


@dataclass
class HotSpot:
    cy: int
    cx: int
    latitude: float
    longitude: float
    count: int
    before: int
    category: str = ""
    category_count: int = 0
    address: str = ""
    appeals: list[dict] = field(default_factory=list)


def hot_spots(region_id: int, period: Period, tz: ZoneInfo, grid: Grid) -> list[HotSpot]:
    """New hot spots: cells with ≥ HOT_MIN appeals registered this week where the previous
    HOT_BEFORE_WEEKS weeks had ≤ HOT_BEFORE_MAX; with the top category and a sample of appeals.
    Three queries over the appeals of those weeks only."""
    week_start, week_end = period.bounds(tz)
    start = midnight(period.start - HOT_BEFORE_WEEKS * WEEK, tz)
    located = _registered_in(region_id, start, week_end).filter(latitude__isnull=False)
    cells = list(
        located.annotate(**grid.annotations())
        .values("cy", "cx")
        .annotate(
            week=Count("pk", filter=Q(registered_at__gte=week_start)),
            before=Count("pk", filter=Q(registered_at__lt=week_start)),
        )
        .filter(week__gte=HOT_MIN, before__lte=HOT_BEFORE_MAX)
        .order_by("-week", "cy", "cx")[:HOT_LIMIT]
    )
    if not cells:
        return []
    spots = {}
    for cell in cells:
        lat, lon = grid.centre(cell["cy"], cell["cx"])
        spots[cell["cy"], cell["cx"]] = HotSpot(
            cell["cy"], cell["cx"], lat, lon, cell["week"], cell["before"]
        )
    in_cells = Q(pk__in=[])
    for cy, cx in spots:
        in_cells |= Q(cy=cy, cx=cx)
    this_week = (
        located.filter(registered_at__gte=week_start)
        .annotate(**grid.annotations())
        .filter(in_cells)
    )
    by_category = (
        this_week.values("cy", "cx", "category_id")
        .annotate(n=Count("pk"), name=Max("category__name"))
        .order_by("cy", "cx", "-n", "name")
    )
    for row in by_category:
        spot = spots[row["cy"], row["cx"]]
        if row["n"] > spot.category_count:
            spot.category_count = row["n"]
            spot.category = row["name"] or _("Without a category")
    expressions = grid.annotations()
    sample = (
        this_week.annotate(
            position=Window(
                RowNumber(),
                partition_by=[expressions["cy"], expressions["cx"]],
                order_by=[F("registered_at").desc(), F("pk").desc()],
            )
        )
        .filter(position__lte=HOT_SAMPLE)
        .values("cy", "cx", "number", "address", "registered_at")
    )
    for row in sample:
        spot = spots[row["cy"], row["cx"]]
        spot.appeals.append(row)
        if not spot.address and row["address"]:
            spot.address = row["address"]
    return list(spots.values())


@replica_reads()
def heatmap(
    region_id: int, period: Period, tz: ZoneInfo, grid: Grid, layer: str
) -> tuple[list[dict], bool]:
    """Grid cells with counts: appeals registered in the week ("appeals"), or failed checks —
    not-solved control calls and «the fix did not last» questionnaires of the FAILED_WEEKS weeks
    up to the week's end ("failed"). At most HEATMAP_CELLS cells, the fullest; the flag says
    whether some were left out."""
    start, end = period.bounds(tz)
    counts: dict[tuple[int, int], int] = defaultdict(int)
    if layer == "appeals":
        sources = [_registered_in(region_id, start, end).filter(latitude__isnull=False)]
        prefix = ""
    elif layer == "failed":
        since = midnight(period.end - FAILED_WEEKS * WEEK, tz)
        sources = [
            ControlCall.objects.filter(
                completed_at__gte=since,
                completed_at__lt=end,
                state=ControlCall.State.DONE,
                is_solved=False,
                appeal__region_id=region_id,
                appeal__latitude__isnull=False,
            ).order_by(),
            FollowUp.objects.filter(
                answered_at__gte=since,
                answered_at__lt=end,
                fix_lasted=False,
                appeal__region_id=region_id,
                appeal__latitude__isnull=False,
            ).order_by(),
        ]
        prefix = "appeal__"
    else:
        raise ValueError(layer)
    truncated = False
    for source in sources:
        rows = (
            source.annotate(**grid.annotations(prefix))
            .values("cy", "cx")
            .annotate(n=Count("pk"))
            .order_by("-n", "cy", "cx")[: HEATMAP_CELLS + 1]
        )
        rows = list(rows)
        truncated |= len(rows) > HEATMAP_CELLS
        for row in rows[:HEATMAP_CELLS]:
            counts[row["cy"], row["cx"]] += row["n"]
    cells = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    truncated |= len(cells) > HEATMAP_CELLS
    return [{"cy": cy, "cx": cx, "count": n} for (cy, cx), n in cells[:HEATMAP_CELLS]], truncated


def heatmap_geojson(cells: list[dict], grid: Grid, layer: str, truncated: bool) -> dict:
    top = max((cell["count"] for cell in cells), default=0)
    return {
        "type": "FeatureCollection",
        "layer": layer,
        "truncated": truncated,
        "max": top,
        "features": [
            {
                "type": "Feature",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": grid.polygon(cell["cy"], cell["cx"]),
                },
                "properties": {
                    "count": cell["count"],
                    "intensity": round(cell["count"] / top, 3) if top else 0,
                },
            }
            for cell in cells
        ],
    }
