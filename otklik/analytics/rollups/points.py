"""Inspection points in the rollups («результативность объездов», KPI.md): the slot through
which analytics reads them, and what each point adds.

Inspections sits above analytics and analytics never imports it. So the points come in through
a slot: inspections registers a reader in `point_readers` at start-up (its AppConfig.ready())
and calls `refresh_points(ids)` whenever a point's status changes (otklik/inspections/kpi.py).
Analytics reads points only through the slot: the rebuild, the refresh, the straight
computation and the drill-down all see the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from otklik.lib.hooks import Hooks

from .base import Context, Contribution

# Readers: func(*, ids=None, region_id=None, start=None, end=None) -> iterable of PointRow.
# ids selects points (None: every point); region_id and [start, end) narrow to the points of a
# region checked in that window, when given.
point_readers = Hooks("analytics.inspection_points")

FOUND = "found"  # checked: a problem found (the team filed an appeal)
ALL_RIGHT = "ok"  # checked: all right
NO_ACCESS = "no_access"  # the team could not get there: not checked
CHECKED = (FOUND, ALL_RIGHT)


@dataclass(frozen=True)
class PointRow:
    """An inspection point as analytics sees it. `outcome` is FOUND, ALL_RIGHT, NO_ACCESS or ""
    (not visited yet, or dropped); `organization_id` is the organization whose team visited it
    (its plan's), `category_id` the first of its categories."""

    pk: int
    region_id: int
    municipality_id: int
    organization_id: int | None
    category_id: int | None
    outcome: str
    checked_at: datetime | None

    @property
    def checked(self) -> bool:
        return self.outcome in CHECKED and self.checked_at is not None

    @property
    def unit(self) -> tuple[int, int, int]:
        return (self.municipality_id or 0, self.organization_id or 0, self.category_id or 0)


def read_points(
    *,
    ids: Iterable[int] | None = None,
    region_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[PointRow]:
    """The points every registered reader gives (none when inspections is not installed)."""
    ids = None if ids is None else sorted({int(pk) for pk in ids})
    rows: list[PointRow] = []
    for entry in point_readers.entries():
        rows.extend(entry.func(ids=ids, region_id=region_id, start=start, end=end))
    return rows


def point_contributions(rows: Iterable[PointRow], ctx: Context) -> dict[int, Contribution]:
    """A checked point adds `points_checked` (and `points_found`) on the day it was checked,
    under its municipality, its team's organization and its first category."""
    result = {}
    for row in rows:
        c = Contribution(row.region_id, row.unit)
        result[row.pk] = c
        if not row.checked:
            continue
        day = ctx.day(row.region_id, row.checked_at)
        c.add(day, "points_checked")
        if row.outcome == FOUND:
            c.add(day, "points_found")
    return result
