"""The figures of the public pages, kept in the shared cache and refreshed by the periodic job,
so that no visitor waits for a year of aggregates (rollup tables replace this with issue 5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from otklik.appeals.models import Appeal
from otklik.directory.models import Municipality

from . import kpi

# Values outlive two refreshes, so a view finds them even when one pass is late or fails.
KEEP_SECONDS = 45 * 60
REFRESH_SECONDS = 15 * 60
MARK = "public-figures:refreshed"


@dataclass(frozen=True)
class Period:
    key: str
    start: datetime
    end: datetime


def periods(now: datetime) -> list[Period]:
    return [
        Period("year", *kpi.last_twelve_months(now)),
        Period("quarter", *kpi.current_quarter(now)),
    ]


def _key(name: str, period: Period) -> str:
    return f"kpi:{name}:{period.start.date().isoformat()}:{period.end.date().isoformat()}"


def _get(key: str, compute, *, refresh: bool):
    value = None if refresh else cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, KEEP_SECONDS)
    return value


def municipalities_summary(now: datetime, *, refresh: bool = False) -> dict[int, kpi.UnitSummary]:
    year = periods(now)[0]
    return _get(
        _key("municipalities", year),
        lambda: kpi.summaries_by("municipality", start=year.start, end=year.end, now=now),
        refresh=refresh,
    )


def municipality_kpis(
    unit_id: int, now: datetime, *, refresh: bool = False
) -> list[tuple[Period, kpi.KpiSet]]:
    scope = Q(municipality_id=unit_id)
    return [
        (
            period,
            _get(
                _key(f"municipality:{unit_id}", period),
                lambda p=period: kpi.kpis(scope=scope, start=p.start, end=p.end, now=now),
                refresh=refresh,
            ),
        )
        for period in periods(now)
    ]


def municipality_top(unit_id: int, now: datetime, *, refresh: bool = False) -> list[dict]:
    year = periods(now)[0]
    return _get(
        _key(f"municipality-top:{unit_id}", year),
        lambda: kpi.top_categories(
            scope=Q(municipality_id=unit_id), start=year.start, end=year.end
        ),
        refresh=refresh,
    )


def list_total(filters_key: str, appeals) -> int:
    """How many public appeals a set of list filters finds, kept for ten minutes (a count of
    every public appeal is a scan that takes longer than the page itself)."""
    return cache.get_or_set(f"public-count:{filters_key}", appeals.count, 600)


def refresh(*, now: datetime | None = None, force: bool = False) -> int:
    """Recompute every public figure if the last pass is older than REFRESH_SECONDS; returns
    how many municipalities were refreshed (0 when it was not yet time)."""
    now = now or timezone.now()
    if not force and not cache.add(MARK, now.isoformat(), REFRESH_SECONDS):
        return 0
    municipalities_summary(now, refresh=True)
    cache.set("public-count:", Appeal.objects.public().count(), 600)
    units = list(Municipality.objects.values_list("pk", flat=True))
    for unit_id in units:
        municipality_kpis(unit_id, now, refresh=True)
        municipality_top(unit_id, now, refresh=True)
    return len(units)
