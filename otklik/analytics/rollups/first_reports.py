"""First reports of a problem (KPI.md, «выявлено раньше жителей»): a registered appeal with no
earlier registered appeal of the same category within FIRST_REPORT_METRES and FIRST_REPORT_DAYS
before it. One appeal at a time, the appeals whose status one appeal decides, or all at once for
the rebuild (one pass per category over a grid of ~100 m cells, as durability does)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from datetime import timedelta

from otklik.appeals.models import Appeal
from otklik.appeals.workflow import Status
from otklik.lib.geo import bounding_box, distance_m

from .base import FIRST_REPORT_DAYS, FIRST_REPORT_METRES, AppealRow
from .durability import CELL, grid


def _placed(row) -> bool:
    """Whether the appeal is a report of a problem at a place: registered, not rejected, with
    a point and a category (the others cannot be matched and are left out of the figure)."""
    return (
        row.status != Status.REJECTED
        and row.registered_at is not None
        and row.latitude is not None
        and row.longitude is not None
        and row.category_id is not None
    )


def _near(row, start, end, *, end_inclusive: bool):
    """Registered appeals of the row's category within FIRST_REPORT_METRES whose registration
    lies in [start, end) (or [start, end] when `end_inclusive`)."""
    south, north, west, east = bounding_box(row.latitude, row.longitude, FIRST_REPORT_METRES)
    until = {"registered_at__lte" if end_inclusive else "registered_at__lt": end}
    candidates = (
        Appeal.objects.filter(
            category_id=row.category_id,
            registered_at__gte=start,
            latitude__range=(south, north),
            longitude__range=(west, east),
            **until,
        )
        .exclude(status=Status.REJECTED)
        .exclude(pk=row.pk)
        .values_list("pk", "latitude", "longitude")
        .order_by()
    )
    return [
        pk
        for pk, lat, lon in candidates
        if distance_m(row.latitude, row.longitude, lat, lon) <= FIRST_REPORT_METRES
    ]


def earlier_reports(row) -> list[int]:
    """The appeals that make `row` not a first report: registered in the FIRST_REPORT_DAYS
    before it (strictly earlier) in its category within FIRST_REPORT_METRES."""
    return _near(
        row,
        row.registered_at - timedelta(days=FIRST_REPORT_DAYS),
        row.registered_at,
        end_inclusive=False,
    )


def _is_first_report(row: AppealRow) -> bool:
    return _placed(row) and not earlier_reports(row)


def _first_report_neighbours(rows: Iterable[AppealRow]) -> set[int]:
    """Appeals whose first-report status an appeal among `rows` may decide: those registered in
    the FIRST_REPORT_DAYS after it nearby in its category (any status of the row: a rejection
    or a move frees them)."""
    found: set[int] = set()
    for row in rows:
        if row.registered_at is None or row.latitude is None or row.category_id is None:
            continue
        found.update(
            _near(
                row,
                row.registered_at,
                row.registered_at + timedelta(days=FIRST_REPORT_DAYS),
                end_inclusive=True,
            )
        )
    return found


def all_first_reports(*, categories: Iterable[int] | None = None) -> set[int]:
    """Every first report, in one pass per category (the rebuild's batch form); `categories`
    limits it to those (a parallel rebuild's share)."""
    first: set[int] = set()
    if categories is None:
        categories = (
            Appeal.objects.filter(registered_at__isnull=False, latitude__isnull=False)
            .exclude(status=Status.REJECTED)
            .values_list("category_id", flat=True)
            .distinct()
            .order_by()
        )
    for category_id in list(categories):
        if category_id is None:
            continue
        rows = (
            Appeal.objects.filter(
                category_id=category_id, registered_at__isnull=False, latitude__isnull=False
            )
            .exclude(status=Status.REJECTED)
            .exclude(longitude__isnull=True)
            .values_list("pk", "latitude", "longitude", "registered_at")
            .order_by()
        )
        appeals = list(rows.iterator(chunk_size=20000))
        first |= first_reports_in(grid(appeals), appeals)
    return first


def first_reports_in(cells, appeals: Iterable[tuple]) -> set[int]:
    """The registered appeals, (pk, latitude, longitude, registered_at), of the category
    `cells` holds (durability.grid) with no earlier one nearby: the first reports."""
    span = max(1, int(FIRST_REPORT_METRES / (111_000 * CELL)) + 1)
    lon_span = span * 3
    window = timedelta(days=FIRST_REPORT_DAYS)
    return {
        pk
        for pk, lat, lon, registered_at in appeals
        if not _has_earlier(cells, pk, lat, lon, registered_at, window, CELL, span, lon_span)
    }


def _has_earlier(cells, pk, lat, lon, registered_at, window, cell, span, lon_span) -> bool:
    ci, cj = int(lat / cell), int(lon / cell)
    for i in range(ci - span, ci + span + 1):
        for j in range(cj - lon_span, cj + lon_span + 1):
            found = cells.get((i, j))
            if found is None:
                continue
            times, entries = found
            low = bisect_left(times, registered_at - window)
            high = bisect_left(times, registered_at)
            if any(
                other != pk and distance_m(lat, lon, olat, olon) <= FIRST_REPORT_METRES
                for _registered, olat, olon, other in entries[low:high]
            ):
                return True
    return False
