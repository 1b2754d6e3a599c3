"""«Точность прогноза» as a KPI of a scope and period, and the forecasts behind it.

The forecasts and their scoring belong to analytics.forecast (forecast_accuracy, the weekly
review's figure); this module only maps a period of the KPI pages onto whole weeks and narrows
to a municipality. A period's weeks are those whose Monday lies in it and that are over by
`today` (a week still running has no actual count yet). The figure exists for a region and for a
municipality (the grain of KPI.md is topic group × municipality); an organization or category
scope has none: forecasts are made per topic group and place, not per executor.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from otklik.directory.models import Region

from . import figures, forecast
from . import forecast_model as fm
from .figures import NO_FORECAST, ForecastError, KpiSet, Period, Scope, Share
from .models import WeeklyForecast

WEEK = timedelta(days=7)


def _monday_on_or_after(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7)


def weeks_of(period: Period, today: date) -> tuple[date, date]:
    """[first Monday, end Monday) of the weeks the figure looks at (empty when end ≤ first)."""
    first = _monday_on_or_after(period.start)
    end = min(_monday_on_or_after(period.end), today - timedelta(days=today.weekday()))
    return first, max(first, end)


def applies(scope: Scope) -> bool:
    return not (scope.organization_id or scope.category_ids)


def kpis(scope: Scope, period: Period, today: date) -> KpiSet:
    """figures.kpis with «точность прогноза»: what the KPI page and the REST API show."""
    return with_forecast_error(figures.kpis(scope, period, today), scope, period, today)


def with_forecast_error(k: KpiSet, scope: Scope, period: Period, today: date) -> KpiSet:
    return replace(k, forecast_error=forecast_error(scope, period, today))


def forecast_error(scope: Scope, period: Period, today: date) -> ForecastError:
    """The region's figure is forecast_accuracy's over the period's weeks (the same number as the
    weekly review's); a municipality's scores its own forecasts the same way (fm.score)."""
    if not applies(scope):
        return NO_FORECAST
    first, end = weeks_of(period, today)
    weeks = (end - first).days // 7
    if weeks <= 0:
        return NO_FORECAST
    if not scope.municipality_id:
        region = Region(pk=scope.region_id)  # forecast_accuracy reads by the key: no query
        accuracy = forecast.forecast_accuracy(region=region, until=end, weeks=weeks)
        return ForecastError(accuracy.mase, accuracy.coverage, accuracy.weeks)
    found = checks(scope, period, today)
    result = fm.score(
        [(c.actual, fm.Prediction(c.expected, c.low, c.high, c.median), c.scale) for c in found]
    )
    mase = None if result.mase is None else round(result.mase, 3)
    return ForecastError(mase, Share(result.covered, result.count), len({c.week for c in found}))


def checks(
    scope: Scope, period: Period, today: date, *, part: str = "denominator"
) -> list[forecast.ForecastCheck]:
    """The forecasts behind the figure, each beside the appeals that came (the drill-down):
    every forecast of a municipality of the scope in the period's weeks ("denominator"), or
    those whose interval held ("numerator"). Two queries: the forecasts and the weekly counts."""
    if not applies(scope):
        return []
    first, end = weeks_of(period, today)
    if end <= first:
        return []
    forecasts = WeeklyForecast.objects.filter(
        region_id=scope.region_id, week__gte=first, week__lt=end, municipality__isnull=False
    )
    if scope.municipality_id:
        forecasts = forecasts.filter(municipality_id=scope.municipality_id)
    rows = forecast.forecast_rows(forecasts.order_by("-week", "group__name", "municipality__name"))
    if not rows:
        return []
    found = forecast.checks_of(rows, forecast.weekly_counts(scope.region_id, first, end))
    if part == "numerator":
        return [c for c in found if c.covered]
    return found
