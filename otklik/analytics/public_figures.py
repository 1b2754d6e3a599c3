"""The figures of the public pages, read from the KPI rollups (a few indexed sums per page), and
the cached count of the public appeal list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db.models.functions import Coalesce
from django.utils import timezone

from otklik.appeals.models import Appeal
from otklik.directory.models import Category, Municipality, Region

from . import figures
from .figures import KpiSet, Period, Scope

REFRESH_SECONDS = 10 * 60


@dataclass(frozen=True)
class NamedPeriod:
    key: str
    period: Period

    @property
    def start(self) -> date:
        return self.period.start

    @property
    def last_day(self) -> date:
        return self.period.last_day


def _today(region_id: int, now: datetime) -> date:
    return figures.today_in(region_id, now)


def periods(today: date) -> list[NamedPeriod]:
    return [
        NamedPeriod("year", Period.last_twelve_months(today)),
        NamedPeriod("quarter", Period.quarter(today)),
    ]


def empty() -> KpiSet:
    return KpiSet.from_totals(figures.empty_totals(), {}, {})


def municipalities_summary(now: datetime) -> tuple[dict[int, KpiSet], Period]:
    """The last twelve months of every municipality of every region, and that period (of the
    last region, when regions are in different time zones)."""
    result: dict[int, KpiSet] = {}
    period = Period.last_twelve_months(now.date())
    for region_id, zone in Region.objects.values_list("pk", "time_zone"):
        today = now.astimezone(ZoneInfo(zone)).date()
        period = Period.last_twelve_months(today)
        result.update(figures.by_unit("municipality", region_id, period, today))
    return result, period


def municipality_kpis(unit: Municipality, now: datetime) -> list[tuple[NamedPeriod, KpiSet]]:
    today = _today(unit.region_id, now)
    scope = Scope(unit.region_id, municipality_id=unit.pk)
    return [(named, figures.kpis(scope, named.period, today)) for named in periods(today)]


def municipality_top(unit: Municipality, now: datetime, limit: int = 5) -> list[dict]:
    """The public top-level categories with the most appeals received in twelve months:
    `[{"root_id", "root_name", "count"}]`."""
    today = _today(unit.region_id, now)
    counts = figures.by_category(
        Scope(unit.region_id, municipality_id=unit.pk), Period.last_twelve_months(today)
    )
    roots: dict[int, dict] = {}
    rows = (
        Category.objects.filter(pk__in=counts, is_public=True)
        .annotate(root_id=Coalesce("parent_id", "pk"), root_name=Coalesce("parent__name", "name"))
        .values_list("pk", "root_id", "root_name")
    )
    for pk, root_id, root_name in rows:
        entry = roots.setdefault(root_id, {"root_id": root_id, "root_name": root_name, "count": 0})
        entry["count"] += counts[pk]
    return sorted(roots.values(), key=lambda r: (-r["count"], r["root_name"]))[:limit]


def list_total(filters_key: str, appeals) -> int:
    """How many public appeals a set of list filters finds, kept for ten minutes (a count of
    every public appeal is a scan that takes longer than the page itself)."""
    return cache.get_or_set(f"public-count:{filters_key}", appeals.count, 600)


def refresh(*, now: datetime | None = None, force: bool = False) -> int:
    """Recount the unfiltered public list if the last count is older than REFRESH_SECONDS;
    returns 1 when it recounted."""
    now = now or timezone.now()
    if not force and not cache.add("public-figures:refreshed", now.isoformat(), REFRESH_SECONDS):
        return 0
    cache.set("public-count:", Appeal.objects.public().count(), 600)
    return 1
