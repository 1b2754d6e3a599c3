"""Weekly forecasts of appeals per topic group × municipality: making and storing them, and
checking them against what came.

The API the weekly review and the KPI service call:

- `forecast_next_week(region=…, now=…)` stores the forecast of the week after the current one
  (once per week and region; the periodic runner calls `forecast_due()` on every pass);
- `compare_week(region=…, week=…)` — each stored forecast of a week beside the appeals that came,
  flagged when they came above (or below) the interval;
- `forecast_accuracy(region=…, until=…, weeks=…)` — «точность прогноза»: MASE and the share of
  forecasts whose interval held, over the weeks before `until`, at the grain of KPI.md.
- `week_and_accuracy(region=…, week=…, until=…)` — both for the weekly review in one read.

The model itself is in forecast_model.py (pure); docs/kpi.md explains it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from otklik.directory.models import Category, Municipality, Region
from otklik.directory.production_calendar import work_calendar

from . import forecast_model as fm
from .figures import Share, today_in
from .models import Grain, KpiDay, WeeklyForecast

log = logging.getLogger(__name__)
WEEK = fm.WEEK
ACCURACY_WEEKS = 12  # «точность прогноза» looks at this many weeks by default
ACTIVE_WEEKS = 52  # a series is forecast when it had an appeal in this many weeks back

# Weekly counts: group (root category) → unit (municipality id, 0 = none) → Monday → appeals.
Counts = dict[int, dict[int, dict[date, int]]]


# ---------------------------------------------------------------------------- reading counts


def topic_groups() -> dict[int, int]:
    """Every category's topic group: the root of its tree."""
    parents = dict(Category.objects.values_list("pk", "parent_id"))
    groups = {}
    for pk in parents:
        root, seen = pk, {pk}
        while parents.get(root) is not None and parents[root] not in seen:
            root = parents[root]
            seen.add(root)
        groups[pk] = root
    return groups


def weekly_counts(region_id: int, start: date, end: date) -> Counts:
    """Appeals received (registered) per topic group × municipality × week, for the weeks from
    `start` (a Monday) up to `end`, read from the fine-grain rollups in one query."""
    groups = topic_groups()
    rows = (
        KpiDay.objects.filter(grain=Grain.FINE, region_id=region_id, day__gte=start, day__lt=end)
        .annotate(week=TruncWeek("day"))
        .order_by()
        .values("week", "municipality", "category")
        .annotate(n=Sum("received"))
        .filter(n__gt=0)
    )
    counts: Counts = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for row in rows:
        group = groups.get(row["category"])
        if group is not None:
            week = row["week"]
            week = week.date() if isinstance(week, datetime) else week
            counts[group][row["municipality"]][week] += row["n"]
    return counts


def first_week(region_id: int) -> date | None:
    """The first whole week of the region's history (the week of its first appeal is partial
    unless it began on a Monday)."""
    first = (
        KpiDay.objects.filter(grain=Grain.REGION, region_id=region_id, received__gt=0)
        .order_by("day")
        .values_list("day", flat=True)
        .first()
    )
    if first is None:
        return None
    return first + timedelta(days=(7 - first.weekday()) % 7)


# ---------------------------------------------------------------------------- making forecasts


@dataclass(frozen=True)
class Made:
    """The forecasts of one week for one group: per municipality, and the region's total."""

    group_id: int
    units: dict[int, tuple[fm.Prediction, float]]  # municipality id → (prediction, scale)
    total: tuple[fm.Prediction, float]


def forecast_groups(counts: Counts, weeks: list[date], week: date, calendar) -> list[Made]:
    """Forecast the week starting `week` for every group of `counts` from its counts in
    `weeks` (consecutive Mondays; later counts are ignored). Pure: the bench calls it too.
    Municipalities with no appeal in the last ACTIVE_WEEKS of them are left out."""
    made = []
    for group, units in sorted(counts.items()):
        series = {unit: [by_week.get(m, 0) for m in weeks] for unit, by_week in units.items()}
        series = {u: c for u, c in series.items() if any(c[-ACTIVE_WEEKS:])}
        fit = fm.fit_group(series, weeks, calendar)
        if fit is None:
            continue
        per_unit, total = fm.predict_group(fit, week, calendar)
        totals = [sum(column) for column in zip(*series.values(), strict=True)]
        made.append(
            Made(
                group,
                {u: (p, fm.scale(series[u])) for u, p in per_unit.items() if u},
                (total, fm.scale(totals)),
            )
        )
    return made


