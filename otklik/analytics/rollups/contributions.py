"""The contribution of each appeal and each instruction to the rollups, computed in a fixed
number of queries for a whole batch."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from django.db.models import Count, Q

from otklik.appeals.models import Answer, Appeal, Postponement, Rating
from otklik.appeals.workflow import Status
from otklik.control.models import ControlCall, FollowUp, Instruction

from .base import (
    APPEAL_FIELDS,
    CALENDAR_BASE,
    GOOD_RATING,
    MAX_DAYS,
    PROACTIVE_CHANNELS,
    WORKING_BASE,
    AppealRow,
    Context,
    Contribution,
)
from .durability import _durability_failed
from .first_reports import _is_first_report


def _grouped(rows: Iterable[tuple]) -> dict[int, list[tuple]]:
    grouped = defaultdict(list)
    for appeal_id, *rest in rows:
        grouped[appeal_id].append(tuple(rest))
    return grouped


def appeal_contributions(
    where: Q,
    ctx: Context,
    *,
    failures: set[int] | None = None,
    first_reports: set[int] | None = None,
) -> dict[int, Contribution]:
    """The contributions of the appeals `where` selects (a Q on the appeal's pk), in seven
    queries. `failures` (durability) and `first_reports` are the sets the rebuild computed for
    every appeal at once; otherwise each appeal is checked against its neighbours."""
    rows = [
        AppealRow(*values) for values in Appeal.objects.filter(where).values_list(*APPEAL_FIELDS)
    ]
    if not rows:
        return {}
    related = _appeal_related(where)
    postponements = dict(
        Postponement.objects.filter(related, state=Postponement.State.APPROVED)
        .values("appeal_id")
        .annotate(n=Count("pk"))
        .values_list("appeal_id", "n")
        .order_by()
    )
    answers = _grouped(
        Answer.objects.filter(related)
        .values_list("appeal_id", "submitted_at", "state", "is_formal_reply")
        .order_by()
    )
    ratings = _grouped(
        Rating.objects.filter(related).values_list("appeal_id", "created_at", "score").order_by()
    )
    verifications = _grouped(
        ControlCall.objects.filter(related, state=ControlCall.State.DONE)
        .values_list("appeal_id", "completed_at", "is_solved")
        .order_by()
    )
    for appeal_id, items in _grouped(
        FollowUp.objects.filter(related, answered_at__isnull=False)
        .values_list("appeal_id", "answered_at", "fix_lasted")
        .order_by()
    ).items():
        verifications[appeal_id].extend(items)
    if failures is None:
        failures = {row.pk for row in rows if _durability_failed(row)}
    if first_reports is None:
        first_reports = {row.pk for row in rows if _is_first_report(row)}
    return {
        row.pk: _appeal_contribution(
            row,
            ctx,
            postponements=postponements.get(row.pk, 0),
            answers=answers.get(row.pk, ()),
            ratings=ratings.get(row.pk, ()),
            verifications=verifications.get(row.pk, ()),
            failed=row.pk in failures,
            first=row.pk in first_reports,
        )
        for row in rows
    }


def _appeal_related(where: Q) -> Q:
    """`where` (lookups on the appeal's pk) as seen from a model with an `appeal` key."""
    copy = Q()
    copy.connector, copy.negated = where.connector, where.negated
    copy.children = [
        _appeal_related(c) if isinstance(c, Q) else (c[0].replace("pk", "appeal_id", 1), c[1])
        for c in where.children
    ]
    return copy


def _appeal_contribution(
    row: AppealRow,
    ctx: Context,
    *,
    postponements,
    answers,
    ratings,
    verifications,
    failed,
    first=False,
) -> Contribution:
    region = row.region_id
    unit = (row.municipality_id or 0, row.executor_id or 0, row.category_id or 0)
    c = Contribution(region, unit)

    def day(moment: datetime) -> date:
        return ctx.day(region, moment)

    if row.status == Status.REJECTED:
        # Rejected appeals (spam, not competent, merged duplicates) count only in moderation.
        c.add(day(row.created_at), "rejected")
        return c
    if row.registered_at is not None:
        registered = day(row.registered_at)
        c.add(registered, "received")
        if row.repeat_of_id:
            c.add(registered, "repeats")
        if row.channel in PROACTIVE_CHANNELS:
            c.add(registered, "proactive")
        if first:
            c.add(registered, "first_reports")
            if row.channel in PROACTIVE_CHANNELS:
                c.add(registered, "first_reports_proactive")
    if row.due_at is not None:
        due = day(row.due_at)
        c.add(due, "due")
        if row.answered_at is None:
            c.add(due, "due_open")
        elif row.answered_at > row.due_at:
            c.add(due, "due_late")
        if postponements >= 1:
            c.add(due, "postponed")
        if postponements >= 2:
            c.add(due, "postponed_twice")
    if row.answered_at is not None and row.registered_at is not None:
        answered = day(row.answered_at)
        registered = day(row.registered_at)
        calendar_days = min(max((answered - registered).days, 0), MAX_DAYS)
        working_days = min(
            max(ctx.workdays(region).working_days_between(registered, answered), 0), MAX_DAYS
        )
        c.add(answered, "answered")
        c.add(answered, "answer_days", calendar_days)
        c.add(answered, "answer_workdays", working_days)
        c.add(answered, CALENDAR_BASE + calendar_days)
        c.add(answered, WORKING_BASE + working_days)
    if row.closed_at is not None and row.status == Status.CLOSED:
        closed = day(row.closed_at)
        c.add(closed, "closed")
        if failed:
            c.add(closed, "durability_failures")
    for submitted_at, state, is_formal in answers:
        submitted = day(submitted_at)
        c.add(submitted, "answers_submitted")
        if state == Answer.State.RETURNED:
            c.add(submitted, "answers_returned")
        if is_formal:
            c.add(submitted, "answers_formal")
    for created_at, score in ratings:
        rated = day(created_at)
        c.add(rated, "ratings")
        if score >= GOOD_RATING:
            c.add(rated, "ratings_good")
    for completed_at, solved in verifications:
        verified = day(completed_at)
        c.add(verified, "verifications")
        if solved:
            c.add(verified, "verified_solved")
    return c


def instruction_contributions(where: Q, ctx: Context) -> dict[int, Contribution]:
    """Instructions count by their deadline's day under their organization (no category)."""
    result = {}
    for pk, region, org, municipality, state, due_at, completed_at, reported_at in (
        Instruction.objects.filter(where)
        .values_list(
            "pk",
            "region_id",
            "organization_id",
            "organization__municipality_id",
            "state",
            "due_at",
            "completed_at",
            "reported_at",
        )
        .order_by()
    ):
        c = Contribution(region, (municipality or 0, org, 0))
        result[pk] = c
        if state == Instruction.State.CANCELLED:
            continue
        due = ctx.day(region, due_at)
        c.add(due, "instructions_due")
        if state == Instruction.State.DONE:
            finished = completed_at
        elif state == Instruction.State.REPORTED:
            finished = reported_at  # on time if reported on time (Instruction.is_overdue)
        else:
            c.add(due, "instructions_open")
            continue
        if finished is not None and finished <= due_at:
            c.add(due, "instructions_on_time")
    return result
