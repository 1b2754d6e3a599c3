"""Routing: the executor of an appeal (assignment, redirection) and its employee (delegation)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Role
from otklik.directory.models import Organization
from otklik.directory.services import route_executor

from .. import access, sla
from ..models import Appeal
from ..outbox import wake_on_commit
from ..workflow import Action
from .base import (
    _check_allowed,
    _deadline_context,
    _lock,
    _transition,
    required_text,
)


def assign_appeal(
    *, appeal: Appeal, actor, executor: Organization | None = None, now=None
) -> Appeal:
    """Send a registered appeal to its executor (the routing rule's choice by default).

    The first assignment fixes the answer deadline from the registration date on the
    production calendar; a later one (after a redirect) keeps it.
    """
    if actor is not None:  # None: the system (auto-routing by the text models)
        access.require(access.can_moderate(actor, appeal))
    now = now or timezone.now()
    with transaction.atomic():
        _lock(appeal)
        _check_allowed(appeal, Action.ASSIGN)
        category = appeal.category
        executor = executor or route_executor(category=category, municipality=appeal.municipality)
        if executor is None:
            raise ValidationError(_("No routing rule matches: choose the executor."))
        if not executor.is_active:
            raise ValidationError(_("This organization no longer works appeals."))
        changes: dict = {"executor": executor, "redirection_due_at": None, "assignee": None}
        if appeal.original_due_at is None:
            calendar, tz = _deadline_context(appeal.region)
            due = sla.answer_due(
                appeal.registered_at, category.answer_days, category.answer_days_unit, calendar, tz
            )
            changes.update(due_at=due, original_due_at=due)
        _transition(
            appeal,
            Action.ASSIGN,
            actor=actor,
            now=now,
            data={
                "executor_id": executor.pk,
                "executor": str(executor),
                "due_at": (changes.get("due_at") or appeal.due_at).isoformat(),
            },
            **changes,
        )
        wake_on_commit()
    return appeal


def redirect_appeal(
    *,
    appeal: Appeal,
    actor,
    reason: str,
    to_executor: Organization | None = None,
    now=None,
) -> Appeal:
    """Take the appeal back from its executor (not their competence) and, if the operator names
    one, hand it to another body; otherwise it waits for routing within the redirect term."""
    access.require(access.can_work(actor, appeal) or access.can_moderate(actor, appeal))
    reason = required_text(reason, minimum=5, message=_("Write why the appeal is redirected."))
    now = now or timezone.now()
    calendar, tz = _deadline_context(appeal.region)
    with transaction.atomic():
        previous = appeal.executor
        _transition(
            appeal,
            Action.REDIRECT,
            actor=actor,
            now=now,
            comment=reason,
            executor=None,
            assignee=None,
            redirection_due_at=sla.redirection_due(now, calendar, tz),
            data={"from_executor": str(previous) if previous else ""},
        )
        if to_executor is not None:
            assign_appeal(appeal=appeal, actor=actor, executor=to_executor, now=now)
        wake_on_commit()
    return appeal


def delegate_appeal(*, appeal: Appeal, actor, assignee, now=None) -> Appeal:
    """Give the appeal to an employee of its executor (or take it back: `assignee=None`)."""
    access.require(access.can_work(actor, appeal) or access.can_direct(actor, appeal))
    if (
        assignee is not None
        and not assignee.memberships.filter(
            role=Role.EXECUTOR, organization_id=appeal.executor_id
        ).exists()
    ):
        raise ValidationError(_("Choose an employee of the executor."))
    if assignee is not None and not assignee.is_active:
        raise ValidationError(_("This employee's account is blocked."))
    now = now or timezone.now()
    with transaction.atomic():
        _transition(
            appeal,
            Action.DELEGATE,
            actor=actor,
            now=now,
            is_public=False,
            assignee=assignee,
            data={
                "assignee_id": assignee.pk if assignee else None,
                "assignee": str(assignee) if assignee else "",
            },
        )
    return appeal