def make_forecasts(
    region_id: int, *, week: date, data_end: date, calendar=None, counts: Counts | None = None
) -> list[Made]:
    """Forecast the week starting `week` from the complete weeks before `data_end` (a Monday),
    without writing anything: nothing when there is no whole week of history. `counts` may
    be given when read already for a longer span (weeks outside this one are ignored)."""
    start = first_week(region_id)
    if start is None or start >= data_end:
        return []
    start = max(start, data_end - fm.HISTORY_WEEKS * WEEK)
    weeks = fm.mondays(start, data_end)
    if counts is None:
        counts = weekly_counts(region_id, start, data_end)
    return forecast_groups(counts, weeks, week, calendar or work_calendar(region_id))


def _rows(region: Region, week: date, made: list[Made], made_at: datetime):
    for item in made:
        places = [(None, item.total), *item.units.items()]
        for unit, (prediction, scale) in places:
            yield WeeklyForecast(
                region=region,
                municipality_id=unit,
                group_id=item.group_id,
                week=week,
                made_at=made_at,
                expected=prediction.expected,
                low=prediction.low,
                high=prediction.high,
                median=prediction.median,
                scale=scale,
                model_version=fm.MODEL_VERSION,
            )


def store_forecasts(
    *,
    region: Region,
    week: date,
    made_at: datetime,
    replace: bool = False,
    counts: Counts | None = None,
) -> int:
    """Make and store the forecasts of the week starting `week` from the weeks complete a week
    before it (data up to the Monday of the week before), as the weekly job does; returns the
    rows written, 0 when the week already has forecasts and `replace` is not asked."""
    existing = WeeklyForecast.objects.filter(region=region, week=week)
    if existing.exists() and not replace:
        return 0
    # The fit takes seconds: outside the transaction, which only checks and writes.
    made = make_forecasts(region.pk, week=week, data_end=week - WEEK, counts=counts)
    known = set(Municipality.objects.filter(region=region).values_list("pk", flat=True))
    rows = [
        row
        for row in _rows(region, week, made, made_at)
        if row.municipality_id is None or row.municipality_id in known
    ]
    with transaction.atomic():
        Region.objects.select_for_update().filter(pk=region.pk).first()
        if existing.exists():
            if not replace:
                return 0
            existing.delete()
        WeeklyForecast.objects.bulk_create(rows)
    return len(rows)


def next_week(region: Region, now: datetime) -> date:
    """The Monday of the week after the one `now` is in, in the region's time."""
    today = today_in(region.pk, now)
    return today - timedelta(days=today.weekday()) + WEEK


def forecast_next_week(*, region: Region, now: datetime | None = None, replace=False) -> int:
    """Store the forecast of next week for the region (see store_forecasts); idempotent."""
    now = now or timezone.now()
    return store_forecasts(region=region, week=next_week(region, now), made_at=now, replace=replace)


def forecast_due(now: datetime | None = None) -> int:
    """The periodic job: next week's forecast for every region that has none yet; returns how
    many regions got one. One query per region when there is nothing to do."""
    now = now or timezone.now()
    done = 0
    for region in Region.objects.order_by("pk"):
        week = next_week(region, now)
        if WeeklyForecast.objects.filter(region=region, week=week).exists():
            continue
        try:
            done += bool(store_forecasts(region=region, week=week, made_at=now))
        except Exception:
            # One region's failure must not stop the others; the next pass retries.
            log.exception("forecast of %s for %s failed", region.code, week)
    return done


# ---------------------------------------------------------------------------- checking them


@dataclass(frozen=True)
class ForecastCheck:
    """A stored forecast beside the appeals that came in its week."""

    group_id: int
    group: str
    municipality_id: int | None  # None: the whole region
    municipality: str
    week: date
    actual: int
    expected: float
    low: int
    high: int
    median: int | None
    scale: float
    made_at: datetime

    @property
    def above(self) -> bool:
        """More appeals came than the interval allowed: the flag of the weekly review."""
        return self.actual > self.high

    @property
    def below(self) -> bool:
        return self.actual < self.low

    @property
    def covered(self) -> bool:
        return self.low <= self.actual <= self.high


