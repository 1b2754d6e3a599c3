"""Rankings of municipalities and executor organizations on a composite index (KPI.md).

The index is the weighted mean of the "goodness" of each KPI share (the share itself when high
is good, 1 − share when low is good), in points 0–100, over the KPIs a unit has data for.
A unit with fewer than the minimum number of appeals received in the period is shown but not
ranked. Each share carries its 95 % Wilson interval, and the index its range from the same
intervals (pessimistic to optimistic), so that units whose ranges overlap are read as level.
Every row also shows the same period a year before and the year-on-year ratio of overdue shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from otklik.directory.models import Municipality, Organization
from otklik.lib.db_router import replica_reads

from . import figures, figures_cache
from .figures import KpiSet, Period, Share
from .models import RankingSettings

# KPI → (default weight, True when a higher share is better). docs/kpi.md explains the choice.
COMPONENTS = {
    "on_time": (3, True),
    "repeat": (2, False),
    "repeated_postponement": (1, False),
    "formal_reply": (1, False),
    "satisfaction": (2, True),
    "verified": (2, True),
    "durability": (1, False),
    # Issue 20: finding problems before residents write counts; the yield of inspections has no
    # good direction in KPI.md (a low yield may mean the places are in order), so it is shown
    # and may be weighed by an administrator, but weighs nothing by default. The forecast error
    # judges the forecast, not a unit's work: it is not a component.
    "found_before_residents": (1, True),
    "inspection_yield": (0, True),
}
DEFAULT_WEIGHTS = {name: weight for name, (weight, _high) in COMPONENTS.items()}
DEFAULT_MINIMUM = 30
UNIT_KINDS = {"municipality": _("municipalities"), "organization": _("executor organizations")}


@dataclass(frozen=True)
class Settings:
    weights: dict[str, float]
    minimum: int


def settings_for(region_id: int) -> Settings:
    stored = RankingSettings.objects.filter(region_id=region_id).first()
    weights = dict(DEFAULT_WEIGHTS)
    minimum = DEFAULT_MINIMUM
    if stored is not None:
        weights.update(
            {
                k: float(v)
                for k, v in (stored.weights or {}).items()
                if k in COMPONENTS and isinstance(v, int | float) and v >= 0
            }
        )
        minimum = stored.minimum_appeals
    return Settings(weights, minimum)


def save_settings(region_id: int, weights: dict[str, float], minimum: int) -> Settings:
    """Store a region's ranking weights and minimum N. Saving the same values twice leaves one
    row as it was, so a double submit is harmless. Unknown components are refused."""
    unknown = set(weights) - set(COMPONENTS)
    if unknown or any(value < 0 for value in weights.values()) or minimum < 0:
        raise ValueError(sorted(unknown) or "negative")
    RankingSettings.objects.update_or_create(
        region_id=region_id, defaults={"weights": weights, "minimum_appeals": minimum}
    )
    figures_cache.bump()  # kept rankings were weighed with the old settings
    return settings_for(region_id)


def _goodness(share: Share, high_is_good: bool) -> tuple[float, float, float] | None:
    """(value, low, high) of a share turned so that more is better, as fractions."""
    if share.value is None:
        return None
    low, high = share.wilson()
    if high_is_good:
        return share.value, low, high
    return 1 - share.value, 1 - high, 1 - low


def composite(k: KpiSet, weights: dict[str, float]) -> tuple[float, float, float] | None:
    """The index and its range, in points 0–100; None when the unit has no data at all."""
    total = value = low = high = 0.0
    for name, (_weight, high_is_good) in COMPONENTS.items():
        weight = weights.get(name, 0)
        turned = _goodness(getattr(k, name), high_is_good)
        if not weight or turned is None:
            continue
        total += weight
        value += weight * turned[0]
        low += weight * turned[1]
        high += weight * turned[2]
    if not total:
        return None
    return round(100 * value / total, 1), round(100 * low / total, 1), round(100 * high / total, 1)


@dataclass
class RankingRow:
    unit_id: int
    name: str
    kpis: KpiSet
    previous: KpiSet | None
    score: float | None
    score_low: float | None
    score_high: float | None
    previous_score: float | None
    ranked: bool
    rank: int | None = None

    @property
    def gap(self) -> float | None:
        return self.kpis.gap

    @property
    def overdue_ratio(self) -> float | None:
        """Last year's overdue share ÷ this year's: 3.0 reads «improved threefold»; below 1,
        worse. None when either share is missing or this year's is zero."""
        if self.previous is None:
            return None
        now, before = self.kpis.overdue.value, self.previous.overdue.value
        if now is None or before is None or now == 0:
            return None
        return round(before / now, 2)

    @property
    def score_change(self) -> float | None:
        if self.score is None or self.previous_score is None:
            return None
        return round(self.score - self.previous_score, 1)

    @property
    def wilson(self) -> dict[str, tuple[float, float] | None]:
        return {name: getattr(self.kpis, name).wilson() for name in COMPONENTS}


@dataclass
class Ranking:
    kind: str
    period: Period
    previous_period: Period
    settings: Settings
    rows: list[RankingRow]

    @property
    def ranked(self) -> list[RankingRow]:
        return [row for row in self.rows if row.ranked]

    @property
    def unranked(self) -> list[RankingRow]:
        return [row for row in self.rows if not row.ranked]


def _names(kind: str, region_id: int) -> dict[int, str]:
    model = Municipality if kind == "municipality" else Organization
    return dict(model.objects.filter(region_id=region_id).values_list("pk", "name"))


@replica_reads()
def ranking(
    kind: str,
    region_id: int,
    period: Period,
    today: date,
    *,
    category_ids: tuple[int, ...] = (),
    settings: Settings | None = None,
) -> Ranking:
    """Every municipality or organization of the region with its index, ranked; two grouped
    queries over the rollups (this period and the same period a year before)."""
    settings = settings or settings_for(region_id)
    previous_period = period.previous_year()
    current = figures.by_unit(kind, region_id, period, today, category_ids=category_ids)
    previous = figures.by_unit(kind, region_id, previous_period, today, category_ids=category_ids)
    names = _names(kind, region_id)
    empty = KpiSet.from_totals(figures.empty_totals(), {}, {})
    rows = []
    for unit_id, name in names.items():
        k = current.get(unit_id, empty)
        before = previous.get(unit_id)
        score = composite(k, settings.weights)
        before_score = composite(before, settings.weights) if before else None
        rows.append(
            RankingRow(
                unit_id=unit_id,
                name=name,
                kpis=k,
                previous=before,
                score=score[0] if score else None,
                score_low=score[1] if score else None,
                score_high=score[2] if score else None,
                previous_score=before_score[0] if before_score else None,
                ranked=score is not None and k.received >= settings.minimum,
            )
        )
    rows.sort(key=lambda r: (not r.ranked, -(r.score if r.score is not None else -1), r.name))
    for position, row in enumerate((r for r in rows if r.ranked), start=1):
        row.rank = position
    return Ranking(kind, period, previous_period, settings, rows)
