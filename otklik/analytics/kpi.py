"""The figures of KPI.md computed straight from the source tables (appeals, answers, ratings,
calls, questionnaires, instructions), and the appeals behind each figure.

This is the reference the rollups are checked against (tests) and timed against (bench/kpi.py);
pages read the rollups (analytics.figures). Both produce the same counters and share
`KpiSet.from_totals`, so a figure means the same wherever it is shown. Rejected appeals never
count here except as `rejected`: they belong to the moderation figures.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, ExpressionWrapper, F, FloatField, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, Cos, Radians

from otklik.appeals.models import Answer, Appeal, Postponement, Rating
from otklik.appeals.workflow import Status
from otklik.control.models import ControlCall, FollowUp, Instruction
from otklik.lib.geo import EARTH_RADIUS_M

from .figures import (
    KpiSet,
    Period,
    Scope,
    empty_totals,
    midnight,
    region_zone,
)
from .rollups import (
    DURABILITY_DAYS,
    DURABILITY_METRES,
    FIRST_REPORT_DAYS,
    FIRST_REPORT_METRES,
    MAX_DAYS,
    PROACTIVE_CHANNELS,
    Context,
    PointRow,
    read_points,
)
from .rollups.points import FOUND

# A box around a point wide enough for DURABILITY_METRES at any latitude up to 70° (the
# candidates it finds are then measured exactly), and metres per degree of a great circle.
_LAT_BOX = DURABILITY_METRES / 111_000 * 1.01
_LON_BOX = DURABILITY_METRES / (111_000 * 0.342) * 1.01  # cos 70° ≈ 0.342
M_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180


def _in(field: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


class Window:
    """A period as aware datetimes of the scope's region, and the start of `today`."""

    def __init__(self, scope: Scope, period: Period, today: date):
        tz = region_zone(scope.region_id)
        self.start, self.end = period.bounds(tz)
        self.today = midnight(today, tz)


def counted(scope: Scope) -> QuerySet[Appeal]:
    """The appeals a KPI may count: in the scope, never rejected."""
    return Appeal.objects.filter(scope.appeal_q()).exclude(status=Status.REJECTED).order_by()


def _postponed(appeals: QuerySet[Appeal], at_least: int) -> QuerySet[Appeal]:
    approved = (
        Postponement.objects.filter(appeal=OuterRef("pk"), state=Postponement.State.APPROVED)
        .order_by()
        .values("appeal")
        .annotate(n=Count("pk"))
        .filter(n__gte=at_least)
    )
    return appeals.filter(Exists(approved))


def _metres_squared(lat: str, lon: str, other_lat, other_lon):
    """Squared distance in metres between two points, as an SQL expression (equirectangular:
    within micrometres of the haversine `lib.geo.distance_m` at these distances)."""
    dy = (F(lat) - other_lat) * M_PER_DEGREE
    dx = (F(lon) - other_lon) * M_PER_DEGREE * Cos(Radians(other_lat))
    return ExpressionWrapper(dy * dy + dx * dx, output_field=FloatField())


def durability_failures(scope: Scope, w: Window) -> QuerySet[Appeal]:
    """Appeals closed in the window followed by a nearby appeal of their category (KPI.md),
    measured in SQL: one set-based query, usable at any size."""
    later = (
        Appeal.objects.filter(
            category_id=OuterRef("category_id"),
            registered_at__gt=OuterRef("closed_at"),
            registered_at__lte=OuterRef("closed_at") + timedelta(days=DURABILITY_DAYS),
            latitude__gte=OuterRef("latitude") - _LAT_BOX,
            latitude__lte=OuterRef("latitude") + _LAT_BOX,
            longitude__gte=OuterRef("longitude") - _LON_BOX,
            longitude__lte=OuterRef("longitude") + _LON_BOX,
        )
        .exclude(status=Status.REJECTED)
        .exclude(pk=OuterRef("pk"))
        .alias(
            metres2=_metres_squared(
                "latitude", "longitude", OuterRef("latitude"), OuterRef("longitude")
            )
        )
        .filter(metres2__lte=DURABILITY_METRES**2)
    )
    return counted(scope).filter(
        _in("closed_at", w.start, w.end),
        Exists(later),
        status=Status.CLOSED,
        latitude__isnull=False,
        longitude__isnull=False,
    )


