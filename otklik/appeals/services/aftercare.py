"""After the answer: the applicant's rating and follow-up, repeat appeals, closing and reopening."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import access, repeats
from ..models import Appeal, Channel, Rating
from ..outbox import wake_on_commit
from ..workflow import Action, Status
from .base import MAX_TEXT, _lock, _transition, required_text
from .intake import submit_appeal


@dataclass(frozen=True)
class RatingOutcome:
    rating: Rating
    repeat: Appeal | None


def rate_answer(
    *, appeal: Appeal, actor, score: int, is_solved: bool, comment: str = "", now=None
) -> RatingOutcome:
    """The applicant rates the answer. «Not solved» opens a repeat appeal linked to this one."""
    access.require(access.is_applicant(actor, appeal))
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationError(_("Choose a score from 1 to 5."))
    comment = (comment or "").strip()[:MAX_TEXT]
    now = now or timezone.now()
    with transaction.atomic():
        _lock(appeal)
        if appeal.ratings.filter(applicant=actor).exists():
            raise ValidationError(_("You have already rated this answer."))
        rating = Rating.objects.create(
            appeal=appeal,
            applicant=actor,
            score=score,
            is_solved=is_solved,
            comment=comment,
            created_at=now,
        )
        _transition(
            appeal,
            Action.RATE,
            actor=actor,
            now=now,
            comment=comment,
            data={"score": score, "is_solved": is_solved},
        )
        if appeal.status == Status.ANSWERED:
            close_appeal(appeal=appeal, actor=None, now=now)
        repeat = None
        if not is_solved:
            repeat = create_repeat_appeal(original=appeal, actor=actor, text=comment, now=now)
        wake_on_commit()
    return RatingOutcome(rating, repeat)


def record_follow_up(
    *, appeal: Appeal, fix_lasted: bool, comment: str = "", now=None
) -> Appeal | None:
    """The applicant's answer to the follow-up questionnaire (through a signed link, so the
    actor is the applicant without a login). «It did not last» opens a repeat appeal; returns it."""
    comment = (comment or "").strip()[:MAX_TEXT]
    now = now or timezone.now()
    with transaction.atomic():
        _transition(
            appeal,
            Action.FOLLOW_UP,
            actor=appeal.applicant,
            now=now,
            comment=comment,
            data={"fix_lasted": fix_lasted},
        )
        repeat = None
        if not fix_lasted:
            text = comment or _(
                "The problem of appeal %(number)s came back after it was solved."
            ) % {"number": appeal.number}
            repeat = create_repeat_appeal(
                original=appeal, actor=None, text=text, via=repeats.Via.FOLLOW_UP, now=now
            )
        wake_on_commit()
    return repeat


def create_repeat_appeal(
    *,
    original: Appeal,
    actor,
    text: str = "",
    channel: str = Channel.PORTAL,
    via: str = repeats.Via.RATING,
    now=None,
) -> Appeal:
    """A new appeal on the same problem, linked to the earlier one and carrying its context;
    when the applicant already has an open repeat of `original`, that one is returned with the
    new report in its history (one open repeat per original and applicant)."""
    body = text.strip() or _("The problem of appeal %(number)s is not solved.") % {
        "number": original.number
    }
    with transaction.atomic():
        _lock(original)  # serialises the paths that open repeats of the same original
        if existing := repeats.open_repeat(original):
            repeats.join_repeat(
                repeat=existing, original=original, actor=actor, text=body, via=via, now=now
            )
            return existing
        return submit_appeal(
            region=original.region,
            text=body,
            applicant=original.applicant,
            channel=channel,
            category=original.category,
            municipality=original.municipality,
            latitude=original.latitude,
            longitude=original.longitude,
            address=original.address,
            repeat_of=original,
            created_by=actor if actor is not None and actor != original.applicant else None,
            is_public=original.is_public,
            now=now,
        )


def close_appeal(*, appeal: Appeal, actor=None, now=None) -> Appeal:
    """Close an answered appeal (after the rating, or when the rating window has passed)."""
    if actor is not None:
        access.require(access.can_moderate(actor, appeal))
    now = now or timezone.now()
    with transaction.atomic():
        _transition(appeal, Action.CLOSE, actor=actor, now=now, closed_at=now)
    return appeal


def reopen_appeal(*, appeal: Appeal, actor, reason: str, now=None) -> Appeal:
    """Return an answered or closed appeal to its executor (e.g. a failed check)."""
    access.require(access.can_direct(actor, appeal))
    reason = required_text(reason, minimum=5, message=_("Write why the appeal is reopened."))
    if appeal.executor_id is None:
        raise ValidationError(_("The appeal has no executor to return it to."))
    now = now or timezone.now()
    with transaction.atomic():
        _transition(appeal, Action.REOPEN, actor=actor, now=now, comment=reason, closed_at=None)
        wake_on_commit()
    return appeal


def close_unrated_answers(*, older_than_days: int = 14, now=None) -> int:
    """Close answered appeals the applicant did not rate within the window; returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=older_than_days)
    count = 0
    for appeal in Appeal.objects.filter(status=Status.ANSWERED, answered_at__lt=cutoff):
        close_appeal(appeal=appeal, now=now)
        count += 1
    return count
