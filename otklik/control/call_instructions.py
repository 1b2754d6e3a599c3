"""An instruction (поручение) raised from a failed control call.

The caller who reached the applicant and heard «not solved» may raise it right from the call
card, with its own text, addressee and deadline: the appeal's executor by default, or another
active body of the call's territory (the municipality's or a regional one). Issuers (operators,
administrators, leadership, supervisors) may instruct the organizations they may instruct
anyway. One instruction per call; asking again returns the first.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from otklik.appeals import sla
from otklik.directory.models import Organization, Region
from otklik.directory.production_calendar import work_calendar

from . import calls, instructions
from .models import ControlCall, Instruction

State = ControlCall.State


def is_failed_check(call: ControlCall) -> bool:
    return call.state == State.DONE and call.is_solved is False


def addressees(user, call: ControlCall) -> QuerySet[Organization]:
    """The organizations `user` may instruct from this call."""
    allowed = instructions.instructable_organizations(user)
    if calls.can_record(user, call):
        appeal = call.appeal
        allowed = allowed | Organization.objects.filter(
            Q(municipality__isnull=True) | Q(municipality_id=appeal.municipality_id),
            region_id=appeal.region_id,
            is_active=True,
        )
    return allowed.order_by("name")


def can_instruct(user, call: ControlCall) -> bool:
    """Whether `user` may raise an instruction from the call: a failed check, and either the
    right to phone its applicant (the caller) or to instruct its executor."""
    if not is_failed_check(call):
        return False
    if calls.can_record(user, call):
        return True
    executor = call.appeal.executor
    return executor is not None and executor.is_active and instructions.can_issue(user, executor)


def default_due(region: Region, now: datetime) -> date:
    tz = ZoneInfo(region.time_zone)
    return work_calendar(region).add_working_days(
        sla.local_date(now, tz), calls.INSTRUCTION_WORKING_DAYS
    )


def default_text(call: ControlCall) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        text = _(
            "A control call found that the problem of appeal %(number)s is not solved. Solve it, "
            "answer the applicant on the merits and report with photographs."
        ) % {"number": call.appeal.number}
        if call.repeat_id:
            text += " " + _("The repeat appeal is %(number)s.") % {"number": call.repeat.number}
    return text


def instruct_from_call(
    *,
    call: ControlCall,
    actor,
    organization: Organization | None = None,
    text: str | None = None,
    due_date: date | None = None,
    now: datetime | None = None,
) -> Instruction:
    """After a failed check, instruct `organization` (the appeal's executor by default) about
    the appeal and its repeat, by default within `INSTRUCTION_WORKING_DAYS` working days."""
    now = now or timezone.now()
    with transaction.atomic():
        call.refresh_from_db(from_queryset=ControlCall.objects.select_for_update())
        if call.instruction_id is not None:
            return call.instruction
        if not is_failed_check(call):
            raise ValidationError(
                _("An instruction is raised after a check that found the problem not solved."),
                code="state",
            )
        appeal = call.appeal
        organization = organization or appeal.executor
        if organization is None or not organization.is_active:
            raise ValidationError(_("Choose the organization to instruct."), code="organization")
        if not can_instruct(actor, call):
            raise PermissionDenied
        if not addressees(actor, call).filter(pk=organization.pk).exists():
            raise PermissionDenied
        instruction = instructions.issue_instruction(
            actor=actor,
            organization=organization,
            text=text or default_text(call),
            due_date=due_date or default_due(appeal.region, now),
            appeals=[appeal] + ([call.repeat] if call.repeat_id else []),
            now=now,
            permitted=True,
        )
        call.instruction = instruction
        call.save(update_fields=["instruction"])
    return instruction