def first_reports(scope: Scope, w: Window) -> QuerySet[Appeal]:
    """Appeals registered in the window that first reported a problem (KPI.md): no earlier
    registered appeal of the same category within FIRST_REPORT_METRES in the FIRST_REPORT_DAYS
    before. Appeals without a point or category cannot be placed and are left out."""
    earlier = (
        Appeal.objects.filter(
            category_id=OuterRef("category_id"),
            registered_at__lt=OuterRef("registered_at"),
            registered_at__gte=OuterRef("registered_at") - timedelta(days=FIRST_REPORT_DAYS),
            latitude__gte=OuterRef("latitude") - _LAT_BOX,
            latitude__lte=OuterRef("latitude") + _LAT_BOX,
            longitude__gte=OuterRef("longitude") - _LON_BOX,
            longitude__lte=OuterRef("longitude") + _LON_BOX,
        )
        .exclude(status=Status.REJECTED)
        .exclude(pk=OuterRef("pk"))
        .alias(
            metres2=_metres_squared(
                "latitude", "longitude", OuterRef("latitude"), OuterRef("longitude")
            )
        )
        .filter(metres2__lte=FIRST_REPORT_METRES**2)
    )
    return counted(scope).filter(
        _in("registered_at", w.start, w.end),
        ~Exists(earlier),
        category_id__isnull=False,
        latitude__isnull=False,
        longitude__isnull=False,
    )


def points_checked(scope: Scope, w: Window) -> list[PointRow]:
    """Inspection points of the scope checked in the window (found or all right; a point the
    team could not reach was not checked), read through the slot inspections registers."""
    rows = read_points(region_id=scope.region_id, start=w.start, end=w.end)
    return [
        row
        for row in rows
        if row.checked
        and row.region_id == scope.region_id
        and w.start <= row.checked_at < w.end
        and (not scope.municipality_id or row.municipality_id == scope.municipality_id)
        and (not scope.organization_id or row.organization_id == scope.organization_id)
        and (not scope.category_ids or row.category_id in scope.category_ids)
    ]


# The unit a grouped reading is split by: the appeal's field, and the instruction's.
UNITS = {
    "municipality": ("municipality_id", "organization__municipality_id"),
    "organization": ("executor_id", "organization_id"),
}


def _grouped(queryset: QuerySet, field: str | None, **aggregates) -> dict:
    """{unit: {name: value}} of the aggregates, one GROUP BY query (unit None: ungrouped)."""
    if field is None:
        return {None: queryset.aggregate(**aggregates)}
    rows = queryset.order_by().values(unit=F(field)).annotate(**aggregates)
    return {row.pop("unit"): row for row in rows}


def totals(scope: Scope, period: Period, today: date) -> dict[str, int]:
    """The rollup counters of `scope` and `period`, computed from the source tables."""
    return totals_by(scope, period, today).get(None) or empty_totals()


