"""The headline KPIs of the weekly review and its twelve-week chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from .. import figures
from ..figures import DAY, KpiSet, Period, Scope
from .weeks import CHART_WEEKS, WEEK

# The headline figures, in the order they are shown: (key, is a share).
HEADLINE = (
    ("received", False),
    ("on_time", True),
    ("time_to_answer", False),
    ("postponed", True),
    ("repeated_postponement", True),
    ("repeat", True),
    ("rework", True),
    ("formal_reply", True),
    ("satisfaction", True),
    ("verified", True),
    ("gap", False),
    ("proactive", True),
    ("found_before_residents", True),
    ("inspection_yield", True),
    ("instructions_on_time", True),
)


def kpi_value(k: KpiSet, key: str) -> float | None:
    """A headline figure as one number: a count, a share in percent, days or points."""
    if key == "received":
        return k.received
    if key == "gap":
        return k.gap
    if key == "time_to_answer":
        return k.time_to_answer.mean_days
    return getattr(k, key).percent


@dataclass(frozen=True)
class KpiRow:
    key: str
    label: str
    value: float | None
    previous: float | None
    is_share: bool
    good_high: bool | None
    unit: str

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return round(self.value - self.previous, 1)

    @property
    def trend(self) -> str:
        """better / worse / same / "" (not comparable, or neither direction is good)."""
        change = self.change
        if change is None or self.good_high is None:
            return ""
        if change == 0:
            return "same"
        return "better" if (change > 0) == self.good_high else "worse"


def kpi_rows(current: KpiSet, previous: KpiSet) -> list[KpiRow]:
    units = {"received": "", "time_to_answer": _("days"), "gap": _("p.p.")}
    return [
        KpiRow(
            key=key,
            label=str(figures.KPI_LABELS[key]),
            value=kpi_value(current, key),
            previous=kpi_value(previous, key),
            is_share=is_share,
            good_high=figures.KPI_GOOD_HIGH[key],
            unit="%" if is_share else units[key],
        )
        for key, is_share in HEADLINE
    ]


@dataclass(frozen=True)
class WeekPoint:
    period: Period
    received: int
    on_time: float | None  # percent


def weekly_series(region_id: int, end: date, today: date) -> list[WeekPoint]:
    """Received and on-time share of the CHART_WEEKS weeks before `end`, from one query."""
    period = Period(end - CHART_WEEKS * WEEK, end)
    days = figures.daily(Scope(region_id), period, ("received", "due", "due_late", "due_open"))
    points = []
    for index in range(CHART_WEEKS):
        week = Period.week(period.start + index * WEEK)
        t = dict.fromkeys(("received", "due", "due_late", "due_open", "due_open_current"), 0)
        for offset in range(7):
            day = week.start + offset * DAY
            counters = days.get(day, {})
            for name in ("received", "due", "due_late", "due_open"):
                t[name] += counters.get(name, 0)
            # Items due today or later are not late yet (as figures.totals counts them).
            if day >= today:
                t["due_open_current"] += counters.get("due_open", 0)
        decided = t["due"] - t["due_open_current"]
        late = t["due_late"] + t["due_open"] - t["due_open_current"]
        on_time = round(100 * (decided - late) / decided, 1) if decided else None
        points.append(WeekPoint(week, t["received"], on_time))
    return points
