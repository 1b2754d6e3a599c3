"""The figures of KPI.md read from the rollups: for a scope (region, municipality, organization,
categories) and a period of whole days, as seen on a given day.

`totals()` sums the rollup counters; `KpiSet.from_totals()` turns counters into the figures, and
is shared with the straight computation from the source tables (analytics.kpi), so both give the
same numbers by the same arithmetic. docs/kpi.md explains every figure.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from otklik.directory.models import Category, Region

from .models import MEASURES, Grain, KpiAnswerTime, KpiDay

DAY = timedelta(days=1)
# Counters that depend on the day the figures are read: open items due today or later are not
# late yet.
SPLIT = ("due_open_current", "instructions_open_current")
FEDERAL_SATISFACTION_TARGET = 60


# ---------------------------------------------------------------------------- shares


@dataclass(frozen=True)
class Share:
    """`numerator` of `denominator`; `value` is None when there is nothing to divide."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> float | None:
        value = self.value
        return None if value is None else round(100 * value, 1)

    def complement(self) -> Share:
        return Share(self.denominator - self.numerator, self.denominator)

    def wilson(self, z: float = 1.96) -> tuple[float, float] | None:
        """The 95 % Wilson score interval of the share, as fractions."""
        return wilson(self.numerator, self.denominator, z)


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    if n <= 0:
        return None
    p = k / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class AnswerTime:
    """Time from registration to the first published answer: calendar days (answer date −
    registration date) and working days (working days after the registration day up to the
    answer day, on the production calendar)."""

    count: int
    mean_days: float | None
    median_days: float | None
    mean_workdays: float | None
    median_workdays: float | None


