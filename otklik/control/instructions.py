"""Every write to an instruction (поручение): issue, report, accept, return, cancel; and who may
see and do what.

Each write runs in a transaction, locks the instruction row, checks its state and writes an
InstructionEvent in the same transaction. Bad input raises ValidationError with a message for
people, a forbidden action PermissionDenied, a step the state does not allow IllegalTransition.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from otklik.accounts.models import Role, User
from otklik.appeals import services as appeal_services
from otklik.appeals import sla
from otklik.appeals.models import TERRITORY_ROLES, Appeal, organization_and_descendants
from otklik.appeals.workflow import IllegalTransition
from otklik.directory.models import Organization
from otklik.lib.dates import short_date
from otklik.lib.hooks import Hooks
from otklik.notifications.services import greeting, notify

from .models import Instruction, InstructionAttachment, InstructionEvent

# Who issues instructions within a territory (and a supervisor within their organization).
ISSUER_ROLES = frozenset({Role.OPERATOR, Role.ADMIN, Role.LEADERSHIP, Role.SUPERVISOR})
# Who acts for the organization an instruction is addressed to.
MEMBER_ROLES = frozenset({Role.EXECUTOR, Role.SUPERVISOR})
MIN_TEXT = 10
MIN_COMMENT = 5
# A second identical instruction within this window is a double submit, not a new order.
DUPLICATE_WINDOW = timedelta(minutes=10)
NUMBER_SEPARATORS = re.compile(r"[\s,;]+")
State = Instruction.State
Event = InstructionEvent.Action

# Called with [instruction id] after each step of an instruction's life, in its transaction:
# analytics registers its KPI rollups here (analytics/listeners.py), so control imports no
# analytics. func(ids: list[int]) -> None.
instruction_listeners = Hooks("instruction event")


# ---------------------------------------------------------------------------- who may what


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def _issuer_q(user) -> Q:
    """Organizations `user` may instruct, as a filter on Organization."""
    q = Q(pk__in=[])
    if not _active(user):
        return q
    if user.is_superuser:
        return Q()
    supervised: set[int] = set()
    for m in user.memberships.all():
        if m.role not in ISSUER_ROLES:
            continue
        if m.region_id:
            q |= Q(region_id=m.region_id)
        elif m.municipality_id:
            q |= Q(municipality_id=m.municipality_id)
        elif m.organization_id and m.role == Role.SUPERVISOR:
            supervised.add(m.organization_id)
    if supervised:
        q |= Q(pk__in=organization_and_descendants(supervised))
    return q


def instructable_organizations(user) -> QuerySet[Organization]:
    """The active organizations `user` may issue an instruction to."""
    return Organization.objects.filter(_issuer_q(user), is_active=True)


def can_issue(user, organization: Organization) -> bool:
    """Whether `user` may instruct `organization` (and so accept, return or cancel its
    instructions)."""
    if not _active(user):
        return False
    return Organization.objects.filter(_issuer_q(user), pk=organization.pk).exists()


def is_member(user, organization: Organization) -> bool:
    """Whether `user` acts for `organization` (an executor or supervisor of it)."""
    if not _active(user):
        return False
    return user.memberships.filter(organization=organization, role__in=MEMBER_ROLES).exists()


def instructions_visible_to(user) -> QuerySet[Instruction]:
    """Territory roles see their territory's instructions; executors and supervisors of an
    organization those addressed to it (supervisors also to its subordinates); everyone the
    instructions they issued."""
    if not _active(user):
        return Instruction.objects.none()
    if user.is_superuser:
        return Instruction.objects.all()
    q = Q(issued_by=user)  # e.g. a caller's instruction from a failed control call
    supervised: set[int] = set()
    for m in user.memberships.all():
        if m.organization_id:
            if m.role == Role.EXECUTOR:
                q |= Q(organization_id=m.organization_id)
            elif m.role == Role.SUPERVISOR:
                supervised.add(m.organization_id)
        elif m.role in TERRITORY_ROLES:
            if m.region_id:
                q |= Q(region_id=m.region_id)
            elif m.municipality_id:
                q |= Q(organization__municipality_id=m.municipality_id)
    if supervised:
        q |= Q(organization_id__in=organization_and_descendants(supervised))
    return Instruction.objects.filter(q)


def overdue_q(now: datetime) -> Q:
    """Instructions past their deadline: open and late, or reported or done after it (the
    queryset twin of `Instruction.is_overdue`)."""
    return (
        Q(state=State.ISSUED, due_at__lt=now)
        | Q(state=State.REPORTED, reported_at__gt=F("due_at"))
        | Q(state=State.DONE, completed_at__gt=F("due_at"))
    )


def parse_numbers(value: str) -> list[str]:
    """Appeal numbers typed with spaces, commas or semicolons between them, each once."""
    return list(dict.fromkeys(n for n in NUMBER_SEPARATORS.split(value or "") if n))


# ---------------------------------------------------------------------------- internals


def _lock(instruction: Instruction) -> Instruction:
    instruction.refresh_from_db(from_queryset=Instruction.objects.select_for_update())
    return instruction


def _require_state(instruction: Instruction, action: str, *states: str) -> None:
    if instruction.state not in states:
        raise IllegalTransition(action, instruction.state)


def _event(instruction: Instruction, action: str, *, actor, now, comment: str = "", **data):
    """Write a step of the instruction's life (after its row is saved) and tell the listeners
    (the KPI rollups) in the same transaction."""
    event = InstructionEvent.objects.create(
        instruction=instruction,
        action=action,
        actor=actor,
        created_at=now,
        comment=comment,
        data=data,
    )
    for listener in instruction_listeners.entries():
        listener.func([instruction.pk])
    return event


def instruction_url(instruction: Instruction) -> str:
    return settings.SITE_URL + reverse("office:instruction", args=[instruction.pk])


def members(organization_ids: Iterable[int], roles: Iterable[str]) -> QuerySet[User]:
    """Active people holding one of `roles` in the organizations."""
    return User.objects.filter(
        is_active=True,
        memberships__organization_id__in=list(organization_ids),
        memberships__role__in=list(roles),
    ).distinct()


def _write(people: Iterable, instruction: Instruction, subject: str, lines: Sequence[str]) -> int:
    """Queue one letter to each person about `instruction`; returns how many."""
    sent = 0
    for person in people:
        body = "\n\n".join([greeting(person), *lines, instruction_url(instruction)])
        if notify(recipient=person, subject=subject, body=body):
            sent += 1
    return sent


def _subject(instruction: Instruction, what: str) -> str:
    return _("Instruction No. %(number)s: %(what)s") % {"number": instruction.pk, "what": what}


# ---------------------------------------------------------------------------- writes


def issue_instruction(
    *,
    actor,
    organization: Organization,
    text: str,
    due_date: date,
    appeals: Sequence[Appeal | str] = (),
    address: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    now: datetime | None = None,
    permitted: bool = False,
) -> Instruction:
    """Order `organization` to act by the end of `due_date` (region time), about some appeals
    (each gets an entry in its history) or a place; its executors and supervisors are told.
    `permitted`: the caller has checked the actor's right another way (a failed control call,
    call_instructions.py) and chose the appeals itself, so neither `can_issue` nor the actor's
    sight of the appeals is required."""
    if organization is None or not organization.is_active:
        raise PermissionDenied
    if not permitted and not can_issue(actor, organization):
        raise PermissionDenied
    text = appeal_services.required_text(
        text,
        minimum=MIN_TEXT,
        message=_("Write the instruction: at least %(count)s characters.") % {"count": MIN_TEXT},
    )
    now = now or timezone.now()
    tz = ZoneInfo(organization.region.time_zone)
    if not isinstance(due_date, date):
        raise ValidationError(_("Enter the deadline."), code="due_date")
    if isinstance(due_date, datetime):
        due_date = due_date.date()
    if due_date < sla.local_date(now, tz):
        raise ValidationError(_("The deadline cannot be in the past."), code="due_date")
    if (latitude is None) != (longitude is None):
        raise ValidationError(_("A point needs both latitude and longitude."), code="point")
    if latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValidationError(_("The point is outside the map."), code="point")
    numbers = list(dict.fromkeys(a.number if isinstance(a, Appeal) else str(a) for a in appeals))
    within = Appeal.objects.all() if permitted else Appeal.objects.visible_to(actor)
    found = {a.number: a for a in within.filter(number__in=numbers).order_by("pk")}
    for number in numbers:
        if number not in found:
            # The same words whether it does not exist or is out of the actor's sight.
            raise ValidationError(
                _("Appeal %(number)s is not among the appeals you can see.") % {"number": number},
                code="appeal",
            )
    due_at = sla.end_of_day(due_date, tz)
    address = (address or "").strip()[:500]
    with transaction.atomic():
        # Serialises issuers of one organization, so a double submit finds the first order.
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        existing = Instruction.objects.filter(
            issued_by=actor,
            organization=organization,
            text=text,
            due_at=due_at,
            issued_at__gte=now - DUPLICATE_WINDOW,
        ).first()
        if existing is not None:
            return existing
        instruction = Instruction.objects.create(
            region=organization.region,
            organization=organization,
            issued_by=actor,
            issued_at=now,
            text=text,
            address=address,
            latitude=latitude,
            longitude=longitude,
            due_at=due_at,
        )
        ordered = sorted(found.values(), key=lambda a: a.pk)
        instruction.appeals.set(ordered)
        _event(
            instruction,
            Event.ISSUE,
            actor=actor,
            now=now,
            comment=text,
            appeals=[a.number for a in ordered],
            due_at=due_at.isoformat(),
        )
        for appeal in ordered:
            appeal_services.record_instruction(
                appeal=appeal, actor=actor, instruction=instruction, now=now
            )
        with translation.override(settings.LANGUAGE_CODE):
            lines = [
                _("%(issuer)s has issued an instruction to %(organization)s, due by %(date)s:")
                % {
                    "issuer": actor,
                    "organization": organization,
                    "date": short_date(due_at),
                },
                text,
            ]
            if ordered:
                lines.append(
                    _("Appeals: %(numbers)s") % {"numbers": ", ".join(a.number for a in ordered)}
                )
            _write(
                members([organization.pk], MEMBER_ROLES),
                instruction,
                _subject(instruction, _("new instruction")),
                lines,
            )
    return instruction


def report_instruction(
    *, actor, instruction: Instruction, text: str, files: Sequence = (), now=None
) -> Instruction:
    """The organization reports the execution with evidence (photos, PDF documents); the
    issuer is told and checks it."""
    if not (is_member(actor, instruction.organization) or (_active(actor) and actor.is_superuser)):
        raise PermissionDenied
    text = appeal_services.required_text(
        text,
        minimum=MIN_TEXT,
        message=_("Write what was done: at least %(count)s characters.") % {"count": MIN_TEXT},
    )
    # Refuse before the files are processed; the locked check below decides.
    _require_state(instruction, Event.REPORT, State.ISSUED)
    processed = appeal_services.process_photos(list(files), documents=True)
    now = now or timezone.now()
    with transaction.atomic():
        _lock(instruction)
        _require_state(instruction, Event.REPORT, State.ISSUED)
        for photo in processed:
            document = photo.content_type == "application/pdf"
            attachment = InstructionAttachment(
                instruction=instruction,
                original_name=photo.original_name[:255],
                content_type=photo.content_type,
                size=photo.size,
                width=None if document else photo.width,
                height=None if document else photo.height,
                sha256=photo.sha256,
                uploaded_by=actor,
                created_at=now,
            )
            attachment.file.save(photo.sha256, ContentFile(photo.content), save=False)
            attachment.save()
        instruction.state = State.REPORTED
        instruction.report_text = text
        instruction.reported_by = actor
        instruction.reported_at = now
        instruction.save(update_fields=["state", "report_text", "reported_by", "reported_at"])
        _event(instruction, Event.REPORT, actor=actor, now=now, comment=text, files=len(processed))
        issuer = instruction.issued_by
        if issuer is not None and issuer.is_active:
            with translation.override(settings.LANGUAGE_CODE):
                _write(
                    [issuer],
                    instruction,
                    _subject(instruction, _("execution reported")),
                    [
                        _("%(organization)s has reported the execution of the instruction:")
                        % {"organization": instruction.organization},
                        text,
                        _("Accept the report or return it."),
                    ],
                )
    return instruction


def accept_instruction(*, actor, instruction: Instruction, comment: str = "", now=None):
    """The issuing side accepts the report: the instruction is done as of the report."""
    if not can_issue(actor, instruction.organization):
        raise PermissionDenied
    now = now or timezone.now()
    comment = (comment or "").strip()[: appeal_services.MAX_TEXT]
    with transaction.atomic():
        _lock(instruction)
        _require_state(instruction, Event.ACCEPT, State.REPORTED)
        instruction.state = State.DONE
        instruction.completed_at = instruction.reported_at
        instruction.accepted_by = actor
        instruction.save(update_fields=["state", "completed_at", "accepted_by"])
        _event(instruction, Event.ACCEPT, actor=actor, now=now, comment=comment)
    return instruction


def return_instruction(*, actor, instruction: Instruction, comment: str, now=None):
    """The issuing side returns the report: the organization must act and report again."""
    if not can_issue(actor, instruction.organization):
        raise PermissionDenied
    comment = appeal_services.required_text(
        comment, minimum=MIN_COMMENT, message=_("Write why the report is returned.")
    )
    now = now or timezone.now()
    with transaction.atomic():
        _lock(instruction)
        _require_state(instruction, Event.RETURN, State.REPORTED)
        instruction.state = State.ISSUED
        instruction.returns = F("returns") + 1
        instruction.reported_at = None
        instruction.reported_by = None
        instruction.save(update_fields=["state", "returns", "reported_at", "reported_by"])
        instruction.refresh_from_db(fields=["returns"])
        _event(instruction, Event.RETURN, actor=actor, now=now, comment=comment)
        with translation.override(settings.LANGUAGE_CODE):
            _write(
                members([instruction.organization_id], MEMBER_ROLES),
                instruction,
                _subject(instruction, _("report returned")),
                [
                    _("The report on the instruction has been returned:"),
                    comment,
                    _("The deadline is %(date)s.") % {"date": short_date(instruction.due_at)},
                ],
            )
    return instruction


def cancel_instruction(*, actor, instruction: Instruction, comment: str, now=None):
    """The issuing side withdraws an open instruction."""
    if not can_issue(actor, instruction.organization):
        raise PermissionDenied
    comment = appeal_services.required_text(
        comment, minimum=MIN_COMMENT, message=_("Write why the instruction is cancelled.")
    )
    now = now or timezone.now()
    with transaction.atomic():
        _lock(instruction)
        _require_state(instruction, Event.CANCEL, State.ISSUED, State.REPORTED)
        instruction.state = State.CANCELLED
        instruction.save(update_fields=["state"])
        _event(instruction, Event.CANCEL, actor=actor, now=now, comment=comment)
        with translation.override(settings.LANGUAGE_CODE):
            _write(
                members([instruction.organization_id], MEMBER_ROLES),
                instruction,
                _subject(instruction, _("cancelled")),
                [_("The instruction has been cancelled:"), comment],
            )
    return instruction