def totals_by(
    scope: Scope, period: Period, today: date, by: str | None = None
) -> dict[int | None, dict[str, int]]:
    """The counters of every unit of `scope` (by municipality or organization; None: the
    whole scope), straight from the source tables, a fixed number of grouped queries."""
    w = Window(scope, period, today)
    appeal_unit, instruction_unit = UNITS[by] if by else (None, None)
    related_unit = f"appeal__{appeal_unit}" if by else None
    result: dict[int | None, dict[str, int]] = defaultdict(empty_totals)

    def merge(groups: dict, rename: dict[str, str] | None = None) -> None:
        for unit, row in groups.items():
            for name, value in row.items():
                name = (rename or {}).get(name, name)
                result[unit][name] += int(value or 0)

    appeals = counted(scope)
    registered = _in("registered_at", w.start, w.end)
    due = _in("due_at", w.start, w.end)
    closed = _in("closed_at", w.start, w.end) & Q(status=Status.CLOSED)
    merge(
        _grouped(
            appeals.filter(registered | due | closed),
            appeal_unit,
            received=Count("pk", filter=registered),
            repeats=Count("pk", filter=registered & Q(repeat_of__isnull=False)),
            proactive=Count("pk", filter=registered & Q(channel__in=PROACTIVE_CHANNELS)),
            due=Count("pk", filter=due),
            due_late=Count("pk", filter=due & Q(answered_at__gt=F("due_at"))),
            due_open=Count("pk", filter=due & Q(answered_at__isnull=True)),
            due_open_current=Count(
                "pk", filter=due & Q(answered_at__isnull=True, due_at__gte=w.today)
            ),
            closed=Count("pk", filter=closed),
        )
    )
    rejected = Appeal.objects.filter(
        scope.appeal_q(), _in("created_at", w.start, w.end), status=Status.REJECTED
    )
    merge(_grouped(rejected, appeal_unit, rejected=Count("pk")))
    due_appeals = appeals.filter(due)
    merge(_grouped(_postponed(due_appeals, 1), appeal_unit, postponed=Count("pk")))
    merge(_grouped(_postponed(due_appeals, 2), appeal_unit, postponed_twice=Count("pk")))
    merge(_grouped(durability_failures(scope, w), appeal_unit, durability_failures=Count("pk")))
    merge(
        _grouped(
            first_reports(scope, w),
            appeal_unit,
            first_reports=Count("pk"),
            first_reports_proactive=Count("pk", filter=Q(channel__in=PROACTIVE_CHANNELS)),
        )
    )
    point_unit = {"municipality": "municipality_id", "organization": "organization_id"}.get(by)
    for row in points_checked(scope, w):
        key = (getattr(row, point_unit) or 0) if point_unit else None
        result[key]["points_checked"] += 1
        result[key]["points_found"] += int(row.outcome == FOUND)
    answers = Answer.objects.filter(
        scope.appeal_q("appeal__"), _in("submitted_at", w.start, w.end)
    ).exclude(appeal__status=Status.REJECTED)
    merge(
        _grouped(
            answers,
            related_unit,
            answers_submitted=Count("pk"),
            answers_returned=Count("pk", filter=Q(state=Answer.State.RETURNED)),
            answers_formal=Count("pk", filter=Q(is_formal_reply=True)),
        )
    )
    ratings = Rating.objects.filter(
        scope.appeal_q("appeal__"), _in("created_at", w.start, w.end)
    ).exclude(appeal__status=Status.REJECTED)
    merge(
        _grouped(
            ratings,
            related_unit,
            ratings=Count("pk"),
            ratings_good=Count("pk", filter=Q(score__gte=4)),
        )
    )
    calls = ControlCall.objects.filter(
        scope.appeal_q("appeal__"),
        _in("completed_at", w.start, w.end),
        state=ControlCall.State.DONE,
    ).exclude(appeal__status=Status.REJECTED)
    follow_ups = FollowUp.objects.filter(
        scope.appeal_q("appeal__"), _in("answered_at", w.start, w.end)
    ).exclude(appeal__status=Status.REJECTED)
    checks = {"n": "verifications", "solved": "verified_solved"}
    merge(
        _grouped(calls, related_unit, n=Count("pk"), solved=Count("pk", filter=Q(is_solved=True))),
        checks,
    )
    merge(
        _grouped(
            follow_ups,
            related_unit,
            n=Count("pk"),
            solved=Count("pk", filter=Q(fix_lasted=True)),
        ),
        checks,
    )
    instructions = (
        Instruction.objects.filter(scope.instruction_q(), _in("due_at", w.start, w.end))
        .exclude(state=Instruction.State.CANCELLED)
        .annotate(finished=_instruction_finished())
    )
    open_states = [Instruction.State.ISSUED]
    merge(
        _grouped(
            instructions,
            instruction_unit,
            instructions_due=Count("pk"),
            instructions_on_time=Count("pk", filter=Q(finished__lte=F("due_at"))),
            instructions_open=Count("pk", filter=Q(state__in=open_states)),
            instructions_open_current=Count(
                "pk", filter=Q(state__in=open_states, due_at__gte=w.today)
            ),
        )
    )
    for unit, pairs in _answer_times(scope, w, appeal_unit).items():
        merge(
            {
                unit: {
                    "answered": len(pairs),
                    "answer_days": sum(c for c, _ in pairs),
                    "answer_workdays": sum(wd for _, wd in pairs),
                }
            }
        )
    return dict(result)


