"""The lists of the weekly review: worst overdue appeals, repeat chains, instructions, calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    Max,
    Q,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from otklik.appeals.models import Appeal
from otklik.appeals.workflow import OPEN_STATUSES
from otklik.control.models import ControlCall, Instruction

from .. import figures
from .places import _registered_in
from .weeks import LIST_LIMIT, LONG_LIST_LIMIT


def worst_overdue(region_id: int, now: datetime) -> list[Appeal]:
    """Open unanswered appeals of the region furthest past their deadline."""
    appeals = (
        Appeal.objects.filter(
            region_id=region_id,
            status__in=OPEN_STATUSES,
            answered_at__isnull=True,
            due_at__lt=now,
        )
        .select_related("category", "municipality", "executor")
        .order_by("due_at", "pk")[:LIST_LIMIT]
    )
    appeals = list(appeals)
    for appeal in appeals:
        appeal.days_overdue = (now - appeal.due_at).days
    return appeals


@dataclass
class RepeatCase:
    appeal: Appeal  # the first appeal of the chain
    repeats: int  # repeat appeals of the chain registered this quarter
    depth: int  # 1: repeats of the first; 2: a repeat of a repeat; 3: deeper still
    last: str  # number of the latest repeat


def worst_repeats(region_id: int, start: datetime, end: datetime) -> list[RepeatCase]:
    """Repeat chains with repeats registered in [start, end): repeats of repeats first, then
    the most repeats. Two queries: the chains grouped in the database, then their first appeals."""
    depth = Case(
        When(repeat_of__repeat_of__repeat_of__isnull=False, then=Value(3)),
        When(repeat_of__repeat_of__isnull=False, then=Value(2)),
        default=Value(1),
        output_field=IntegerField(),
    )
    chains = list(
        _registered_in(region_id, start, end)
        .filter(repeat_of__isnull=False)
        .annotate(
            root=Coalesce(
                "repeat_of__repeat_of__repeat_of_id", "repeat_of__repeat_of_id", "repeat_of_id"
            ),
            depth=depth,
        )
        .values("root")
        .annotate(n=Count("pk"), deepest=Max("depth"), last=Max("number", output_field=CharField()))
        .order_by("-deepest", "-n", "root")[:LIST_LIMIT]
    )
    firsts = Appeal.objects.select_related("category", "municipality", "executor").in_bulk(
        [chain["root"] for chain in chains]
    )
    return [
        RepeatCase(firsts[chain["root"]], chain["n"], chain["deepest"], chain["last"])
        for chain in chains
        if chain["root"] in firsts
    ]


def _instruction_overdue_q(now: datetime) -> Q:
    return Q(state=Instruction.State.ISSUED, due_at__lt=now) | Q(
        state=Instruction.State.REPORTED, reported_at__gt=F("due_at")
    )


def instruction_state(region_id: int, start: datetime, end: datetime, now: datetime) -> dict:
    """Counts of the region's instructions, and every open one (issued or reported, as of now):
    the overdue first, then by deadline."""
    instructions = Instruction.objects.filter(region_id=region_id).order_by()
    counts = instructions.aggregate(
        issued=Count("pk", filter=Q(issued_at__gte=start, issued_at__lt=end)),
        waiting=Count("pk", filter=Q(state=Instruction.State.ISSUED)),
        reported=Count("pk", filter=Q(state=Instruction.State.REPORTED)),
        done=Count(
            "pk",
            filter=Q(state=Instruction.State.DONE, completed_at__gte=start, completed_at__lt=end),
        ),
        overdue=Count("pk", filter=_instruction_overdue_q(now)),
    )
    late = Case(
        When(_instruction_overdue_q(now), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    open_ones = list(
        instructions.filter(state__in=(Instruction.State.ISSUED, Instruction.State.REPORTED))
        .annotate(late=late)
        .select_related("organization")
        .order_by("-late", "due_at", "pk")
    )
    for instruction in open_ones:
        # Reported late: overdue by the report's delay; still issued: by the time since.
        reported = instruction.state == Instruction.State.REPORTED and instruction.reported_at
        finished = instruction.reported_at if reported else now
        late = instruction.late
        instruction.days_overdue = (finished - instruction.due_at).days if late else None
    return {"counts": counts, "open": open_ones}


def call_results(region_id: int, start: datetime, end: datetime) -> dict:
    """Control calls completed in the week: counts per outcome, the solved share, and the
    calls where the applicant said the problem was not solved."""
    calls = ControlCall.objects.filter(
        completed_at__gte=start, completed_at__lt=end, call_list__region_id=region_id
    ).order_by()
    counts = calls.aggregate(
        done=Count("pk", filter=Q(state=ControlCall.State.DONE)),
        solved=Count("pk", filter=Q(state=ControlCall.State.DONE, is_solved=True)),
        not_solved=Count("pk", filter=Q(state=ControlCall.State.DONE, is_solved=False)),
        not_reached=Count(
            "pk", filter=~Q(state__in=[ControlCall.State.DONE, ControlCall.State.PENDING])
        ),
    )
    share = figures.Share(counts["solved"], counts["done"])
    failed = list(
        calls.filter(state=ControlCall.State.DONE, is_solved=False)
        .select_related("appeal", "appeal__category", "appeal__municipality", "repeat")
        .order_by("-completed_at", "-pk")[:LONG_LIST_LIMIT]
    )
    return {"counts": counts, "solved_share": share, "failed": failed}
