"""Records written into an appeal's history by other apps (instructions, escalations, control
calls), comments, and the removal of the applicant's contacts at the end of retention."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .. import access
from ..models import Appeal, AppealEvent
from ..workflow import Action
from .base import _transition, required_text


def record_instruction(*, appeal: Appeal, actor, instruction, now=None) -> AppealEvent:
    """Write into the appeal's history that an instruction about it was issued (the control
    app's services call this inside their own transaction)."""
    now = now or timezone.now()
    return _transition(
        appeal,
        Action.INSTRUCT,
        actor=actor,
        now=now,
        is_public=False,
        comment=instruction.text[:500],
        data={
            "instruction_id": instruction.pk,
            "organization": str(instruction.organization),
            "due_at": instruction.due_at.isoformat(),
        },
    )


def record_escalation(*, appeal: Appeal, kind: str, recipients: Sequence[str], now=None):
    """Write a deadline reminder or an overdue notice into the appeal's history."""
    now = now or timezone.now()
    with transaction.atomic():
        return _transition(
            appeal,
            Action.ESCALATE,
            actor=None,
            now=now,
            is_public=False,
            data={"kind": kind, "recipients": list(recipients)},
        )


def record_control_call(*, appeal: Appeal, actor, data: dict, comment: str = "", now=None):
    """Write one attempt of a control call (reached or not) into the appeal's history; the
    control app's services call this inside their own transaction."""
    now = now or timezone.now()
    return _transition(
        appeal,
        Action.CONTROL_CALL,
        actor=actor,
        now=now,
        comment=comment,
        is_public=False,
        data=data,
    )


def add_comment(*, appeal: Appeal, actor, text: str, is_public: bool = False, now=None):
    """An internal note on the appeal (or a public one, from staff)."""
    staff = access.can_direct(actor, appeal) or access.can_work(actor, appeal)
    access.require(staff)
    text = required_text(text, minimum=1, message=_("Write the comment."))
    now = now or timezone.now()
    with transaction.atomic():
        return _transition(
            appeal, Action.COMMENT, actor=actor, now=now, comment=text, is_public=is_public
        )


def forget_applicant_contacts(*, appeal: Appeal, now=None) -> AppealEvent:
    """152-ФЗ retention: blank the caller's name, phone and e-mail kept on the appeal, and say
    so in its history (by the system, without the data). The text, the place and the history
    stay: the appeal goes on counting in the figures."""
    now = now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        comment = str(_("The applicant's personal data was removed: the retention period ended."))
    with transaction.atomic():
        return _transition(
            appeal,
            Action.COMMENT,
            actor=None,
            now=now,
            comment=comment,
            is_public=False,
            data={"kind": "personal_data_removed"},
            contact_name="",
            contact_phone="",
            contact_email="",
        )
