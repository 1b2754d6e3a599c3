"""Moderation: clarification, registration, rejection, merging of duplicates, and the expiry
of clarifications nobody gave."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from otklik.directory.models import Category, Municipality, Organization, RejectionReason

from .. import access, public_copy, sla
from ..models import Appeal
from ..outbox import wake_on_commit
from ..workflow import Action, Resolution, Status
from .base import _check_allowed, _lock, _transition, required_text
from .routing import assign_appeal


def request_clarification(*, appeal: Appeal, actor, question: str, now=None) -> Appeal:
    """Ask the applicant to clarify; the registration clock stops until they answer."""
    access.require(access.can_moderate(actor, appeal))
    question = required_text(question, minimum=5, message=_("Write what must be clarified."))
    now = now or timezone.now()
    tz = ZoneInfo(appeal.region.time_zone)
    with transaction.atomic():
        _transition(
            appeal,
            Action.REQUEST_CLARIFICATION,
            actor=actor,
            now=now,
            comment=question,
            clarification_due_at=sla.clarification_due(now, tz),
        )
        wake_on_commit()
    return appeal


def provide_clarification(*, appeal: Appeal, actor, text: str, now=None) -> Appeal:
    """The applicant's clarification: back to moderation, deadlines moved by the pause."""
    access.require(access.is_applicant(actor, appeal) or access.can_moderate(actor, appeal))
    text = required_text(text, minimum=2, message=_("Write your clarification."))
    now = now or timezone.now()
    with transaction.atomic():
        _lock(appeal)
        _check_allowed(appeal, Action.PROVIDE_CLARIFICATION)
        asked = (
            appeal.events.filter(action=Action.REQUEST_CLARIFICATION)
            .order_by("-created_at", "-pk")
            .values_list("created_at", flat=True)
            .first()
        ) or now
        changes = {"clarification_due_at": None}
        if appeal.registration_due_at:
            changes["registration_due_at"] = sla.paused(appeal.registration_due_at, asked, now)
        if appeal.due_at:
            changes["due_at"] = sla.paused(appeal.due_at, asked, now)
        _transition(
            appeal, Action.PROVIDE_CLARIFICATION, actor=actor, now=now, comment=text, **changes
        )
        wake_on_commit()
    return appeal


def register_appeal(
    *,
    appeal: Appeal,
    actor,
    category: Category | None = None,
    municipality: Municipality | None = None,
    executor: Organization | None = None,
    comment: str = "",
    now=None,
) -> Appeal:
    """Accept an appeal at moderation; with `executor`, also send it there at once."""
    if actor is not None:  # None: the system (auto-routing by the text models)
        access.require(access.can_moderate(actor, appeal))
    category = category or appeal.category
    if category is None:
        raise ValidationError(_("Choose a category before registering the appeal."))
    now = now or timezone.now()
    # Accepted means public: the public copy (personal data masked) exists from now on.
    public_copy.ensure_public_copy(appeal)
    with transaction.atomic():
        _lock(appeal)
        _transition(
            appeal,
            Action.REGISTER,
            actor=actor,
            now=now,
            comment=comment,
            category=category,
            municipality=municipality or appeal.municipality,
            registered_at=appeal.registered_at or now,
            clarification_due_at=None,
            data={"category": category.name},
        )
        if executor is not None:
            assign_appeal(appeal=appeal, actor=actor, executor=executor, now=now)
        wake_on_commit()
    return appeal


def reject_appeal(
    *, appeal: Appeal, actor, reason: RejectionReason, comment: str = "", now=None
) -> Appeal:
    """Reject at moderation with a managed reason the applicant sees."""
    if actor is not None:
        access.require(access.can_moderate(actor, appeal))
    if reason is None:
        raise ValidationError(_("Choose a reason for rejection."))
    now = now or timezone.now()
    with transaction.atomic():
        _transition(
            appeal,
            Action.REJECT,
            actor=actor,
            now=now,
            comment=comment,
            rejection_reason=reason,
            resolution=Resolution.WITHOUT_CONSIDERATION,
            clarification_due_at=None,
            data={"reason": reason.code, "reason_text": reason.public_text},
        )
        wake_on_commit()
    return appeal


def merge_appeal(*, appeal: Appeal, actor, into: Appeal, now=None) -> Appeal:
    """Merge a duplicate into an existing appeal; its applicant follows the original."""
    access.require(access.can_moderate(actor, appeal))
    while into.duplicate_of_id:
        into = into.duplicate_of
    # The merge writes to `into` as well: it must be within the actor's scope too.
    access.require(access.can_moderate(actor, into))
    if into.pk == appeal.pk:
        raise ValidationError(_("An appeal cannot be merged into itself."))
    if into.status == Status.REJECTED or into.region_id != appeal.region_id:
        raise ValidationError(_("Merge only into a live appeal of the same region."))
    now = now or timezone.now()
    reason = RejectionReason.objects.filter(code="duplicate").first()
    with transaction.atomic():
        _transition(
            appeal,
            Action.MERGE,
            actor=actor,
            now=now,
            duplicate_of=into,
            rejection_reason=reason,
            resolution=Resolution.DUPLICATE,
            data={"into": into.number},
        )
        _transition(
            into,
            Action.COMMENT,
            actor=actor,
            now=now,
            is_public=False,
            comment=_("Appeal %(number)s merged into this one.") % {"number": appeal.number},
            data={"merged": appeal.number},
        )
        wake_on_commit()
    return appeal


def expire_clarifications(*, now=None) -> int:
    """Reject appeals whose applicants did not clarify in time; returns how many."""
    now = now or timezone.now()
    reason = RejectionReason.objects.get(code="no_clarification")
    expired = Appeal.objects.filter(status=Status.CLARIFICATION, clarification_due_at__lt=now)
    count = 0
    for appeal in expired.select_related("region"):
        reject_appeal(appeal=appeal, actor=None, reason=reason, now=now)
        count += 1
    return count
