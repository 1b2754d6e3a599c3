"""What an executor should do today first: the default order of the inbox.

Each appeal with the executor falls into one group; groups come in this order, and within a
group the nearest deadline comes first:

1. returned for rework — the control centre sent the answer back, the deadline still runs;
2. due today — the last day to answer on time;
3. new — arrived (sent or sent back to the organization) within `NEW_WINDOW` and nobody has
   taken it yet: a minute's work to give it to someone, and it must not wait under older ones;
4. overdue — already late, in work;
5. everything else — in work with time left, and answers waiting for the control centre's
   review (nothing to do for the executor until it decides).

Ordering by deadline alone buries a fresh appeal under every overdue one; this order puts it
on the first page. The executor can still sort by deadline (`ORDER_DEADLINE`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When

from .models import Answer, AppealEvent
from .workflow import Action, Status

ORDER_ACTION = "action"
ORDER_DEADLINE = "deadline"
NEW_WINDOW = timedelta(days=3)  # a Friday evening's appeal is still «new» on Monday
# Actions that hand an appeal (back) to an executor.
ARRIVALS = (Action.ASSIGN, Action.REOPEN)

RETURNED, DUE_TODAY, NEW, OVERDUE, LATER = range(5)


def arrived_since(moment: datetime) -> Exists:
    """The appeal came (or came back) to its executor at `moment` or later."""
    return Exists(
        AppealEvent.objects.filter(
            appeal=OuterRef("pk"), action__in=ARRIVALS, created_at__gte=moment
        )
    )


def by_action(appeals: QuerySet, *, now: datetime, today_ends: datetime) -> QuerySet:
    """`appeals` (annotated with `last_answer_state`) in the order of what to do first.

    `today_ends` is the start of the next working day in the region (the «due today» bound of
    `sla.deadline_bounds`)."""
    in_work = Q(status=Status.IN_PROGRESS)
    appeals = appeals.annotate(
        priority=Case(
            When(in_work & Q(last_answer_state=Answer.State.RETURNED), then=Value(RETURNED)),
            When(in_work & Q(due_at__gte=now, due_at__lt=today_ends), then=Value(DUE_TODAY)),
            When(
                in_work & Q(assignee__isnull=True) & arrived_since(now - NEW_WINDOW),
                then=Value(NEW),
            ),
            When(in_work & Q(due_at__lt=now), then=Value(OVERDUE)),
            default=Value(LATER),
            output_field=IntegerField(),
        )
    )
    return appeals.order_by("priority", F("due_at").asc(nulls_last=True), "pk")


def by_deadline(appeals: QuerySet) -> QuerySet:
    """Nearest deadline first, appeals without one last."""
    return appeals.order_by(F("due_at").asc(nulls_last=True), "pk")