def _instruction_finished():
    """When an instruction was finished: accepted (its report's time) or reported."""
    from django.db.models import Case, When

    return Case(
        When(state=Instruction.State.DONE, then=F("completed_at")),
        When(state=Instruction.State.REPORTED, then=F("reported_at")),
        default=None,
    )


def _answer_times(
    scope: Scope, w: Window, unit: str | None = None
) -> dict[int | None, list[tuple[int, int]]]:
    """(calendar days, working days) of every first answer published in the window, by unit."""
    ctx = Context()
    pairs: dict[int | None, list[tuple[int, int]]] = defaultdict(list)
    rows = (
        counted(scope)
        .filter(_in("answered_at", w.start, w.end), registered_at__isnull=False)
        .values_list("region_id", "registered_at", "answered_at", unit or "region_id")
    )
    for region, registered_at, answered_at, key in rows.iterator(chunk_size=5000):
        registered, answered = ctx.day(region, registered_at), ctx.day(region, answered_at)
        calendar_days = min(max((answered - registered).days, 0), MAX_DAYS)
        working = min(
            max(ctx.workdays(region).working_days_between(registered, answered), 0), MAX_DAYS
        )
        pairs[key if unit else None].append((calendar_days, working))
    return pairs


def kpis(scope: Scope, period: Period, today: date, *, forecast: bool = False) -> KpiSet:
    """Every figure for the scope and period, straight from the source tables (with
    `forecast`, the forecast error read from the stored forecasts, as on the pages)."""
    pairs = _answer_times(scope, Window(scope, period, today)).get(None, [])
    calendar_days: dict[int, int] = {}
    working_days: dict[int, int] = {}
    for c, wd in pairs:
        calendar_days[c] = calendar_days.get(c, 0) + 1
        working_days[wd] = working_days.get(wd, 0) + 1
    k = KpiSet.from_totals(totals(scope, period, today), calendar_days, working_days)
    if not forecast:
        return k
    from .forecast_kpi import with_forecast_error  # it reads figures, as this module does

    return with_forecast_error(k, scope, period, today)


# ---------------------------------------------------------------------------- drill-down

# KPI → (what its figure counts, what it is a share of), as appeal querysets.
DRILLABLE = (
    "received",
    "overdue",
    "on_time",
    "time_to_answer",
    "postponed",
    "repeated_postponement",
    "repeat",
    "durability",
    "rework",
    "formal_reply",
    "satisfaction",
    "verified",
    "proactive",
    "instructions_on_time",
    "rejected",
    "found_before_residents",
)


