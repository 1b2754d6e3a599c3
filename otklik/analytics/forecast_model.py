"""The weekly forecast of appeals: features, fit, prediction and scores, pure (no database).

One Poisson regression (scikit-learn's `PoissonRegressor`, log link) per topic group, pooled
over the group's municipalities: log E[appeals] = level of the municipality + seasonality by
week of the year (Fourier terms of the week's place in its year, so week 53 needs no special
case) + a linear trend + the effect of each weekday that is a day off on the production calendar
(and of each weekend day worked). The 80 % interval is read from the fitted distribution with
its overdispersion: a negative binomial with the model's mean and variance φ·mean, φ the Pearson
dispersion of the fit (at least 1: Poisson). A group's region total takes the sum of the
municipalities' means and its own dispersion, measured on the weekly totals, so that shocks
common to all municipalities widen the region's interval. docs/kpi.md explains the choices;
bench/forecast.py measures them against a seasonal-naive forecast.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

from otklik.lib.workdays import WorkCalendar

MODEL_VERSION = "poisson-glm-1"
HARMONICS = 3  # Fourier pairs of the yearly season
SEASON_MIN_WEEKS = 52  # with less history the season is not fitted
HISTORY_WEEKS = 156  # weeks of history a fit looks at, at most
ALPHA = 1e-3  # L2 penalty: keeps a municipality with a few appeals finite
LEVEL = 0.8  # the interval's coverage
SEASON = 52  # weeks between a week and "the same week last year" (seasonal naive)
WEEK = timedelta(days=7)

Series = dict[int, list[int]]  # unit (municipality id, 0 = none) → counts, one per week


@dataclass(frozen=True)
class Prediction:
    """The forecast of one week: expected appeals and the 80 % interval [low, high]."""

    expected: float
    low: int
    high: int
    median: float | None = None  # of the distribution: the point MASE is read on

    @property
    def point(self) -> float:
        """The point forecast that minimises the absolute error: the median when known."""
        return self.expected if self.median is None else self.median

    def covers(self, actual: int) -> bool:
        return self.low <= actual <= self.high


# ---------------------------------------------------------------------------- features


def mondays(start: date, end: date) -> list[date]:
    """The Mondays of the weeks from the one `start` is in, up to `end` excluded."""
    first = start - timedelta(days=start.weekday())
    return [first + i * WEEK for i in range(max(0, -(-(end - first).days // 7)))]


def year_phase(monday: date) -> float:
    """The week's place in its year, 0…1, read at its Thursday (the day that gives an ISO week
    its year): week 1 is near 0, week 52 or 53 near 1."""
    thursday = monday + timedelta(days=3)
    days_in_year = date(thursday.year, 12, 31).timetuple().tm_yday
    return (thursday.timetuple().tm_yday - 0.5) / days_in_year


def calendar_features(monday: date, calendar: WorkCalendar) -> tuple[int, int]:
    """(weekdays that are days off, weekend days that are worked) of the week."""
    days = [monday + timedelta(days=i) for i in range(7)]
    off = sum(1 for d in days if d.weekday() < 5 and not calendar.is_working_day(d))
    worked = sum(1 for d in days if d.weekday() >= 5 and calendar.is_working_day(d))
    return off, worked


def week_features(
    monday: date, calendar: WorkCalendar, *, last: date, harmonics: int = HARMONICS
) -> list[float]:
    """Features of one week: Fourier terms, trend (years since `last`, the newest week of the
    fit), days off on weekdays, worked weekend days."""
    phase = year_phase(monday)
    row = []
    for k in range(1, harmonics + 1):
        row += [math.sin(2 * math.pi * k * phase), math.cos(2 * math.pi * k * phase)]
    row.append((monday - last).days / 365.25)
    row.extend(calendar_features(monday, calendar))
    return row


# ---------------------------------------------------------------------------- fit and predict


@dataclass
class GroupFit:
    """A fitted model of one topic group: what `predict_group` needs."""

    model: object  # sklearn.linear_model.PoissonRegressor
    units: list[int]
    last: date
    harmonics: int
    dispersion: float  # φ of the municipalities
    total_dispersion: float  # φ of the group's weekly totals


def _design(units, weeks, calendar, last, harmonics):
    import numpy as np

    week_rows = [week_features(m, calendar, last=last, harmonics=harmonics) for m in weeks]
    rows = []
    for position in range(len(units)):
        onehot = [0.0] * len(units)
        onehot[position] = 1.0
        rows.extend(onehot + week_row for week_row in week_rows)
    return np.asarray(rows, dtype=float).reshape(len(units) * len(weeks), -1)


def fit_group(series: Series, weeks: Sequence[date], calendar: WorkCalendar) -> GroupFit | None:
    """Fit one group's model on its weekly counts (`weeks` are the Mondays the counts belong
    to); None when the group had no appeals."""
    import numpy as np
    from sklearn.linear_model import PoissonRegressor
    from threadpoolctl import threadpool_limits

    units = sorted(unit for unit, counts in series.items() if any(counts))
    if not units or not weeks:
        return None
    last = weeks[-1]
    harmonics = HARMONICS if len(weeks) >= SEASON_MIN_WEEKS else 0
    x = _design(units, weeks, calendar, last, harmonics)
    y = np.asarray([series[unit][i] for unit in units for i in range(len(weeks))], dtype=float)
    model = PoissonRegressor(alpha=ALPHA, solver="newton-cholesky", max_iter=300)
    # A fit this small gains nothing from OpenMP or BLAS threads, and on a busy machine their
    # synchronisation makes it ten times slower.
    with threadpool_limits(limits=1):
        model.fit(x, y)
        mean = np.maximum(model.predict(x), 1e-9)
    free = max(1, len(y) - x.shape[1] - 1)
    dispersion = max(1.0, float(((y - mean) ** 2 / mean).sum()) / free)
    weekly_mean = mean.reshape(len(units), len(weeks)).sum(axis=0)
    weekly_y = y.reshape(len(units), len(weeks)).sum(axis=0)
    total_free = max(1, len(weeks) - x.shape[1] + len(units) - 1)
    total = float(((weekly_y - weekly_mean) ** 2 / weekly_mean).sum()) / total_free
    return GroupFit(model, units, last, harmonics, dispersion, max(1.0, total))


def interval(mean: float, dispersion: float, level: float = LEVEL) -> tuple[int, int]:
    """The central `level` interval of a count with this mean and variance dispersion·mean
    (negative binomial when overdispersed, Poisson otherwise). A count's interval cannot hold
    exactly 80 %: each end is the whole number whose tail is nearest to 10 %, not the first one
    past it, so that small counts do not get intervals holding 95 %."""
    from scipy import stats

    tail = (1 - level) / 2
    if mean <= 0:
        return 0, 0
    if dispersion <= 1.0 + 1e-9:
        distribution = stats.poisson(mean)
    else:
        distribution = stats.nbinom(mean / (dispersion - 1), 1 / dispersion)
    low, high = (int(q) for q in distribution.ppf([tail, 1 - tail]))
    # P(X < low + 1) is ≥ tail: take it when it is nearer to tail than P(X < low).
    below = distribution.cdf([low - 1, low])
    if low < high and abs(below[1] - tail) < abs(below[0] - tail):
        low += 1
    # P(X ≤ high − 1) is < 1 − tail: take it when it is nearer.
    upto = distribution.cdf([high - 1, high])
    if high > low and abs(upto[0] - (1 - tail)) < abs(upto[1] - (1 - tail)):
        high -= 1
    return low, high


def median(mean: float, dispersion: float) -> int:
    """The median of the count `interval` describes."""
    from scipy import stats

    if mean <= 0:
        return 0
    if dispersion <= 1.0 + 1e-9:
        return int(stats.poisson.median(mean))
    return int(stats.nbinom.median(mean / (dispersion - 1), 1 / dispersion))


def _prediction(mean: float, dispersion: float) -> Prediction:
    return Prediction(round(mean, 3), *interval(mean, dispersion), median(mean, dispersion))


def predict_group(
    fit: GroupFit, monday: date, calendar: WorkCalendar
) -> tuple[dict[int, Prediction], Prediction]:
    """The forecast of the week starting `monday` for each unit of the fit, and for the
    group's total."""
    x = _design(fit.units, [monday], calendar, fit.last, fit.harmonics)
    means = [float(m) for m in fit.model.predict(x)]
    per_unit = {
        unit: _prediction(mean, fit.dispersion) for unit, mean in zip(fit.units, means, strict=True)
    }
    return per_unit, _prediction(sum(means), fit.total_dispersion)


