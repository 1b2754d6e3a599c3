"""Retention (152-ФЗ): inactive citizens' accounts anonymised, contacts on their appeals blanked
with an event, old technical records purged; idempotent, and --dry-run changes nothing."""

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult, get_date_max

from otklik.accounts import services as accounts
from otklik.accounts.models import User
from otklik.appeals.models import Appeal, AppealEvent, Channel
from otklik.appeals.workflow import Action, Status
from otklik.control.models import CallList, ControlCall
from otklik.ops import retention
from otklik.ops.retention import apply_retention

FILED = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
NOW = datetime(2029, 6, 1, 9, 0, tzinfo=UTC)  # more than three years later

PERSONAL = ("Иван Петров", "ivan.petrov@example.ru", "+7 900 123-45-67", "Анна Звонарёва")


@pytest.fixture
def old_history(appeal_in, citizen, other_citizen, operator, region):
    """In 2025: Иван files a pothole appeal by phone (closed since) and gets a control call;
    Мария files one that is still open. Both last logged in then."""
    with time_machine.travel(FILED, tick=False):
        closed = appeal_in(
            Status.CLOSED,
            channel=Channel.PHONE,
            created_by=operator,
            contact_name="Анна Звонарёва",
            contact_phone="+7 900 555-66-77",
            contact_email="anna@example.ru",
        )
        still_open = appeal_in(Status.IN_PROGRESS, applicant=other_citizen)
        call_list = CallList.objects.create(
            region=region, title="Обзвон", size=1, closed_from=FILED, closed_to=FILED
        )
        ControlCall.objects.create(
            call_list=call_list, appeal=closed, applicant=citizen, phone=citizen.phone
        )
    User.objects.filter(pk__in=[citizen.pk, other_citizen.pk, operator.pk]).update(
        last_login=FILED, date_joined=FILED - timedelta(days=30)
    )
    return closed, still_open


def test_an_inactive_citizen_is_anonymised_and_the_appeal_keeps_text_but_not_contacts(
    old_history, citizen
):
    closed, _ = old_history
    text, address, events_before = closed.text, closed.address, closed.events.count()

    with time_machine.travel(NOW, tick=False):
        counts = apply_retention()

    assert counts.accounts_anonymised == 1
    assert counts.appeals_cleared == 1
    user = User.objects.get(pk=citizen.pk)
    assert user.email == f"deleted-{citizen.pk}@deleted.invalid"
    assert (user.full_name, user.phone, user.is_active) == ("", "", False)
    assert not user.has_usable_password()
    assert user.anonymized_at == NOW
    closed.refresh_from_db()
    assert (closed.contact_name, closed.contact_phone, closed.contact_email) == ("", "", "")
    assert (closed.text, closed.address, closed.status) == (text, address, Status.CLOSED)
    assert closed.applicant_id == citizen.pk
    assert closed.events.count() == events_before + 1
    event = closed.events.order_by("pk").last()
    assert (event.action, event.actor_id, event.is_public) == (Action.COMMENT, None, False)
    assert event.data == {"kind": "personal_data_removed"}
    assert event.created_at == NOW
    written = event.comment + json.dumps(event.data, ensure_ascii=False)
    assert not any(value in written for value in PERSONAL)
    assert ControlCall.objects.get(appeal=closed).phone == ""


def test_a_citizen_with_an_open_appeal_or_recent_activity_and_staff_are_left_alone(
    old_history, other_citizen, operator
):
    _, still_open = old_history
    active = User.objects.create_user(
        email="recent@example.ru", full_name="Недавний", date_joined=FILED
    )
    User.objects.filter(pk=active.pk).update(last_login=NOW - timedelta(days=3))

    with time_machine.travel(NOW, tick=False):
        apply_retention()

    for person in (other_citizen, operator, active):
        person.refresh_from_db()
        assert person.anonymized_at is None
        assert person.is_active
    assert User.objects.get(pk=other_citizen.pk).email == "maria.sidorova@example.ru"
    assert not still_open.events.filter(data__kind="personal_data_removed").exists()


