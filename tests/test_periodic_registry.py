"""The periodic pass runs the jobs every app registered, in the agreed order and under the
result keys the operators and the tests read; adding a job is a change to this table."""

from unittest import mock

import pytest
from django.core.management import call_command

from otklik.lib import periodic
from otklik.lib.hooks import Entry

JOBS = [
    # (order, result key, the app whose AppConfig.ready() registers it)
    (0, "tasks_recovered", "ops"),
    (10, "clarifications_expired", "appeals"),
    (20, "answers_closed", "appeals"),
    (30, "draft_photos_purged", "appeals"),
    (40, "outbox_enqueued", "appeals"),
    (50, "follow_ups_sent", "control"),
    (60, "escalations_sent", "control"),
    (70, "call_lists_drawn", "control"),
    (80, "notifications_retried", "notifications"),
    (90, "webhooks_retried", "notifications"),
    (100, "public_figures_refreshed", "analytics"),
    (110, "idempotency_keys_purged", "api"),
    (115, "rate_counters_purged", "accounts"),
    (120, "incidents_closed", "incidents"),
    (130, "accounts_anonymised", "ops"),
    (140, "text_models_trained", "intelligence"),
    (150, "forecasts_made", "analytics"),
    (160, "inspection_points_proposed", "inspections"),
]


def test_the_jobs_are_the_agreed_table_in_its_order():
    assert [(e.order, e.name) for e in periodic.jobs.entries()] == [
        (order, key) for order, key, _owner in JOBS
    ]


def test_each_job_is_registered_by_its_owner_app():
    owners = {e.name: e.func.__module__ for e in periodic.jobs.entries()}
    assert owners == {key: f"otklik.{owner}.apps" for _order, key, owner in JOBS}


def test_a_pass_runs_every_job_in_order_and_returns_their_counts():
    calls = []
    # Registered out of order on purpose: `order` decides, not the order of registration.
    entries = {
        "b": Entry("b", lambda: calls.append("b") or 2, 20),
        "a": Entry("a", lambda: calls.append("a") or 1, 10),
    }
    with periodic.jobs.replaced(entries):
        assert periodic.run_once() == {"a": 1, "b": 2}
    assert calls == ["a", "b"]


def test_a_job_that_raises_aborts_the_pass_and_the_command_logs_it(caplog):
    later = mock.Mock(return_value=1)

    def broken():
        raise RuntimeError("down")

    entries = {"broken": Entry("broken", broken, 10), "later": Entry("later", later, 20)}
    with periodic.jobs.replaced(entries):
        with pytest.raises(RuntimeError):
            periodic.run_once()
        call_command("run_periodic", verbosity=0)
    later.assert_not_called()
    assert "periodic pass failed" in caplog.text
