"""Repeat appeals: one open repeat per original and applicant, and the history they carry.

Three paths say «not solved» about an answered appeal: the applicant's rating, the follow-up
questionnaire and a control call. The first opens a repeat appeal
(`services.create_repeat_appeal`); while that repeat is open, the others join it: the new
report goes into its history as a `JOIN_REPEAT` event instead of a second appeal on the same
problem. A partial unique constraint (`appeal_one_open_repeat`) holds the rule in the database
too, and `create_repeat_appeal` locks the original's row so that two paths at the same moment
are served one after the other.
"""

from __future__ import annotations

from django.db import models, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Answer, Appeal, AppealEvent
from .workflow import OPEN_STATUSES, Action, next_status

# How far back a repeat's page shows the chain of earlier appeals on the same problem.
MAX_CHAIN = 5


class Via(models.TextChoices):
    """Which path reported the problem unsolved."""

    RATING = "rating", _("the applicant's rating")
    FOLLOW_UP = "follow_up", _("the follow-up questionnaire")
    CONTROL_CALL = "control_call", _("a control call")


def open_repeat(original: Appeal) -> Appeal | None:
    """The applicant's open repeat appeal of `original`, if there is one."""
    return (
        Appeal.objects.filter(
            repeat_of=original, applicant_id=original.applicant_id, status__in=OPEN_STATUSES
        )
        .order_by("created_at", "pk")
        .first()
    )


def join_repeat(*, repeat: Appeal, original: Appeal, actor, text: str, via: str, now=None):
    """Record on the open `repeat` that the problem of `original` was reported unsolved again."""
    now = now or timezone.now()
    with transaction.atomic():
        repeat.refresh_from_db(from_queryset=Appeal.objects.select_for_update())
        status = next_status(repeat.status, Action.JOIN_REPEAT)
        return AppealEvent.objects.create(
            appeal=repeat,
            action=Action.JOIN_REPEAT,
            actor=actor,
            created_at=now,
            from_status=repeat.status,
            to_status=status,
            comment=text,
            data={"repeat_of": original.number, "via": str(via)},
        )


def earlier_appeals(appeal: Appeal, *, within: QuerySet[Appeal]) -> list[Appeal]:
    """The appeals `appeal` repeats, the nearest first (at most `MAX_CHAIN`), each with its
    `history` (events, oldest first); the chain stops at the first one outside `within` (what
    the viewer may see)."""
    chain: list[Appeal] = []
    current = appeal
    while current.repeat_of_id and len(chain) < MAX_CHAIN:
        current = (
            within.select_related("executor")
            .prefetch_related(
                Prefetch(
                    "events",
                    queryset=AppealEvent.objects.select_related("actor").order_by(
                        "created_at", "pk"
                    ),
                    to_attr="history",
                ),
                Prefetch(
                    "answers",
                    queryset=Answer.objects.filter(state=Answer.State.PUBLISHED)
                    .select_related("organization")
                    .order_by("reviewed_at", "pk"),
                    to_attr="published_answers",
                ),
            )
            .filter(pk=current.repeat_of_id)
            .first()
        )
        if current is None:
            break
        chain.append(current)
    return chain
