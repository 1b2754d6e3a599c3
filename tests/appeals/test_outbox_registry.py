"""The outbox calls what the apps registered, in the agreed order: adding a consumer of the
appeal events is a change to this table, never an edit of appeals."""

import pytest

from otklik.appeals import outbox, tasks
from otklik.appeals.models import AppealEvent
from otklik.appeals.workflow import Action, Status
from otklik.lib.hooks import Entry

EVENT_HANDLERS = [
    # (order, name, actions or None for every event)
    (10, "notifications.letters", None),
    (20, "appeals.public_copy", None),
    (30, "appeals.published_answer_copy", {Action.PUBLISH_ANSWER}),
    (40, "appeals.locate", {Action.SUBMIT}),
    (50, "intelligence.auto_route", {Action.SUBMIT}),
    (60, "incidents.join", {Action.SUBMIT, Action.REGISTER}),
]
BATCH_HANDLERS = [(10, "notifications.webhooks"), (20, "analytics.rollups")]


def test_the_event_handlers_are_the_agreed_table_in_its_order():
    registered = [(e.order, e.name, e.when) for e in outbox.event_handlers.entries()]
    assert registered == [
        (order, name, frozenset(actions) if actions else None)
        for order, name, actions in EVENT_HANDLERS
    ]


def test_the_batch_handlers_are_the_agreed_table_in_its_order():
    registered = [(e.order, e.name) for e in outbox.batch_handlers.entries()]
    assert registered == BATCH_HANDLERS


def test_the_pin_is_set_before_routing_reads_the_municipality():
    orders = {e.name: e.order for e in outbox.event_handlers.entries()}
    assert orders["appeals.locate"] < orders["intelligence.auto_route"]


def test_queued_rows_naming_the_old_task_path_still_resolve():
    assert tasks.process_outbox is outbox.process_outbox
    assert tasks.process_outbox_batch is outbox.process_outbox_batch


def test_a_registered_handler_is_called_for_its_actions_and_batch_handlers_after(appeal_in):
    appeal_in(Status.REGISTERED)  # submit, register
    calls = []

    def record(event):
        calls.append(("event", event.action))

    def record_batch(events):
        calls.append(("batch", len(events)))

    only_register = Entry("test.register", record, 10, frozenset({Action.REGISTER}))
    with (
        outbox.event_handlers.replaced({"test.register": only_register}),
        outbox.batch_handlers.replaced({"test.batch": Entry("test.batch", record_batch, 10)}),
    ):
        assert outbox.process_outbox_batch() == 2
    assert calls == [("event", Action.REGISTER), ("batch", 2)]
    assert not AppealEvent.objects.unprocessed().exists()


def test_a_handler_that_raises_leaves_the_whole_batch_unprocessed(appeal_in):
    appeal_in(Status.NEW)

    def broken(event):
        raise RuntimeError("down")

    with (
        outbox.event_handlers.replaced({"test.broken": Entry("test.broken", broken, 10)}),
        pytest.raises(RuntimeError),
    ):
        outbox.process_outbox_batch()
    assert AppealEvent.objects.unprocessed().count() == 1
