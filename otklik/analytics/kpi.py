"""The figures of KPI.md computed straight from the source tables (appeals, answers, ratings,
calls, questionnaires, instructions), and the appeals behind each figure.

This is the reference the rollups are checked against (tests) and timed against (bench/kpi.py);
pages read the rollups (analytics.figures). Both produce the same counters and share
`KpiSet.from_totals`, so a figure means the same wherever it is shown. Rejected appeals never
count here except as `rejected`: they belong to the moderation figures.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from otklik.appeals.models import Answer, Appeal, Postponement, Rating
from otklik.appeals.workflow import Status
from otklik.control.models import ControlCall, FollowUp, Instruction

from .figures import KpiSet, Period, Scope, empty_totals, midnight, region_zone
from .rollups import (
    DURABILITY_METRES,
    MAX_DAYS,
    PROACTIVE_CHANNELS,
    Context,
    durability_followers,
)

# A box around a point wide enough for DURABILITY_METRES at any latitude up to 70° (the
# candidates it finds are then measured exactly).
_LAT_BOX = DURABILITY_METRES / 111_000 * 1.01
_LON_BOX = DURABILITY_METRES / (111_000 * 0.342) * 1.01  # cos 70° ≈ 0.342


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


def durability_failures(scope: Scope, w: Window) -> QuerySet[Appeal]:
    """Appeals closed in the window followed by a nearby appeal of their category (KPI.md)."""
    later = Appeal.objects.filter(
        category_id=OuterRef("category_id"),
        registered_at__gt=OuterRef("closed_at"),
        latitude__gte=OuterRef("latitude") - _LAT_BOX,
        latitude__lte=OuterRef("latitude") + _LAT_BOX,
        longitude__gte=OuterRef("longitude") - _LON_BOX,
        longitude__lte=OuterRef("longitude") + _LON_BOX,
    ).exclude(status=Status.REJECTED)
    candidates = (
        counted(scope)
        .filter(_in("closed_at", w.start, w.end), status=Status.CLOSED, latitude__isnull=False)
        .filter(Exists(later))
    )
    ids = [
        appeal.pk
        for appeal in candidates.only("pk", "category_id", "latitude", "longitude", "closed_at")
        if durability_followers(appeal)
    ]
    return Appeal.objects.filter(pk__in=ids)


def totals(scope: Scope, period: Period, today: date) -> dict[str, int]:
    """The rollup counters of `scope` and `period`, computed from the source tables."""
    w = Window(scope, period, today)
    t = empty_totals()
    appeals = counted(scope)
    registered = _in("registered_at", w.start, w.end)
    due = _in("due_at", w.start, w.end)
    closed = _in("closed_at", w.start, w.end) & Q(status=Status.CLOSED)
    row = appeals.filter(registered | due | closed).aggregate(
        received=Count("pk", filter=registered),
        repeats=Count("pk", filter=registered & Q(repeat_of__isnull=False)),
        proactive=Count("pk", filter=registered & Q(channel__in=PROACTIVE_CHANNELS)),
        due=Count("pk", filter=due),
        due_late=Count("pk", filter=due & Q(answered_at__gt=F("due_at"))),
        due_open=Count("pk", filter=due & Q(answered_at__isnull=True)),
        due_open_current=Count("pk", filter=due & Q(answered_at__isnull=True, due_at__gte=w.today)),
        closed=Count("pk", filter=closed),
    )
    t.update({k: v or 0 for k, v in row.items()})
    t["rejected"] = Appeal.objects.filter(
        scope.appeal_q(), _in("created_at", w.start, w.end), status=Status.REJECTED
    ).count()
    due_appeals = appeals.filter(due)
    t["postponed"] = _postponed(due_appeals, 1).count()
    t["postponed_twice"] = _postponed(due_appeals, 2).count()
    t["durability_failures"] = durability_failures(scope, w).count()
    answers = Answer.objects.filter(
        scope.appeal_q("appeal__"), _in("submitted_at", w.start, w.end)
    ).exclude(appeal__status=Status.REJECTED)
    row = answers.aggregate(
        answers_submitted=Count("pk"),
        answers_returned=Count("pk", filter=Q(state=Answer.State.RETURNED)),
        answers_formal=Count("pk", filter=Q(is_formal_reply=True)),
    )
    t.update(row)
    row = (
        Rating.objects.filter(scope.appeal_q("appeal__"), _in("created_at", w.start, w.end))
        .exclude(appeal__status=Status.REJECTED)
        .aggregate(ratings=Count("pk"), ratings_good=Count("pk", filter=Q(score__gte=4)))
    )
    t.update(row)
    calls = (
        ControlCall.objects.filter(
            scope.appeal_q("appeal__"),
            _in("completed_at", w.start, w.end),
            state=ControlCall.State.DONE,
        )
        .exclude(appeal__status=Status.REJECTED)
        .aggregate(n=Count("pk"), solved=Count("pk", filter=Q(is_solved=True)))
    )
    follow_ups = (
        FollowUp.objects.filter(scope.appeal_q("appeal__"), _in("answered_at", w.start, w.end))
        .exclude(appeal__status=Status.REJECTED)
        .aggregate(n=Count("pk"), solved=Count("pk", filter=Q(fix_lasted=True)))
    )
    t["verifications"] = calls["n"] + follow_ups["n"]
    t["verified_solved"] = calls["solved"] + follow_ups["solved"]
    instructions = (
        Instruction.objects.filter(scope.instruction_q(), _in("due_at", w.start, w.end))
        .exclude(state=Instruction.State.CANCELLED)
        .annotate(finished=_instruction_finished())
    )
    open_states = [Instruction.State.ISSUED]
    row = instructions.aggregate(
        instructions_due=Count("pk"),
        instructions_on_time=Count("pk", filter=Q(finished__lte=F("due_at"))),
        instructions_open=Count("pk", filter=Q(state__in=open_states)),
        instructions_open_current=Count("pk", filter=Q(state__in=open_states, due_at__gte=w.today)),
    )
    t.update(row)
    t.update(_answer_sums(scope, w))
    return {k: int(v or 0) for k, v in t.items()}


def _instruction_finished():
    """When an instruction was finished: accepted (its report's time) or reported."""
    from django.db.models import Case, When

    return Case(
        When(state=Instruction.State.DONE, then=F("completed_at")),
        When(state=Instruction.State.REPORTED, then=F("reported_at")),
        default=None,
    )


def _answer_times(scope: Scope, w: Window) -> list[tuple[int, int]]:
    """(calendar days, working days) of every first answer published in the window."""
    ctx = Context()
    pairs = []
    rows = (
        counted(scope)
        .filter(_in("answered_at", w.start, w.end), registered_at__isnull=False)
        .values_list("region_id", "registered_at", "answered_at")
    )
    for region, registered_at, answered_at in rows.iterator(chunk_size=5000):
        registered, answered = ctx.day(region, registered_at), ctx.day(region, answered_at)
        calendar_days = min(max((answered - registered).days, 0), MAX_DAYS)
        working = min(
            max(ctx.workdays(region).working_days_between(registered, answered), 0), MAX_DAYS
        )
        pairs.append((calendar_days, working))
    return pairs


def _answer_sums(scope: Scope, w: Window) -> dict[str, int]:
    pairs = _answer_times(scope, w)
    return {
        "answered": len(pairs),
        "answer_days": sum(c for c, _ in pairs),
        "answer_workdays": sum(wd for _, wd in pairs),
    }


def kpis(scope: Scope, period: Period, today: date) -> KpiSet:
    """Every figure for the scope and period, straight from the source tables."""
    pairs = _answer_times(scope, Window(scope, period, today))
    calendar_days: dict[int, int] = {}
    working_days: dict[int, int] = {}
    for c, wd in pairs:
        calendar_days[c] = calendar_days.get(c, 0) + 1
        working_days[wd] = working_days.get(wd, 0) + 1
    return KpiSet.from_totals(totals(scope, period, today), calendar_days, working_days)


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
