"""The internals every stage shares: the row lock, the transition table check, the event,
the public number, the text limits and the lazy formatted messages."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from otklik.directory import reference
from otklik.directory.models import Region
from otklik.lib.plaintext import clean_text

from ..models import Appeal, AppealEvent
from ..numbers import next_number
from ..workflow import Action, IllegalTransition, next_status

MAX_TEXT = 5000
MIN_ANSWER_TEXT = 20
MIN_POSTPONEMENT_REASON = 10
MIN_REPEATED_POSTPONEMENT_REASON = 50


# ---------------------------------------------------------------------------- internals


def _deadline_context(region: Region) -> tuple:
    # The calendar of the per-process reference snapshot (directory/reference.py).
    return reference.snapshot().calendar(region.pk), ZoneInfo(region.time_zone)


def _lock(appeal: Appeal) -> Appeal:
    """Lock the appeal's row and bring the caller's object up to date with it, so that changes
    are computed from the row as it is now, not from a copy read earlier."""
    appeal.refresh_from_db(from_queryset=Appeal.objects.select_for_update())
    return appeal


# Moderation steps that make no sense once an answer has reached the applicant: a rejected
# appeal is never answered (a constraint), and a reopened one is not moderated again.
_BEFORE_ANSWER_ONLY = frozenset({Action.REQUEST_CLARIFICATION, Action.REJECT, Action.MERGE})


def _check_allowed(appeal: Appeal, action: Action) -> None:
    """Raise IllegalTransition if the workflow does not allow `action` on the appeal now."""
    next_status(appeal.status, action)
    if action in _BEFORE_ANSWER_ONLY and appeal.answered_at is not None:
        raise IllegalTransition(action, appeal.status)


def _transition(
    appeal: Appeal,
    action: Action,
    *,
    actor,
    now: datetime,
    comment: str = "",
    data: dict | None = None,
    is_public: bool = True,
    **changes,
) -> AppealEvent:
    """Apply `action` to the locked appeal row, save `changes` and write the event."""
    _lock(appeal)
    _check_allowed(appeal, action)
    from_status = appeal.status
    changes["status"] = next_status(from_status, action)
    for field, value in changes.items():
        setattr(appeal, field, value)
    appeal.save(update_fields=[*changes, "updated_at"])
    return AppealEvent.objects.create(
        appeal=appeal,
        action=action,
        actor=actor,
        created_at=now,
        from_status=from_status,
        to_status=changes["status"],
        comment=comment,
        data=data or {},
        is_public=is_public,
    )


def _next_number(region: Region, year: int) -> str:
    """The next public number of the region's year, e.g. 48-2026-000123 (appeals/numbers.py:
    a sequence on PostgreSQL, the counter row on SQLite)."""
    return next_number(region, year)


def _format(message, params: dict) -> str:
    return str(message) % params


# A formatted message that stays lazy: translated when shown, so an API error can carry it in
# Russian and in English (messages are gettext_lazy throughout this module).
_formatted = lazy(_format, str)


def required_text(value: str, *, minimum: int, message: str) -> str:
    # NFC, no bidi overrides or zero-width characters (otklik/lib/plaintext.py): every text
    # from outside (appeals, answers, clarifications, comments) passes here.
    value = clean_text(value).strip()
    if len(value) < minimum:
        raise ValidationError(message, code="required")
    if len(value) > MAX_TEXT:
        raise ValidationError(
            _formatted(
                _("The text is too long: at most %(limit)s characters."), {"limit": MAX_TEXT}
            ),
            code="too_long",
        )
    return value