def appeals_behind(
    kpi: str, scope: Scope, period: Period, today: date, *, part: str = "numerator"
) -> QuerySet[Appeal]:
    """The appeals a figure counts (`part="numerator"`) or is taken over ("denominator"). For
    answer, rating and verification figures: the appeals those answers, ratings and checks
    belong to. Instructions on time lists the appeals the instructions were about."""
    if kpi not in DRILLABLE:
        raise ValueError(kpi)
    w = Window(scope, period, today)
    appeals = counted(scope)
    registered = appeals.filter(_in("registered_at", w.start, w.end))
    due = appeals.filter(_in("due_at", w.start, w.end))
    decided = due.exclude(answered_at__isnull=True, due_at__gte=w.today)
    late = decided.filter(Q(answered_at__gt=F("due_at")) | Q(answered_at__isnull=True))
    answers = Answer.objects.filter(_in("submitted_at", w.start, w.end))
    ratings = Rating.objects.filter(_in("created_at", w.start, w.end))
    calls = ControlCall.objects.filter(
        _in("completed_at", w.start, w.end), state=ControlCall.State.DONE
    )
    follow_ups = FollowUp.objects.filter(_in("answered_at", w.start, w.end))
    closed = appeals.filter(_in("closed_at", w.start, w.end), status=Status.CLOSED)
    instructions = Instruction.objects.filter(
        scope.instruction_q(), _in("due_at", w.start, w.end)
    ).exclude(state=Instruction.State.CANCELLED)

    def through(rows, **filters):
        return appeals.filter(pk__in=rows.filter(**filters).values("appeal_id"))

    verified = appeals.filter(
        Q(pk__in=calls.values("appeal_id")) | Q(pk__in=follow_ups.values("appeal_id"))
    )
    table = {
        "received": (registered, registered),
        "rejected": (
            Appeal.objects.filter(
                scope.appeal_q(), _in("created_at", w.start, w.end), status=Status.REJECTED
            ),
            None,
        ),
        "overdue": (late, decided),
        "on_time": (decided.exclude(pk__in=late.values("pk")), decided),
        "time_to_answer": (appeals.filter(_in("answered_at", w.start, w.end)), None),
        "postponed": (_postponed(due, 1), due),
        "repeated_postponement": (_postponed(due, 2), due),
        "repeat": (registered.filter(repeat_of__isnull=False), registered),
        "durability": (durability_failures(scope, w).filter(scope.appeal_q()), closed),
        "rework": (through(answers, state=Answer.State.RETURNED), through(answers)),
        "formal_reply": (through(answers, is_formal_reply=True), through(answers)),
        "satisfaction": (through(ratings, score__gte=4), through(ratings)),
        "verified": (
            appeals.filter(
                Q(pk__in=calls.filter(is_solved=True).values("appeal_id"))
                | Q(pk__in=follow_ups.filter(fix_lasted=True).values("appeal_id"))
            ),
            verified,
        ),
        "proactive": (registered.filter(channel__in=PROACTIVE_CHANNELS), registered),
        "found_before_residents": (
            first_reports(scope, w).filter(channel__in=PROACTIVE_CHANNELS),
            first_reports(scope, w),
        ),
        "instructions_on_time": (
            appeals.filter(
                instructions__in=instructions.annotate(finished=_instruction_finished()).filter(
                    finished__lte=F("due_at")
                )
            ).distinct(),
            appeals.filter(instructions__in=instructions).distinct(),
        ),
    }
    numerator, denominator = table[kpi]
    chosen = numerator if part == "numerator" or denominator is None else denominator
    return chosen.order_by(Coalesce("registered_at", "created_at").desc(), "-pk")


def points_behind(
    kpi: str, scope: Scope, period: Period, today: date, *, part: str = "numerator"
) -> list[int]:
    """The inspection points behind «inspection yield»: those where a problem was found
    (`part="numerator"`) or every point checked in the period ("denominator"), as ids, the
    latest checked first (pages read the points themselves from inspections)."""
    if kpi != "inspection_yield":
        raise ValueError(kpi)
    rows = points_checked(scope, Window(scope, period, today))
    if part == "numerator":
        rows = [row for row in rows if row.outcome == FOUND]
    rows.sort(key=lambda row: (row.checked_at, row.pk), reverse=True)
    return [row.pk for row in rows]
