"""What appeals forgets about a person whose account is anonymised (accounts/forgetting.py):
their draft photos always; on retention of an unused account also the caller's contacts kept
on each of their appeals. (The log of who saw personal data is personal_data.py.)"""

from __future__ import annotations

from django.db import transaction

from otklik.accounts import forgetting

from . import services
from .models import Appeal, DraftPhoto


def forget_draft_photos(*, user, now, reason) -> int:
    """Delete the person's draft photos now and their files once the transaction commits."""
    drafts = list(DraftPhoto.objects.filter(owner=user))
    if drafts:
        DraftPhoto.objects.filter(pk__in=[d.pk for d in drafts]).delete()
        transaction.on_commit(lambda: [d.file.delete(save=False) for d in drafts])
    return len(drafts)


def forget_contacts(*, user, now, reason) -> int:
    """Blank the caller's contacts on each of the person's appeals, with an event in each
    appeal's history; returns how many appeals were touched."""
    touched = 0
    for appeal in Appeal.objects.filter(applicant=user).order_by("pk"):
        services.forget_applicant_contacts(appeal=appeal, now=now)
        touched += 1
    return touched


def register_forgetters() -> None:
    """Called from AppealsConfig.ready(). On deletion the contacts stay on the appeals (the
    retention pass blanks them later: ops/retention.py, `contacts_left`)."""
    forgetting.register("draft_photos", forget_draft_photos, order=20)
    forgetting.register("appeals", forget_contacts, order=30, reasons=["inactive"])
