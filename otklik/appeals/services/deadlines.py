"""Deadlines: the executor's request to move the answer deadline and the operator's decision."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import access, sla
from ..models import Appeal, Postponement
from ..outbox import wake_on_commit
from ..workflow import Action
from .base import (
    MIN_POSTPONEMENT_REASON,
    MIN_REPEATED_POSTPONEMENT_REASON,
    _check_allowed,
    _formatted,
    _lock,
    _transition,
    required_text,
)


def request_postponement(
    *, appeal: Appeal, actor, new_due_date: date, reason: str, now=None
) -> Postponement:
    """The executor asks to move the deadline; a second request needs a fuller reason and is
    flagged as a repeated postponement."""
    access.require(access.can_work(actor, appeal) or access.can_moderate(actor, appeal))
    now = now or timezone.now()
    tz = ZoneInfo(appeal.region.time_zone)
    with transaction.atomic():
        _lock(appeal)
        _check_allowed(appeal, Action.REQUEST_POSTPONEMENT)
        approved = appeal.postponements.filter(state=Postponement.State.APPROVED).count()
        repeated = approved >= sla.DEFAULT_POLICY.executor_postponements
        minimum = MIN_REPEATED_POSTPONEMENT_REASON if repeated else MIN_POSTPONEMENT_REASON
        reason = required_text(
            reason,
            minimum=minimum,
            message=_formatted(
                _("Explain the reason in at least %(count)s characters."), {"count": minimum}
            ),
        )
        if appeal.due_at is None:
            raise ValidationError(_("The appeal has no deadline to move."))
        if now > appeal.due_at:
            # 59-ФЗ extends a term before it runs out; a late request would also hide an
            # overdue appeal from the KPIs (the overdue share is taken on the current deadline).
            raise ValidationError(
                _("The deadline has already passed: a postponement must be asked before it.")
            )
        requested = sla.end_of_day(new_due_date, tz)
        latest = sla.latest_postponed_due(appeal.due_at, tz)
        if requested <= appeal.due_at:
            raise ValidationError(_("The new deadline must be later than the current one."))
        if requested > latest:
            raise ValidationError(
                _formatted(
                    _(
                        "A deadline can be moved by at most %(days)s days, "
                        "to %(date)s at the latest."
                    ),
                    {
                        "days": sla.DEFAULT_POLICY.max_postponement_days,
                        "date": latest.astimezone(tz).strftime("%d.%m.%Y"),
                    },
                )
            )
        if appeal.postponements.filter(state=Postponement.State.PENDING).exists():
            raise ValidationError(_("A postponement request is already waiting for a decision."))
        postponement = Postponement.objects.create(
            appeal=appeal,
            requested_by=actor,
            requested_at=now,
            previous_due_at=appeal.due_at,
            requested_due_at=requested,
            reason=reason,
            is_repeated=repeated,
        )
        _transition(
            appeal,
            Action.REQUEST_POSTPONEMENT,
            actor=actor,
            now=now,
            comment=reason,
            is_public=False,
            data={
                "postponement_id": postponement.pk,
                "requested_due_at": requested.isoformat(),
                "repeated": repeated,
            },
        )
    return postponement


def decide_postponement(
    *, postponement: Postponement, actor, approve: bool, comment: str = "", now=None
) -> Postponement:
    """An operator approves (the deadline moves, the applicant is told) or refuses."""
    appeal = postponement.appeal
    access.require(access.can_moderate(actor, appeal))
    now = now or timezone.now()
    with transaction.atomic():
        postponement = Postponement.objects.select_for_update().get(pk=postponement.pk)
        if postponement.state != Postponement.State.PENDING:
            raise ValidationError(_("This request has already been decided."))
        _lock(appeal)
        if approve and postponement.requested_due_at <= appeal.due_at:
            # The deadline moved on since the request (a clarification pause): approving it now
            # would move the deadline back.
            raise ValidationError(_("The new deadline must be later than the current one."))
        if approve:
            repeated = appeal.postponements.filter(state=Postponement.State.APPROVED).exists()
            _transition(
                appeal,
                Action.APPROVE_POSTPONEMENT,
                actor=actor,
                now=now,
                comment=postponement.reason,
                due_at=postponement.requested_due_at,
                data={
                    "postponement_id": postponement.pk,
                    "from": postponement.previous_due_at.isoformat(),
                    "to": postponement.requested_due_at.isoformat(),
                    "repeated": repeated,
                },
            )
            postponement.is_repeated = repeated
        else:
            _transition(
                appeal,
                Action.REFUSE_POSTPONEMENT,
                actor=actor,
                now=now,
                comment=comment,
                is_public=False,
                data={"postponement_id": postponement.pk},
            )
        postponement.state = Postponement.State.APPROVED if approve else Postponement.State.REFUSED
        postponement.decided_by = actor
        postponement.decided_at = now
        postponement.decision_comment = comment
        postponement.save(
            update_fields=["state", "decided_by", "decided_at", "decision_comment", "is_repeated"]
        )
        wake_on_commit()
    return postponement
