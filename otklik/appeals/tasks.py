"""Thin background tasks: they take ids or nothing and call services."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from .models import AppealEvent

log = logging.getLogger(__name__)
BATCH = 200


def _notify_applicant(event: AppealEvent) -> None:
    appeal = event.appeal
    applicant = appeal.applicant
    if applicant is None or not applicant.email or applicant.anonymized_at:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Appeal %(number)s: %(what)s") % {
            "number": appeal.number,
            "what": event.get_action_display(),
        }
        body = "\n\n".join(
            part
            for part in (
                _("Status: %(status)s") % {"status": appeal.get_status_display()},
                event.comment,
                f"{settings.SITE_URL}/appeals/{appeal.number}/",
            )
            if part
        )
    send_mail(subject, body, None, [applicant.email])


def process_outbox_batch() -> int:
    """Hand over a batch of unprocessed events (e-mail to applicants on public steps)."""
    with transaction.atomic():
        events = list(
            AppealEvent.objects.unprocessed()
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("appeal__applicant")
            .order_by("created_at", "pk")[:BATCH]
        )
        now = timezone.now()
        for event in events:
            if event.is_public and event.action != "comment":
                try:
                    _notify_applicant(event)
                except OSError:
                    # A mail server that is down must not lose the event: leave it for later.
                    log.warning("notification for event %s failed; will retry", event.pk)
                    continue
            event.processed_at = now
            event.save(update_fields=["processed_at"])
    return len(events)


@task()
def process_outbox() -> int:
    total = 0
    while count := process_outbox_batch():
        total += count
        if count < BATCH:
            break
    return total
