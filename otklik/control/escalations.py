"""Deadline reminders and overdue notices for appeals and instructions (the periodic job).

Each notice is sent once per deadline: the Escalation row is created in a savepoint first, and
its unique constraint turns a second pass (or a second worker) into a no-op. A postponement
gives a new `due_at`, so a new reminder. A pass handles at most BATCH notices of each kind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from otklik.accounts.models import Membership, Role
from otklik.appeals import services as appeal_services
from otklik.appeals.models import Appeal
from otklik.appeals.workflow import IllegalTransition, Status
from otklik.lib.dates import short_date
from otklik.notifications.services import greeting, notify

from .instructions import MEMBER_ROLES, instruction_url
from .models import Escalation, Instruction, InstructionEvent

BATCH = 500
REMIND_BEFORE = timedelta(hours=24)
Kind = Escalation.Kind


def _not_escalated(kind: str, subject: str):
    """No escalation of `kind` yet for the row's current deadline."""
    return ~Exists(
        Escalation.objects.filter(**{subject: OuterRef("pk")}, kind=kind, due_at=OuterRef("due_at"))
    )


def _people_by(field: str, ids: Iterable[int], roles: Iterable[str]) -> dict[int, list]:
    """Active people with one of `roles` per organization or municipality, in one query."""
    found: dict[int, list] = defaultdict(list)
    memberships = Membership.objects.filter(
        **{f"{field}_id__in": set(ids)}, role__in=list(roles), user__is_active=True
    ).select_related("user")
    for m in memberships:
        if m.user not in found[getattr(m, f"{field}_id")]:
            found[getattr(m, f"{field}_id")].append(m.user)
    return found


def _claim(**fields) -> bool:
    """Create the escalation row; False if it exists already (sent by an earlier pass)."""
    try:
        with transaction.atomic():
            Escalation.objects.create(**fields)
    except IntegrityError:
        return False
    return True


def _send(people: Iterable, subject: str, lines: list[str], link: str) -> list[str]:
    addresses = []
    for person in people:
        body = "\n\n".join([greeting(person), *lines, link])
        if notify(recipient=person, subject=subject, body=body):
            addresses.append(person.email)
    return addresses


def _appeal_link(appeal: Appeal) -> str:
    return settings.SITE_URL + reverse("office:appeal", args=[appeal.number])


# ---------------------------------------------------------------------------- appeals


def _escalate_appeal(appeal: Appeal, kind: str, people: list, now: datetime) -> bool:
    with transaction.atomic():
        if not _claim(appeal=appeal, kind=kind, due_at=appeal.due_at, recipients=len(people)):
            return False
        if kind == Kind.REMINDER:
            subject = _("Appeal %(number)s: the answer is due by %(date)s") % {
                "number": appeal.number,
                "date": short_date(appeal.due_at),
            }
            lines = [
                _(
                    "The answer to appeal %(number)s (%(category)s) is due by %(date)s, "
                    "less than a day from now. Please send it for review in time."
                )
                % {
                    "number": appeal.number,
                    "category": appeal.category or "—",
                    "date": short_date(appeal.due_at),
                }
            ]
        else:
            subject = _("Appeal %(number)s is overdue") % {"number": appeal.number}
            lines = [
                _(
                    "The answer to appeal %(number)s (%(category)s) was due by %(date)s and "
                    "%(executor)s has not sent it. Please take control of it."
                )
                % {
                    "number": appeal.number,
                    "category": appeal.category or "—",
                    "date": short_date(appeal.due_at),
                    "executor": appeal.executor or "—",
                }
            ]
        addresses = _send(people, subject, lines, _appeal_link(appeal))
        # Raises IllegalTransition if the appeal has moved on meanwhile: all of it rolls back.
        appeal_services.record_escalation(appeal=appeal, kind=kind, recipients=addresses, now=now)
    return True


def remind_appeals(now: datetime, limit: int = BATCH) -> int:
    """A letter to the assignee (or the executor's employees) a day before the deadline."""
    due = list(
        Appeal.objects.filter(
            status=Status.IN_PROGRESS, due_at__gt=now, due_at__lte=now + REMIND_BEFORE
        )
        .filter(_not_escalated(Kind.REMINDER, "appeal"))
        .select_related("assignee", "executor", "category")
        .order_by("due_at", "pk")[:limit]
    )
    employees = _people_by("organization", {a.executor_id for a in due}, [Role.EXECUTOR])
    sent = 0
    for appeal in due:
        assignee = appeal.assignee
        if assignee is not None and assignee.is_active:
            people = [assignee]
        else:
            people = employees.get(appeal.executor_id, [])
        try:
            sent += _escalate_appeal(appeal, Kind.REMINDER, people, now)
        except IllegalTransition:
            continue
    return sent


