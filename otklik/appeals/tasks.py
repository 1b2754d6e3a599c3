"""Thin background tasks: they take ids or nothing and call services."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from otklik.analytics import rollups
from otklik.incidents.services import on_new_appeal
from otklik.intelligence.suggestions import auto_route
from otklik.notifications import webhooks
from otklik.notifications.appeal_letters import notify_event

from .locating import locate_appeal
from .models import AppealEvent
from .public_copy import ensure_public_copy, ensure_published_answer_copy
from .workflow import Action

BATCH = 200


def process_outbox_batch() -> int:
    """Hand over a batch of unprocessed events: letters to applicants and supporters, and the
    KPI rollups of their appeals."""
    with transaction.atomic():
        events = list(
            AppealEvent.objects.unprocessed()
            .select_for_update(skip_locked=True, of=("self",))
            .select_related(
                "appeal__applicant",
                "appeal__executor",
                "appeal__category",
                "appeal__region",
                "appeal__municipality",
            )
            .prefetch_related("appeal__supports__user")
            .order_by("created_at", "pk")[:BATCH]
        )
        now = timezone.now()
        for event in events:
            # Letters are queued as rows and sent by their own tasks: a mail server that is
            # down delays them and never this batch.
            notify_event(event)
            # The public copy (personal data masked) is made here, off the filing request.
            ensure_public_copy(event.appeal)
            if event.action == Action.PUBLISH_ANSWER:
                ensure_published_answer_copy(event)
            if event.action == Action.SUBMIT:
                # An appeal without a pin gets one from the house its address or text names
                # (the address register), before routing reads its municipality.
                locate_appeal(appeal=event.appeal)
                # Registered at once when the region allows it and both text models are sure
                # (never raises; the appeal otherwise waits for an operator).
                auto_route(event.appeal)
            if event.action in (Action.SUBMIT, Action.REGISTER):
                # Mass incidents: the new appeal joins or forms one (never raises).
                on_new_appeal(event.appeal)
            event.processed_at = now
            event.save(update_fields=["processed_at"])
        # Webhooks: one delivery per subscriber that wants the event and may see the appeal,
        # sent by their own tasks after this commit.
        webhooks.enqueue_for_events(events)
        # The KPI rollups follow the same events, in the same transaction: an event is handed
        # over exactly when its appeal's figures are up to date.
        rollups.refresh_appeals({event.appeal_id for event in events})
    return len(events)


@task()
def process_outbox() -> int:
    total = 0
    while count := process_outbox_batch():
        total += count
        if count < BATCH:
            break
    return total


@task()
def run_import(batch_id: int) -> str:
    """Import a stored batch of appeals (appeals/imports.py); restartable where it stopped."""
    from .imports import run_batch

    return run_batch(batch_id)
