"""The outbox: every AppealEvent is handed once to the handlers the apps registered.

appeals writes the events; its consumers (letters, webhooks, routing, incidents, the KPI rollups)
register here from their AppConfig.ready(), so appeals imports none of them. Two slots:
- `event_handlers`: func(event) once per event, in `order`, only for the actions it names;
- `batch_handlers`: func(events) once per batch, after every event of it was handed over.

The order is part of the contract (tests/appeals/test_outbox_registry.py holds the table):
letters 10, public copy 20, published answer copy 30, locating 40, auto-routing 50, incidents 60;
then the batch: webhooks 10, rollups 20. The pin is set before routing reads the municipality
(40 < 50), and the rollups follow every per-event handler, in the same transaction: an event is
marked processed exactly when its appeal's figures are up to date.

Every handler runs inside the batch's transaction while its events are locked (skip_locked). A
handler that raises rolls the whole batch back: no event is marked, the task fails and the next
`process_outbox` (a wake-up after a commit, or the periodic pass) retries. So a handler that must
never block the outbox catches its own errors; handlers send nothing over the network (they
queue rows or tasks after the commit) and are idempotent, since an event can be seen again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from otklik.lib.hooks import Hooks
from otklik.lib.wakeups import enqueue_unless_waiting

from .models import AppealEvent

BATCH = 200

event_handlers = Hooks("appeal event")  # func(event: AppealEvent) -> None
batch_handlers = Hooks("appeal event batch")  # func(events: list[AppealEvent]) -> None


def on_event(
    name: str, func: Callable, *, order: int, actions: Iterable[str] | None = None
) -> None:
    """Register `func(event)` for every event, or only for those whose action is in `actions`."""
    event_handlers.register(name, func, order=order, when=actions)


def on_batch(name: str, func: Callable, *, order: int) -> None:
    """Register `func(events)`, called once per batch after its events were handed over."""
    batch_handlers.register(name, func, order=order)


def process_outbox_batch() -> int:
    """Hand over a batch of unprocessed events to the registered handlers; returns its size."""
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
        handlers = event_handlers.entries()
        for event in events:
            for handler in handlers:
                if handler.applies_to(event.action):
                    handler.func(event)
            event.processed_at = now
            event.save(update_fields=["processed_at"])
        for handler in batch_handlers.entries():
            handler.func(events)
    return len(events)


@task()
def process_outbox() -> int:
    total = 0
    while count := process_outbox_batch():
        total += count
        if count < BATCH:
            break
    return total


def wake_on_commit() -> None:
    """Queue `process_outbox` once the current transaction commits (after a write's event),
    unless a run is already waiting in the queue: that run starts after this commit and hands
    over this event too (lib/wakeups.py). One waiting run per storm, not one per appeal."""
    transaction.on_commit(lambda: enqueue_unless_waiting(process_outbox))