# ---------------------------------------------------------------------------- baselines, scores


def scale(history: Sequence[int]) -> float:
    """The MASE denominator: mean absolute change from one week to the next over the history
    (the in-sample error of the naive forecast); 0 when the history never changed."""
    steps = [abs(b - a) for a, b in pairwise(history)]
    return sum(steps) / len(steps) if steps else 0.0


def seasonal_naive(history: Sequence[int], ahead: int = 1) -> Prediction | None:
    """ "The same week last year" for the week `ahead` weeks after the history, with an 80 %
    interval from the spread of the history's own year-on-year changes (Poisson when fewer than
    four are known); None with less than a year of history."""
    position = len(history) - 1 + ahead - SEASON
    if position < 0:
        return None
    value = history[position]
    changes = [b - a for a, b in zip(history, history[SEASON:], strict=False)]
    if len(changes) >= 4:
        mean = sum(changes) / len(changes)
        sd = math.sqrt(sum((c - mean) ** 2 for c in changes) / (len(changes) - 1))
        z = 1.2816  # the normal quantile of 90 %
        low, high = max(0, math.floor(value - z * sd)), math.ceil(value + z * sd)
        return Prediction(float(value), low, high, value)
    return Prediction(float(value), *interval(float(value), 1.0), value)


@dataclass(frozen=True)
class Score:
    """MASE and interval coverage of a set of forecasts."""

    mase: float | None
    covered: int
    count: int

    @property
    def coverage(self) -> float | None:
        return self.covered / self.count if self.count else None


def score(items: Sequence[tuple[int, Prediction, float]]) -> Score:
    """Score (actual, prediction, scale) triples: MASE (of the point forecast, the median when
    known) over those with a positive scale, coverage over all."""
    scaled = [abs(actual - p.point) / s for actual, p, s in items if s > 0]
    covered = sum(1 for actual, p, _ in items if p.covers(actual))
    mase = sum(scaled) / len(scaled) if scaled else None
    return Score(mase, covered, len(items))
