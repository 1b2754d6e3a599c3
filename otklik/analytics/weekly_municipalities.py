"""The municipalities of the weekly review: each one's repeat share and durability failures in
the week, by KPI.md's definitions, read from the rollups in one grouped query.

Repeat share: of the appeals registered in the week, the repeat appeals. Durability failures: of
the appeals closed in the week, those followed within 90 days by an appeal of the same category
within 100 m (the rollups add a failure to the day its appeal was closed as soon as the follower
is registered, so a recent week's figure can still grow).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from otklik.directory.models import Municipality

from . import figures
from .figures import KpiSet, Period, Share


@dataclass(frozen=True)
class MunicipalityRow:
    municipality_id: int
    name: str
    received: int
    repeat: Share  # repeat appeals of those registered in the week
    durability: Share  # durability failures of those closed in the week


def municipality_rows(region_id: int, period: Period, today: date) -> list[MunicipalityRow]:
    """Every municipality of the region, by name, with its figures of `period` (zero when it had
    no appeals): two queries, the names and one grouped sum over the municipality rollups."""
    found = figures.by_unit("municipality", region_id, period, today)
    empty = KpiSet.from_totals(figures.empty_totals(), {}, {})
    names = Municipality.objects.filter(region_id=region_id).order_by("name", "pk")
    rows = []
    for pk, name in names.values_list("pk", "name"):
        k = found.get(pk, empty)
        rows.append(MunicipalityRow(pk, name, k.received, k.repeat, k.durability))
    return rows