# A forecast's columns as a check needs them: plain rows with the names, no model instances
# (the weekly review reads thousands; a municipality row would also bring its boundary).
_CHECK_COLUMNS = (
    "group_id", "group__name", "municipality_id", "municipality__name", "week", "expected",
    "low", "high", "median", "scale", "made_at",
)  # fmt: skip


def forecast_rows(forecasts) -> list[tuple]:
    """The rows of a WeeklyForecast queryset (in its order) for `checks_of`."""
    return list(forecasts.values_list(*_CHECK_COLUMNS))


def checks_of(rows: list[tuple], counts: dict) -> list[ForecastCheck]:
    """Each forecast row beside the appeals received in its week (`weekly_counts`): a region
    total (no municipality) beside the sum of its municipalities."""
    checks = []
    for row in rows:
        (group_id, group, municipality_id, municipality, week,
         expected, low, high, median, scale, made_at) = row  # fmt: skip
        units = counts.get(group_id, {})
        if municipality_id is None:
            actual = sum(by_week.get(week, 0) for by_week in units.values())
        else:
            actual = units.get(municipality_id, {}).get(week, 0)
        checks.append(
            ForecastCheck(
                group_id=group_id,
                group=group,
                municipality_id=municipality_id,
                municipality=municipality or "",
                week=week,
                actual=actual,
                expected=expected,
                low=low,
                high=high,
                median=median,
                scale=scale,
                made_at=made_at,
            )
        )
    return checks


def _checks(region: Region, start: date, end: date) -> list[ForecastCheck]:
    rows = forecast_rows(
        WeeklyForecast.objects.filter(region=region, week__gte=start, week__lt=end).order_by(
            "week", "group__name", "municipality__name"
        )
    )
    if not rows:
        return []
    return checks_of(rows, weekly_counts(region.pk, start, end))


def compare_week(*, region: Region, week: date) -> list[ForecastCheck]:
    """The forecasts of the week containing `week`, made the week before, beside the appeals
    received: region totals (municipality None) and municipalities, by group name. Three
    queries; an empty list when no forecast was made for that week."""
    monday = week - timedelta(days=week.weekday())
    return _checks(region, monday, monday + WEEK)


@dataclass(frozen=True)
class Accuracy:
    """«Точность прогноза» of a region: MASE of the forecasts (None without any with a
    non-zero scale) and how many of them the 80 % interval held."""

    mase: float | None
    coverage: Share
    weeks: int  # weeks that had forecasts

    @property
    def coverage_percent(self) -> float | None:
        return self.coverage.percent


def accuracy_of(checks: list[ForecastCheck]) -> Accuracy:
    """«Точность прогноза» of checked forecasts: the region totals are left out (KPI.md's grain
    is topic group × municipality); MASE of the point forecast (the median) over the forecasts
    with a non-zero scale, and how many of all the 80 % interval held."""
    checks = [c for c in checks if c.municipality_id]
    items = [
        (c.actual, fm.Prediction(c.expected, c.low, c.high, c.median), c.scale) for c in checks
    ]
    result = fm.score(items)
    mase = None if result.mase is None else round(result.mase, 3)
    return Accuracy(mase, Share(result.covered, result.count), len({c.week for c in checks}))


def accuracy_window(until: date, weeks: int = ACCURACY_WEEKS) -> tuple[date, date]:
    """The Mondays [first, end) of the `weeks` weeks before the week containing `until`."""
    end = until - timedelta(days=until.weekday())
    return end - weeks * WEEK, end


def forecast_accuracy(*, region: Region, until: date, weeks: int = ACCURACY_WEEKS) -> Accuracy:
    """«Точность прогноза» over the `weeks` weeks before the week containing `until` (the
    weeks whose appeals are all in): weekly appeals by topic group × municipality against the
    forecast made the week before (KPI.md)."""
    return accuracy_of(_checks(region, *accuracy_window(until, weeks)))


def week_and_accuracy(
    *, region: Region, week: date, until: date, weeks: int = ACCURACY_WEEKS
) -> tuple[list[ForecastCheck], Accuracy]:
    """What the weekly review needs in one read (three queries): `compare_week` of the week
    containing `week`, and `forecast_accuracy` over the `weeks` weeks before the week
    containing `until`."""
    monday = week - timedelta(days=week.weekday())
    first, end = accuracy_window(until, weeks)
    checks = _checks(region, min(first, monday), max(end, monday + WEEK))
    shown = [c for c in checks if c.week == monday]
    return shown, accuracy_of([c for c in checks if first <= c.week < end])