def test_a_citizen_inactive_for_less_than_the_period_is_kept(old_history, citizen, settings):
    settings.RETENTION_INACTIVE_DAYS = 5 * 365
    with time_machine.travel(NOW, tick=False):
        assert apply_retention().accounts_anonymised == 0
    citizen.refresh_from_db()
    assert citizen.anonymized_at is None


def test_a_second_run_changes_nothing(old_history):
    with time_machine.travel(NOW, tick=False):
        apply_retention()
    events = AppealEvent.objects.count()
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        again = apply_retention()
    assert (again.accounts_anonymised, again.appeals_cleared) == (0, 0)
    assert AppealEvent.objects.count() == events


def test_dry_run_counts_and_writes_nothing(old_history, citizen):
    closed, _ = old_history
    events = AppealEvent.objects.count()
    out = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("apply_retention", "--dry-run", stdout=out)
    assert "would be accounts_anonymised=1" in out.getvalue()
    assert "would be appeals_cleared=1" in out.getvalue()
    citizen.refresh_from_db()
    assert citizen.anonymized_at is None
    closed.refresh_from_db()
    assert closed.contact_name == "Анна Звонарёва"
    assert AppealEvent.objects.count() == events


def test_contacts_left_on_appeals_of_a_deleted_account_are_blanked_once(old_history, citizen):
    closed, _ = old_history
    accounts.delete_account(user=citizen)  # deletion anonymises the account, not the appeals
    closed.refresh_from_db()
    assert closed.contact_phone == "+7 900 555-66-77"

    counts = apply_retention()

    assert (counts.accounts_anonymised, counts.appeals_cleared) == (0, 1)
    closed.refresh_from_db()
    assert (closed.contact_name, closed.contact_phone, closed.contact_email) == ("", "", "")
    assert closed.events.filter(data__kind="personal_data_removed").count() == 1
    assert apply_retention().appeals_cleared == 0


def test_old_task_results_and_expired_sessions_are_purged(db, settings):
    settings.TASK_RESULTS_KEEP_DAYS = 14

    def task(status, finished_at=None):
        return DBTaskResult.objects.create(
            status=status,
            args_kwargs={"args": [], "kwargs": {}},
            task_path="otklik.notifications.tasks.send_notification",
            backend_name="default",
            run_after=get_date_max(),
            finished_at=finished_at,
        )

    old = task("SUCCESSFUL", NOW - timedelta(days=20))
    old_failed = task("FAILED", NOW - timedelta(days=15))
    recent = task("SUCCESSFUL", NOW - timedelta(days=2))
    waiting = task("READY")
    with time_machine.travel(NOW - timedelta(days=30), tick=False):
        expired = SessionStore()
        expired.create()
    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        current = SessionStore()
        current.create()

    with time_machine.travel(NOW, tick=False):
        counts = apply_retention()

    assert (counts.task_results_deleted, counts.sessions_deleted) == (2, 1)
    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert left == {recent.pk, waiting.pk}
    assert old.pk not in left and old_failed.pk not in left
    assert set(Session.objects.values_list("session_key", flat=True)) == {current.session_key}


def test_the_periodic_job_applies_retention_once_a_day(old_history, citizen, other_citizen):
    from otklik.lib.periodic import run_once

    with time_machine.travel(NOW, tick=False):
        assert run_once()["accounts_anonymised"] == 1
    # Later the same day a newly eligible account waits for tomorrow's pass.
    Appeal.objects.filter(applicant=other_citizen).update(status=Status.CLOSED)
    with time_machine.travel(NOW + timedelta(hours=5), tick=False):
        assert retention.run_daily() == 0
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        assert retention.run_daily() == 1


def test_a_failed_daily_pass_is_logged_and_retried_by_the_next_one(db, monkeypatch, caplog):
    calls = []

    def failing(*, now):
        calls.append(now)
        raise RuntimeError("database went away")

    monkeypatch.setattr(retention, "apply_retention", failing)
    with time_machine.travel(NOW, tick=False):
        assert retention.run_daily() == 0
        assert retention.run_daily() == 0
    assert len(calls) == 2
    assert "retention pass failed" in caplog.text
