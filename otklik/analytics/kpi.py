"""The figures of KPI.md for a scope and a period, computed by aggregate queries.

A scope is a `Q` over `Appeal` fields (`Q()` is the whole database, `Q(municipality=m)` one
municipality, `Q(executor=o)`, `Q(category__in=…)` …); a period is `[start, end)` of aware
datetimes. Rejected appeals never count here: they belong to the moderation figures.

Overdue and on-time shares are taken over the appeals whose deadline `due_at` falls in the period
and whose fate is already known at `now`: answered, or unanswered past the deadline. An appeal
due tomorrow and not answered yet is neither late nor on time.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Avg, Count, F, FloatField, Func, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from otklik.appeals.models import Appeal, Postponement, Rating
from otklik.appeals.workflow import Status

DAY = timedelta(days=1)


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


@dataclass(frozen=True)
class AnswerTime:
    """Time from registration to the first published answer, in calendar days."""

    count: int
    mean_days: float | None
    median_days: float | None


@dataclass(frozen=True)
class KpiSet:
    start: datetime
    end: datetime
    received: int
    overdue: Share
    on_time: Share
    time_to_answer: AnswerTime
    postponed: Share
    repeated_postponement: Share
    repeat: Share
    satisfaction: Share


@dataclass(frozen=True)
class UnitSummary:
    """The few figures of one unit in a grouped table (the municipalities index)."""

    received: int
    on_time: Share
    satisfaction: Share


def _in(field: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def _decided(start: datetime, end: datetime, now: datetime, prefix: str = "") -> tuple[Q, Q]:
    """(due in the period, of those: overdue) — KPI.md's overdue share, literally: an appeal due
    later this period and not yet answered counts as not (yet) overdue."""
    due = _in(f"{prefix}due_at", start, end)
    late_unanswered = Q(**{f"{prefix}answered_at__isnull": True, f"{prefix}due_at__lt": now})
    late_answer = Q(**{f"{prefix}answered_at__gt": F(f"{prefix}due_at")})
    return due, due & (late_answer | late_unanswered)


def counted(scope: Q | None = None):
    """The appeals a KPI may count: in `scope`, never rejected."""
    return Appeal.objects.filter(scope or Q()).exclude(status=Status.REJECTED).order_by()


def _through_appeal(scope: Q | None) -> Q:
    """`scope` (plain lookups on Appeal) as seen from a model with an `appeal` foreign key:
    a join, which SQLite runs much faster than `appeal__in=<subquery>`."""

    def prefixed(q: Q) -> Q:
        copy = Q()
        copy.connector, copy.negated = q.connector, q.negated
        copy.children = [
            prefixed(c) if isinstance(c, Q) else (f"appeal__{c[0]}", c[1]) for c in q.children
        ]
        return copy

    return prefixed(scope or Q()) & ~Q(appeal__status=Status.REJECTED)


class DaysBetween(Func):
    """`end − start` in days, as a float computed by the database itself (Django's generic
    datetime difference calls a Python function per row on SQLite: ten times slower)."""

    arg_joiner = " - "
    template = "(EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0)"
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="(julianday(%(expressions)s))",
            arg_joiner=") - julianday(",
            **extra,
        )


def _answer_time() -> DaysBetween:
    return DaysBetween("answered_at", "registered_at")


def _days(value: float | None) -> float | None:
    # PostgreSQL returns a Decimal.
    return None if value is None else round(float(value), 1)


def kpis(*, scope: Q | None = None, start: datetime, end: datetime, now: datetime) -> KpiSet:
    """Every figure for `scope` in `[start, end)`, as seen at `now`: four aggregate queries
    (appeals, postponements, ratings, and one slice for the median)."""
    appeals = counted(scope)
    decided, late = _decided(start, end, now)
    registered = _in("registered_at", start, end)
    due = _in("due_at", start, end)
    answered = _in("answered_at", start, end) & Q(registered_at__isnull=False)
    totals = appeals.filter(registered | due | answered).aggregate(
        received=Count("pk", filter=registered),
        repeats=Count("pk", filter=registered & Q(repeat_of__isnull=False)),
        decided=Count("pk", filter=decided),
        late=Count("pk", filter=late),
        due=Count("pk", filter=due),
        answered=Count("pk", filter=answered),
        mean=Avg(_answer_time(), filter=answered),
    )
    postponements = (
        Postponement.objects.filter(
            state=Postponement.State.APPROVED, appeal__in=appeals.filter(due).values("pk")
        )
        .order_by()
        .values("appeal")
        .annotate(n=Count("pk"))
        .aggregate(once=Count("appeal"), twice=Count("appeal", filter=Q(n__gte=2)))
    )
    n = totals["answered"]
    median = None
    if n:
        middle = list(
            appeals.filter(answered)
            .annotate(answer_time=_answer_time())
            .order_by("answer_time")
            .values_list("answer_time", flat=True)[(n - 1) // 2 : n // 2 + 1]
        )
        median = sum(float(days) for days in middle) / len(middle)
    ratings = Rating.objects.filter(
        _in("created_at", start, end), _through_appeal(scope)
    ).aggregate(total=Count("pk"), good=Count("pk", filter=Q(score__gte=4)))
    overdue = Share(totals["late"], totals["decided"])
    return KpiSet(
        start=start,
        end=end,
        received=totals["received"],
        overdue=overdue,
        on_time=overdue.complement(),
        time_to_answer=AnswerTime(n, _days(totals["mean"]), _days(median)),
        postponed=Share(postponements["once"], totals["due"]),
        repeated_postponement=Share(postponements["twice"], totals["due"]),
        repeat=Share(totals["repeats"], totals["received"]),
        satisfaction=Share(ratings["good"], ratings["total"]),
    )


def summaries_by(
    field: str, *, scope: Q | None = None, start: datetime, end: datetime, now: datetime
) -> dict[int, UnitSummary]:
    """Received, on-time and satisfaction per value of `field` (e.g. "municipality"): two
    grouped queries, appeals and ratings (a join would multiply rows and run slower)."""
    decided, late = _decided(start, end, now)
    registered = _in("registered_at", start, end)
    appeals = counted(scope)
    rows = (
        appeals.filter(registered | decided)
        .values(field)
        .annotate(
            received=Count("pk", filter=registered),
            decided=Count("pk", filter=decided),
            late=Count("pk", filter=late),
        )
    )
    ratings = {
        row[f"appeal__{field}"]: row
        for row in Rating.objects.filter(_in("created_at", start, end), _through_appeal(scope))
        .order_by()
        .values(f"appeal__{field}")
        .annotate(total=Count("pk"), good=Count("pk", filter=Q(score__gte=4)))
    }
    result = {}
    for row in rows:
        rated = ratings.get(row[field], {"good": 0, "total": 0})
        result[row[field]] = UnitSummary(
            received=row["received"],
            on_time=Share(row["decided"] - row["late"], row["decided"]),
            satisfaction=Share(rated["good"], rated["total"]),
        )
    return result


def top_categories(
    *, scope: Q | None = None, start: datetime, end: datetime, limit: int = 5
) -> list[dict]:
    """The top-level categories with the most public-category appeals registered in the period:
    `[{"id", "name", "count"}]`."""
    return list(
        counted(scope)
        .filter(_in("registered_at", start, end), category__is_public=True)
        .annotate(
            root_id=Coalesce("category__parent_id", "category_id"),
            root_name=Coalesce("category__parent__name", "category__name"),
        )
        .values("root_id", "root_name")
        .annotate(count=Count("pk"))
        .order_by("-count", "root_name")
        .values("root_id", "root_name", "count")[:limit]
    )


# ---------------------------------------------------------------------------- periods


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def last_twelve_months(now: datetime) -> tuple[datetime, datetime]:
    """From the same day a year ago to the end of today, local time."""
    today = timezone.localdate(now)
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return _midnight(year_ago + DAY), _midnight(today + DAY)


def current_quarter(now: datetime) -> tuple[datetime, datetime]:
    today = timezone.localdate(now)
    first_month = 3 * ((today.month - 1) // 3) + 1
    last_month = first_month + 2
    last_day = calendar.monthrange(today.year, last_month)[1]
    return (
        _midnight(date(today.year, first_month, 1)),
        _midnight(date(today.year, last_month, last_day) + DAY),
    )
