"""The forecast beside the week: what the forecast made a week earlier expected for each topic
group (region total) and each topic group × municipality, which of them came above their 80 %
interval («выше прогноза»), and the region's «точность прогноза» over the trailing weeks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from otklik.directory.models import Region

from .. import forecast
from ..figures import Period
from .weeks import ACCURACY_WEEKS


@dataclass(frozen=True)
class WeekForecast:
    """The stored forecasts of one week beside its appeals, and the accuracy of the trailing
    window. `made` is False when no forecast was made for the week: the page says so, and
    shows no number (a missing forecast is not a forecast of zero)."""

    checks: list[forecast.ForecastCheck]
    accuracy: forecast.Accuracy
    accuracy_period: Period  # the weeks the accuracy is taken over

    @property
    def made(self) -> bool:
        return bool(self.checks)

    def for_group(self, group_id: int) -> forecast.ForecastCheck | None:
        """The region total's forecast of a topic group, None when there is none."""
        for check in self.checks:
            if check.group_id == group_id and check.municipality_id is None:
                return check
        return None

    @property
    def places(self) -> list[forecast.ForecastCheck]:
        """Topic group × municipality forecasts, by municipality then group."""
        rows = [c for c in self.checks if c.municipality_id is not None]
        return sorted(rows, key=lambda c: (c.municipality, c.group))

    @property
    def above(self) -> list[forecast.ForecastCheck]:
        """Every flag of the week, the region's topics first, then places; within each, the
        largest excess over the interval first."""
        flagged = [c for c in self.checks if c.above]
        return sorted(
            flagged,
            key=_flag_order,
        )

    def above_in(self, municipality_id: int) -> list[forecast.ForecastCheck]:
        return [c for c in self.above if c.municipality_id == municipality_id]


def _flag_order(check: forecast.ForecastCheck):
    return (
        check.municipality_id is not None,
        check.high - check.actual,
        check.group,
        check.municipality,
    )


def accuracy_until(period: Period, today: date) -> date:
    """The day whose week ends the accuracy window: the week after the review's week when the
    review's week is over (so it counts), otherwise the current week (the weeks before it)."""
    return period.end if period.end <= today else today


def week_forecast(region: Region, period: Period, today: date) -> WeekForecast:
    """The forecasts of the review's week and «точность прогноза» over the ACCURACY_WEEKS
    complete weeks up to it (three queries)."""
    until = accuracy_until(period, today)
    checks, accuracy = forecast.week_and_accuracy(
        region=region, week=period.start, until=until, weeks=ACCURACY_WEEKS
    )
    first, end = forecast.accuracy_window(until, ACCURACY_WEEKS)
    return WeekForecast(checks, accuracy, Period(first, end, "custom"))