def _median(histogram: dict[int, int]) -> float | None:
    total = sum(histogram.values())
    if not total:
        return None
    wanted = [(total - 1) // 2, total // 2]
    values, seen = [], 0
    for days in sorted(histogram):
        count = histogram[days]
        values.extend(days for position in wanted if seen <= position < seen + count)
        seen += count
    return sum(values) / len(values)


def _mean(total: int, count: int) -> float | None:
    return round(total / count, 1) if count else None


@dataclass(frozen=True)
class ForecastError:
    """«Точность прогноза» (KPI.md): weekly appeals by topic group × municipality against the
    forecast made the week before, over the weeks of the period that are over. `mase` is the
    mean absolute scaled error (None without any forecast with a non-zero scale), `coverage`
    how many forecasts the 80 % interval held, `weeks` how many weeks had forecasts."""

    mase: float | None
    coverage: Share
    weeks: int

    @property
    def percent(self) -> float | None:
        """The share inside the interval, in percent (what pages compare across periods)."""
        return self.coverage.percent


NO_FORECAST = ForecastError(None, Share(0, 0), 0)


@dataclass(frozen=True)
class KpiSet:
    """Every figure of KPI.md for one scope and period."""

    received: int
    rejected: int
    overdue: Share
    on_time: Share
    time_to_answer: AnswerTime
    postponed: Share
    repeated_postponement: Share
    repeat: Share
    durability: Share
    rework: Share
    formal_reply: Share
    satisfaction: Share
    verified: Share
    proactive: Share
    instructions_on_time: Share
    found_before_residents: Share
    inspection_yield: Share
    # Region and municipality scopes only (analytics.forecast_kpi); not a rollup counter.
    forecast_error: ForecastError = NO_FORECAST
    totals: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def gap(self) -> float | None:
        """On-time share − verified resolution share, in percentage points."""
        if self.on_time.percent is None or self.verified.percent is None:
            return None
        return round(self.on_time.percent - self.verified.percent, 1)

    @classmethod
    def from_totals(
        cls, t: dict[str, int], calendar_days: dict[int, int], working_days: dict[int, int]
    ) -> KpiSet:
        overdue = Share(
            t["due_late"] + t["due_open"] - t["due_open_current"],
            t["due"] - t["due_open_current"],
        )
        return cls(
            received=t["received"],
            rejected=t["rejected"],
            overdue=overdue,
            on_time=overdue.complement(),
            time_to_answer=AnswerTime(
                t["answered"],
                _mean(t["answer_days"], t["answered"]),
                _median(calendar_days),
                _mean(t["answer_workdays"], t["answered"]),
                _median(working_days),
            ),
            postponed=Share(t["postponed"], t["due"]),
            repeated_postponement=Share(t["postponed_twice"], t["due"]),
            repeat=Share(t["repeats"], t["received"]),
            durability=Share(t["durability_failures"], t["closed"]),
            rework=Share(t["answers_returned"], t["answers_submitted"]),
            formal_reply=Share(t["answers_formal"], t["answers_submitted"]),
            satisfaction=Share(t["ratings_good"], t["ratings"]),
            verified=Share(t["verified_solved"], t["verifications"]),
            proactive=Share(t["proactive"], t["received"]),
            instructions_on_time=Share(
                t["instructions_on_time"],
                t["instructions_due"] - t["instructions_open_current"],
            ),
            found_before_residents=Share(t["first_reports_proactive"], t["first_reports"]),
            inspection_yield=Share(t["points_found"], t["points_checked"]),
            totals=dict(t),
        )


def empty_totals() -> dict[str, int]:
    return dict.fromkeys((*MEASURES, *SPLIT), 0)


# ---------------------------------------------------------------------------- scopes and periods


def category_subtree(category_ids: Iterable[int]) -> tuple[int, ...]:
    """The categories given and all their descendants (the tree is two or three levels)."""
    found = set(category_ids)
    frontier = set(found)
    while frontier:
        frontier = (
            set(Category.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            - found
        )
        found |= frontier
    return tuple(sorted(found))


@dataclass(frozen=True)
class Scope:
    """Where the figures are taken: a region, optionally narrowed to a municipality, an
    executor organization and a set of categories (already expanded to their subtrees)."""

    region_id: int
    municipality_id: int | None = None
    organization_id: int | None = None
    category_ids: tuple[int, ...] = ()

    @property
    def grain(self) -> Grain:
        if self.category_ids and not (self.municipality_id or self.organization_id):
            return Grain.CATEGORY
        if self.category_ids or (self.municipality_id and self.organization_id):
            return Grain.FINE
        if self.organization_id:
            return Grain.ORGANIZATION
        if self.municipality_id:
            return Grain.MUNICIPALITY
        return Grain.REGION

    def rollup_q(self, grain: Grain | None = None) -> Q:
        q = Q(grain=self.grain if grain is None else grain, region_id=self.region_id)
        if self.municipality_id:
            q &= Q(municipality=self.municipality_id)
        if self.organization_id:
            q &= Q(organization=self.organization_id)
        if self.category_ids:
            q &= Q(category__in=self.category_ids)
        return q

    def appeal_q(self, prefix: str = "") -> Q:
        q = Q(**{f"{prefix}region_id": self.region_id})
        if self.municipality_id:
            q &= Q(**{f"{prefix}municipality_id": self.municipality_id})
        if self.organization_id:
            q &= Q(**{f"{prefix}executor_id": self.organization_id})
        if self.category_ids:
            q &= Q(**{f"{prefix}category_id__in": self.category_ids})
        return q

    def instruction_q(self) -> Q:
        if self.category_ids:
            return Q(pk__in=[])  # instructions have no category
        q = Q(region_id=self.region_id)
        if self.municipality_id:
            q &= Q(organization__municipality_id=self.municipality_id)
        if self.organization_id:
            q &= Q(organization_id=self.organization_id)
        return q


@dataclass(frozen=True)
class Period:
    """Whole days `[start, end)` in the region's local time."""

    start: date
    end: date
    kind: str = "custom"

    def __post_init__(self):
        if self.end <= self.start:
            raise ValueError("a period ends after it starts")

    @classmethod
    def week(cls, day: date) -> Period:
        monday = day - timedelta(days=day.weekday())
        return cls(monday, monday + 7 * DAY, "week")

    @classmethod
    def month(cls, day: date) -> Period:
        first = day.replace(day=1)
        return cls(first, first + calendar.monthrange(day.year, day.month)[1] * DAY, "month")

    @classmethod
    def quarter(cls, day: date) -> Period:
        first_month = 3 * ((day.month - 1) // 3) + 1
        first = date(day.year, first_month, 1)
        last = date(day.year, first_month + 2, calendar.monthrange(day.year, first_month + 2)[1])
        return cls(first, last + DAY, "quarter")

    @classmethod
    def year(cls, day: date) -> Period:
        return cls(date(day.year, 1, 1), date(day.year + 1, 1, 1), "year")

    @classmethod
    def last_twelve_months(cls, today: date) -> Period:
        return cls(_year_before(today) + DAY, today + DAY, "twelve_months")

    @classmethod
    def of(cls, kind: str, day: date) -> Period:
        return {
            "week": cls.week,
            "month": cls.month,
            "quarter": cls.quarter,
            "year": cls.year,
            "twelve_months": cls.last_twelve_months,
        }[kind](day)

    @property
    def last_day(self) -> date:
        return self.end - DAY

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous_year(self) -> Period:
        return Period(_year_before(self.start), _year_before(self.end), self.kind)

    def previous(self) -> Period:
        """The period of the same kind just before (the week before, the month before…)."""
        if self.kind in ("week", "custom", "twelve_months"):
            return Period(self.start - self.days * DAY, self.start, self.kind)
        return Period.of(self.kind, self.start - DAY)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        return midnight(self.start, tz), midnight(self.end, tz)


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def region_zone(region_id: int) -> ZoneInfo:
    return ZoneInfo(Region.objects.values_list("time_zone", flat=True).get(pk=region_id))


def today_in(region_id: int, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(region_zone(region_id)).date()


# ---------------------------------------------------------------------------- reading rollups


def _sums(today: date) -> dict:
    """Aggregates named `t_<counter>` (an aggregate may not shadow the field it sums)."""
    sums = {f"t_{name}": Sum(name) for name in MEASURES}
    sums["t_due_open_current"] = Sum("due_open", filter=Q(day__gte=today))
    sums["t_instructions_open_current"] = Sum("instructions_open", filter=Q(day__gte=today))
    return sums


def _clean(row: dict) -> dict[str, int]:
    return {name: int(row.get(f"t_{name}") or 0) for name in (*MEASURES, *SPLIT)}


def totals(scope: Scope, period: Period, today: date) -> dict[str, int]:
    row = (
        KpiDay.objects.filter(scope.rollup_q(), day__gte=period.start, day__lt=period.end)
        .order_by()
        .aggregate(**_sums(today))
    )
    return _clean(row)


def answer_time_histograms(scope: Scope, period: Period) -> tuple[dict, dict]:
    calendar_days: dict[int, int] = {}
    working_days: dict[int, int] = {}
    rows = (
        KpiAnswerTime.objects.filter(scope.rollup_q(), day__gte=period.start, day__lt=period.end)
        .order_by()
        .values("working", "days")
        .annotate(n=Sum("count"))
    )
    for row in rows:
        (working_days if row["working"] else calendar_days)[row["days"]] = row["n"]
    return calendar_days, working_days


def kpis(scope: Scope, period: Period, today: date | None = None) -> KpiSet:
    """Every figure for the scope and period, read from the rollups (two queries). The
    forecast error is left empty: analytics.forecast_kpi.kpis adds it."""
    today = today or today_in(scope.region_id)
    return KpiSet.from_totals(totals(scope, period, today), *answer_time_histograms(scope, period))


def by_unit(
    kind: str,
    region_id: int,
    period: Period,
    today: date,
    *,
    category_ids: tuple[int, ...] = (),
    municipality_id: int | None = None,
) -> dict[int, KpiSet]:
    """The figures of every municipality (kind="municipality") or executor organization
    ("organization") of a region in one grouped query (medians left out: ranking needs none),
    optionally narrowed to categories or, for organizations, to their appeals in one
    municipality."""
    if kind not in ("municipality", "organization"):
        raise ValueError(kind)
    if category_ids or municipality_id:
        q = Q(grain=Grain.FINE)
        if category_ids:
            q &= Q(category__in=category_ids)
        if municipality_id:
            q &= Q(municipality=municipality_id)
    else:
        q = Q(grain=Grain.MUNICIPALITY if kind == "municipality" else Grain.ORGANIZATION)
    rows = (
        KpiDay.objects.filter(q, region_id=region_id, day__gte=period.start, day__lt=period.end)
        .exclude(**{kind: 0})
        .order_by()
        .values(kind)
        .annotate(**_sums(today))
    )
    return {row[kind]: KpiSet.from_totals(_clean(row), {}, {}) for row in rows}


def by_category(scope: Scope, period: Period, measure: str = "received") -> dict[int, int]:
    """A counter per (leaf) category: e.g. the appeals of each topic registered in the period."""
    grain = Grain.CATEGORY if not (scope.municipality_id or scope.organization_id) else Grain.FINE
    rows = (
        KpiDay.objects.filter(scope.rollup_q(grain), day__gte=period.start, day__lt=period.end)
        .order_by()
        .values("category")
        .annotate(n=Sum(measure))
    )
    return {row["category"]: row["n"] for row in rows if row["n"]}


def daily(scope: Scope, period: Period, measures: Iterable[str]) -> dict[date, dict[str, int]]:
    """Day-by-day counters for charts."""
    measures = list(measures)
    rows = (
        KpiDay.objects.filter(scope.rollup_q(), day__gte=period.start, day__lt=period.end)
        .order_by()
        .values("day")
        .annotate(**{f"t_{m}": Sum(m) for m in measures})
    )
    return {row["day"]: {m: row[f"t_{m}"] or 0 for m in measures} for row in rows}


KPI_LABELS = {
    "received": _("Received"),
    "overdue": _("Overdue share"),
    "on_time": _("On-time share"),
    "time_to_answer": _("Time to answer"),
    "postponed": _("Postponed share"),
    "repeated_postponement": _("Repeated postponement share"),
    "repeat": _("Repeat share"),
    "durability": _("Durability failures"),
    "rework": _("Rework share"),
    "formal_reply": _("Formal-reply risk"),
    "satisfaction": _("Satisfaction"),
    "verified": _("Verified resolution"),
    "gap": _("Statistics-vs-citizens gap"),
    "proactive": _("Proactive share"),
    "instructions_on_time": _("Instructions on time"),
    "found_before_residents": _("Found before residents"),
    "inspection_yield": _("Inspection yield"),
    "forecast_error": _("Forecast error"),
}
# Whether more is better (True), less is better (False), or neither (None).
KPI_GOOD_HIGH = {
    "received": None,
    "overdue": False,
    "on_time": True,
    "time_to_answer": False,
    "postponed": False,
    "repeated_postponement": False,
    "repeat": False,
    "durability": False,
    "rework": False,
    "formal_reply": False,
    "satisfaction": True,
    "verified": True,
    "gap": False,
    "proactive": True,
    "instructions_on_time": True,
    "found_before_residents": True,
    "inspection_yield": None,
    # Lower MASE is better (its coverage should be near 80 %, neither more nor less).
    "forecast_error": False,
}
