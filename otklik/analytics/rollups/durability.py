"""Durability failures (KPI.md): a closed appeal followed within DURABILITY_DAYS by an appeal of
the same category within DURABILITY_METRES. One appeal at a time, or all at once for the rebuild."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import timedelta

from otklik.appeals.models import Appeal
from otklik.appeals.workflow import Status
from otklik.lib.geo import bounding_box, distance_m

from .base import DURABILITY_DAYS, DURABILITY_METRES, AppealRow


def durability_followers(appeal: Appeal | AppealRow):
    """Appeals of the same category within DURABILITY_METRES registered in the DURABILITY_DAYS
    after `appeal` was closed (any applicant): KPI.md's durability failures."""
    south, north, west, east = bounding_box(appeal.latitude, appeal.longitude, DURABILITY_METRES)
    candidates = (
        Appeal.objects.filter(
            category_id=appeal.category_id,
            registered_at__gt=appeal.closed_at,
            registered_at__lte=appeal.closed_at + timedelta(days=DURABILITY_DAYS),
            latitude__range=(south, north),
            longitude__range=(west, east),
        )
        .exclude(status=Status.REJECTED)
        .exclude(pk=appeal.pk)
        .order_by("registered_at")
    )
    return [
        other
        for other in candidates
        if distance_m(appeal.latitude, appeal.longitude, other.latitude, other.longitude)
        <= DURABILITY_METRES
    ]


def _has_point(row) -> bool:
    return row.latitude is not None and row.longitude is not None and row.category_id is not None


def _durability_failed(row: AppealRow) -> bool:
    if row.status != Status.CLOSED or row.closed_at is None or not _has_point(row):
        return False
    return bool(durability_followers(row))


def _durability_neighbours(rows: Iterable[AppealRow]) -> set[int]:
    """Closed appeals whose durability a registered appeal among `rows` may decide."""
    found = set()
    for row in rows:
        if row.registered_at is None or not _has_point(row):
            continue
        south, north, west, east = bounding_box(row.latitude, row.longitude, DURABILITY_METRES)
        found.update(
            Appeal.objects.filter(
                category_id=row.category_id,
                closed_at__gte=row.registered_at - timedelta(days=DURABILITY_DAYS),
                closed_at__lt=row.registered_at,
                latitude__range=(south, north),
                longitude__range=(west, east),
            ).values_list("pk", flat=True)
        )
    return found


def all_durability_failures(
    progress: Callable[[int], None] | None = None, *, categories: Iterable[int] | None = None
) -> set[int]:
    """Every closed appeal followed by a nearby appeal of its category within 90 days, found in
    one pass per category over a grid of cells about 100 m wide (the rebuild's batch form of
    `durability_followers`). `categories` limits it to those (a parallel rebuild's share)."""
    failures: set[int] = set()
    if categories is None:
        categories = (
            Appeal.objects.filter(closed_at__isnull=False, latitude__isnull=False)
            .exclude(status=Status.REJECTED)
            .values_list("category_id", flat=True)
            .distinct()
            .order_by()
        )
    for category_id in list(categories):
        if category_id is None:
            continue
        rows = (
            Appeal.objects.filter(category_id=category_id, latitude__isnull=False)
            .exclude(status=Status.REJECTED)
            .values_list("pk", "latitude", "longitude", "registered_at", "closed_at", "status")
            .order_by()
        )
        registered, closed = [], []
        for pk, lat, lon, registered_at, closed_at, status in rows.iterator(chunk_size=20000):
            if registered_at is not None:
                registered.append((pk, lat, lon, registered_at))
            if status == Status.CLOSED and closed_at is not None:
                closed.append((pk, lat, lon, closed_at))
        failures |= failures_in(grid(registered), closed)
        if progress:
            progress(len(closed))
    return failures


CELL = 0.001  # degrees of latitude ≈ 111 m; longitude cells are narrower, checked around


def grid(registered: Iterable[tuple]) -> dict[tuple[int, int], tuple[list, list]]:
    """Registered appeals of one category, (pk, latitude, longitude, registered_at), by cells
    of CELL degrees, each cell's in registration order: (times, entries). Shared by the
    durability and first-report passes."""
    cells: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    for pk, lat, lon, registered_at in registered:
        cells[(int(lat / CELL), int(lon / CELL))].append((registered_at, lat, lon, pk))
    result = {}
    for key, entries in cells.items():
        entries.sort(key=lambda entry: entry[0])
        result[key] = ([entry[0] for entry in entries], entries)
    return result


def failures_in(cells, closed: Iterable[tuple]) -> set[int]:
    """The closed appeals, (pk, latitude, longitude, closed_at), of the category `cells` holds
    that a registered appeal within DURABILITY_METRES followed within DURABILITY_DAYS."""
    failures = set()
    span = max(1, int(DURABILITY_METRES / (111_000 * CELL)) + 1)
    # Longitude degrees are shorter than latitude ones: look wider east and west.
    lon_span = span * 3
    for pk, lat, lon, closed_at in closed:
        limit = closed_at + timedelta(days=DURABILITY_DAYS)
        ci, cj = int(lat / CELL), int(lon / CELL)
        for i in range(ci - span, ci + span + 1):
            for j in range(cj - lon_span, cj + lon_span + 1):
                found = cells.get((i, j))
                if found is None:
                    continue
                times, entries = found
                first, last = bisect_right(times, closed_at), bisect_right(times, limit)
                if any(
                    other != pk and distance_m(lat, lon, olat, olon) <= DURABILITY_METRES
                    for _registered, olat, olon, other in entries[first:last]
                ):
                    failures.add(pk)
                    break
            else:
                continue
            break
    return failures