def escalate_overdue_appeals(now: datetime, limit: int = BATCH) -> int:
    """A notice to the supervisors of the executor (or of its parent body, or else of the
    appeal's municipality) once an answer is overdue."""
    late = list(
        Appeal.objects.filter(status=Status.IN_PROGRESS, due_at__lt=now)
        .filter(_not_escalated(Kind.OVERDUE, "appeal"))
        .select_related("executor", "category")
        .order_by("due_at", "pk")[:limit]
    )
    organizations = {a.executor_id for a in late} | {
        a.executor.parent_id for a in late if a.executor and a.executor.parent_id
    }
    by_organization = _people_by("organization", organizations, [Role.SUPERVISOR])
    by_municipality = _people_by(
        "municipality", {a.municipality_id for a in late if a.municipality_id}, [Role.SUPERVISOR]
    )
    sent = 0
    for appeal in late:
        executor = appeal.executor
        people = by_organization.get(appeal.executor_id, [])
        if not people and executor is not None and executor.parent_id:
            people = by_organization.get(executor.parent_id, [])
        if not people:
            people = by_municipality.get(appeal.municipality_id, [])
        try:
            sent += _escalate_appeal(appeal, Kind.OVERDUE, people, now)
        except IllegalTransition:
            continue
    return sent


# ---------------------------------------------------------------------------- instructions


def _escalate_instruction(instruction: Instruction, kind: str, people: list, now) -> bool:
    with transaction.atomic():
        locked = Instruction.objects.select_for_update().filter(pk=instruction.pk).first()
        if locked is None or locked.state != Instruction.State.ISSUED:
            return False
        if not _claim(
            instruction=instruction, kind=kind, due_at=instruction.due_at, recipients=len(people)
        ):
            return False
        values = {
            "number": instruction.pk,
            "organization": instruction.organization,
            "date": short_date(instruction.due_at),
        }
        if kind == Kind.REMINDER:
            subject = _("Instruction No. %(number)s is due by %(date)s") % values
            lines = [
                _(
                    "The instruction No. %(number)s to %(organization)s is due by %(date)s, less "
                    "than a day from now. Please report its execution in time."
                )
                % values,
                instruction.text,
            ]
            action = InstructionEvent.Action.REMIND
        else:
            subject = _("Instruction No. %(number)s is overdue") % values
            lines = [
                _(
                    "The instruction No. %(number)s to %(organization)s was due by %(date)s and "
                    "its execution has not been reported."
                )
                % values,
                instruction.text,
            ]
            action = InstructionEvent.Action.ESCALATE
        addresses = _send(people, subject, lines, instruction_url(instruction))
        InstructionEvent.objects.create(
            instruction=instruction,
            action=action,
            actor=None,
            created_at=now,
            data={"recipients": addresses, "due_at": instruction.due_at.isoformat()},
        )
    return True


def remind_instructions(now: datetime, limit: int = BATCH) -> int:
    """A letter to the organization's people a day before an instruction is due."""
    due = list(
        Instruction.objects.filter(
            state=Instruction.State.ISSUED, due_at__gt=now, due_at__lte=now + REMIND_BEFORE
        )
        .filter(_not_escalated(Kind.REMINDER, "instruction"))
        .select_related("organization")
        .order_by("due_at", "pk")[:limit]
    )
    people = _people_by("organization", {i.organization_id for i in due}, MEMBER_ROLES)
    return sum(
        _escalate_instruction(i, Kind.REMINDER, people.get(i.organization_id, []), now) for i in due
    )


def escalate_overdue_instructions(now: datetime, limit: int = BATCH) -> int:
    """A notice to the organization's supervisors and to the issuer once an instruction is
    overdue."""
    late = list(
        Instruction.objects.filter(state=Instruction.State.ISSUED, due_at__lt=now)
        .filter(_not_escalated(Kind.OVERDUE, "instruction"))
        .select_related("organization", "issued_by")
        .order_by("due_at", "pk")[:limit]
    )
    supervisors = _people_by("organization", {i.organization_id for i in late}, [Role.SUPERVISOR])
    sent = 0
    for instruction in late:
        people = list(supervisors.get(instruction.organization_id, []))
        issuer = instruction.issued_by
        if issuer is not None and issuer.is_active and issuer not in people:
            people.append(issuer)
        sent += _escalate_instruction(instruction, Kind.OVERDUE, people, now)
    return sent


def run(now: datetime | None = None) -> int:
    """One pass of every kind of notice; returns how many were sent."""
    now = now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        return (
            remind_appeals(now)
            + escalate_overdue_appeals(now)
            + remind_instructions(now)
            + escalate_overdue_instructions(now)
        )
