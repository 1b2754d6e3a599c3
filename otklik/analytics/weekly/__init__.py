"""The figures of the weekly review (оперативное совещание) of one region and one ISO week.

Everything the page and its XLSX export show is computed here once, by `review()`, in a fixed
number of queries whatever the size of the data: the KPIs and topics from the rollups, the lists
(worst overdue, repeat chains, instructions, calls, hot spots) from indexed time ranges, each
bounded. docs/weekly-review.md explains every rule and threshold.

The parts: `weeks` (which week, and the shared thresholds), `kpis` (headline figures, chart),
`topic_growth`, `forecasts` (the forecast made a week earlier, its flags, its accuracy), `places`
(hot spots, heat map) and `lists`; municipalities are in `analytics/weekly_municipalities.py`.
This module assembles them into a `Review`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from otklik.appeals.models import Appeal
from otklik.directory.models import Region
from otklik.lib.db_router import replica_reads

from .. import figures, ranking
from ..figures import KpiSet, Period, Scope
from ..weekly_municipalities import MunicipalityRow, municipality_rows
from .forecasts import WeekForecast, accuracy_until, week_forecast
from .kpis import (
    HEADLINE,
    KpiRow,
    WeekPoint,
    kpi_rows,
    kpi_value,
    weekly_series,
)
from .lists import (
    RepeatCase,
    call_results,
    instruction_state,
    worst_overdue,
    worst_repeats,
)
from .places import (
    Grid,
    HotSpot,
    heatmap,
    heatmap_geojson,
    hot_spots,
)
from .topic_growth import (
    Topic,
    Topics,
    is_significant,
    seasonal_windows,
    topics,
)
from .weeks import (
    ACCURACY_WEEKS,
    CELL_METRES,
    CHART_WEEKS,
    FAILED_WEEKS,
    FALLBACK_WEEKS,
    FIRST_YEAR,
    GROWTH_MIN,
    GROWTH_RATIO,
    HEATMAP_CELLS,
    HOT_BEFORE_MAX,
    HOT_BEFORE_WEEKS,
    HOT_LIMIT,
    HOT_MIN,
    HOT_SAMPLE,
    LIST_LIMIT,
    LONG_LIST_LIMIT,
    RANKING_WEEKS,
    REGISTRATION_MARGIN,
    SEASON_HALF_WIDTH,
    SEASON_YEARS,
    WEEK,
    WEEK_PATTERN,
    current_week,
    last_complete_week,
    neighbours,
    parse_week,
    week_code,
)

__all__ = [
    "ACCURACY_WEEKS",
    "CELL_METRES",
    "CHART_WEEKS",
    "FAILED_WEEKS",
    "FALLBACK_WEEKS",
    "FIRST_YEAR",
    "GROWTH_MIN",
    "GROWTH_RATIO",
    "HEADLINE",
    "HEATMAP_CELLS",
    "HOT_BEFORE_MAX",
    "HOT_BEFORE_WEEKS",
    "HOT_LIMIT",
    "HOT_MIN",
    "HOT_SAMPLE",
    "LIST_LIMIT",
    "LONG_LIST_LIMIT",
    "RANKING_WEEKS",
    "REGISTRATION_MARGIN",
    "SEASON_HALF_WIDTH",
    "SEASON_YEARS",
    "WEEK",
    "WEEK_PATTERN",
    "Grid",
    "HotSpot",
    "KpiRow",
    "KpiSet",
    "MunicipalityRow",
    "Period",
    "RepeatCase",
    "Review",
    "Scope",
    "Topic",
    "Topics",
    "WeekForecast",
    "WeekPoint",
    "accuracy_until",
    "call_results",
    "current_week",
    "heatmap",
    "heatmap_geojson",
    "hot_spots",
    "instruction_state",
    "is_significant",
    "kpi_rows",
    "kpi_value",
    "last_complete_week",
    "municipality_rows",
    "neighbours",
    "parse_week",
    "review",
    "seasonal_windows",
    "topics",
    "week_code",
    "week_forecast",
    "weekly_series",
    "worst_overdue",
    "worst_repeats",
]


@dataclass
class Review:
    region: Region
    period: Period
    today: date
    now: datetime
    kpis: KpiSet
    previous: KpiSet
    kpi_rows: list[KpiRow]
    series: list[WeekPoint]
    topics: Topics
    hot_spots: list[HotSpot]
    ranking: ranking.Ranking
    municipalities: list[MunicipalityRow]
    overdue: list[Appeal]
    repeats: list[RepeatCase]
    repeats_period: Period
    instructions: dict
    calls: dict
    forecast: WeekForecast

    @property
    def code(self) -> str:
        return week_code(self.period)


@replica_reads()
def review(region: Region, period: Period, today: date, now: datetime) -> Review:
    """Every figure of the weekly review of `region` for the week `period`, as seen `now`."""
    tz = ZoneInfo(region.time_zone)
    scope = Scope(region.pk)
    start, end = period.bounds(tz)
    current = figures.kpis(scope, period, today)
    previous = figures.kpis(scope, period.previous(), today)
    quarter = Period.quarter(period.last_day)
    repeats_period = Period(quarter.start, period.end)
    ranking_period = Period(period.end - RANKING_WEEKS * WEEK, period.end, "custom")
    week_topics = topics(region.pk, period)
    forecasts = week_forecast(region, period, today)
    for root in week_topics.roots:
        root.forecast = forecasts.for_group(root.category_id)
    return Review(
        region=region,
        period=period,
        today=today,
        now=now,
        kpis=current,
        previous=previous,
        kpi_rows=kpi_rows(current, previous),
        series=weekly_series(region.pk, period.end, today),
        topics=week_topics,
        hot_spots=hot_spots(region.pk, period, tz, Grid.for_latitude(region.center_lat)),
        ranking=ranking.ranking("municipality", region.pk, ranking_period, today),
        municipalities=municipality_rows(region.pk, period, today),
        overdue=worst_overdue(region.pk, now),
        repeats=worst_repeats(region.pk, *repeats_period.bounds(tz)),
        repeats_period=repeats_period,
        instructions=instruction_state(region.pk, start, end, now),
        calls=call_results(region.pk, start, end),
        forecast=forecasts,
    )
