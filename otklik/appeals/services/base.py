"""The internals every stage shares: the row lock, the transition table check, the event,
the public number, the text limits and the lazy formatted messages."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from otklik.directory.models import Region
from otklik.directory.production_calendar import work_calendar
from otklik.lib.plaintext import clean_text

from ..models import Appeal, AppealEvent, AppealNumberSequence
from ..workflow import Action, IllegalTransition, next_status

MAX_TEXT = 5000
MIN_ANSWER_TEXT = 20
MIN_POSTPONEMENT_REASON = 10
MIN_REPEATED_POSTPONEMENT_REASON = 50


# ---------------------------------------------------------------------------- internals


def _deadline_context(region: Region) -> tuple:
    return work_calendar(region), ZoneInfo(region.time_zone)


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


def _increment_number(region: Region, year: int) -> int | None:
    # UPDATE … RETURNING: one round trip instead of two while holding the row lock, which every
    # intake of the region waits on until the transaction commits (bench/intake.py).
    table = connection.ops.quote_name(AppealNumberSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_value = last_value + 1 "  # noqa: S608 (a model's table)
            "WHERE region_id = %s AND year = %s RETURNING last_value",
            [region.pk, year],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _next_number(region: Region, year: int) -> str:
    """The next public number of the region's year, e.g. 48-2026-000123 (row-locked)."""
    value = _increment_number(region, year)
    if value is None:
        try:
            with transaction.atomic():
                AppealNumberSequence.objects.create(region=region, year=year, last_value=1)
            value = 1
        except IntegrityError:
            value = _increment_number(region, year)
    return f"{region.code}-{year}-{value:06d}"


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
