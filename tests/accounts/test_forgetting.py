"""Forgetting a person: accounts blanks the User row, then calls what the apps above it
registered (accounts/forgetting.py), once, with the reason; accounts imports none of them."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from otklik.accounts import forgetting, letters, services
from otklik.appeals.workflow import Status
from otklik.lib.hooks import Entry


def test_the_apps_register_their_forgetters_in_this_order_and_for_these_reasons():
    registered = [(e.name, e.order, e.when) for e in forgetting.forgetters.entries()]
    assert registered == [
        ("notifications", 10, None),
        ("draft_photos", 20, None),
        ("appeals", 30, frozenset({"inactive"})),
        ("control_calls", 40, frozenset({"inactive"})),
    ]


def _recording(calls):
    def forget(*, user, now, reason):
        calls.append((user.pk, user.anonymized_at == now, reason))
        return 7

    return forget


def test_deletion_blanks_the_account_first_then_forgets_once(citizen):
    calls = []
    entries = {"probe": Entry("probe", _recording(calls), 100)}
    with forgetting.forgetters.replaced(entries):
        services.delete_account(user=citizen)
        services.anonymize_user(user=citizen)  # already anonymised: nothing more
    assert calls == [(citizen.pk, True, "deleted")]


def test_retention_says_inactive_and_counts_the_appeals_forgetter(citizen):
    calls = []
    entries = {
        "appeals": Entry("appeals", _recording(calls), 30, frozenset({"inactive"})),
        "deleted_only": Entry("deleted_only", _recording(calls), 40, frozenset({"deleted"})),
    }
    with forgetting.forgetters.replaced(entries):
        assert services.anonymize_inactive_user(user=citizen) == 7
    assert calls == [(citizen.pk, True, "inactive")]


def test_deleting_an_account_keeps_the_contacts_on_its_appeals(appeal_in, citizen, operator):
    appeal = appeal_in(Status.CLOSED, created_by=operator, contact_phone="+7 900 555-66-77")
    services.delete_account(user=citizen)
    appeal.refresh_from_db()
    assert appeal.contact_phone == "+7 900 555-66-77"


def test_an_unknown_reason_is_refused(citizen):
    with pytest.raises(ValueError, match="unknown reason"):
        forgetting.forget(user=citizen, now=None, reason="bored")


def test_letters_go_through_the_sender_notifications_registered(citizen, monkeypatch):
    from otklik.notifications.services import notify

    assert letters._sender is notify
    monkeypatch.setattr(letters, "_sender", None)
    with pytest.raises(ImproperlyConfigured):
        letters.send(recipient=citizen, subject="Тема", body="Текст")
