"""Webhooks: one signed delivery per event and subscriber who may see the appeal, retried with
backoff, logged, replayed; never to private addresses unless allowed."""

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from otklik.appeals import services
from otklik.appeals.models import AppealEvent
from otklik.appeals.workflow import Status
from otklik.notifications import webhook_delivery, webhooks
from otklik.notifications.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from tests.notifications.receiver import serve


@pytest.fixture
def receiver(settings):
    with serve(settings) as state:
        yield state


def subscribe(owner, receiver, path="", **kwargs):
    return webhooks.subscribe(owner=owner, name="CRM", url=receiver.url + path, **kwargs)


def hand_over(appeal):
    """What the outbox does with the appeal's events."""
    return webhooks.enqueue_for_events(AppealEvent.objects.filter(appeal=appeal))


def deliver_all(now=None):
    now = now or timezone.now()
    return [
        webhook_delivery.deliver(pk, now=now)
        for pk in WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True)
    ]


def test_status_changes_arrive_signed_and_without_personal_data(
    receiver, appeal_in, operator, citizen
):
    subscription = subscribe(operator, receiver)
    appeal = appeal_in(Status.IN_PROGRESS, contact_phone="+7 900 000-00-00")
    deliveries = hand_over(appeal)
    assert [d.event_type for d in deliveries] == ["appeal.status_changed"] * 3
    assert deliver_all() == ["delivered"] * 3
    assert len(receiver.requests) == 3
    for request in receiver.requests:
        timestamp = request.headers["X-Otklik-Timestamp"]
        expected = hmac.new(
            subscription.secret.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256
        ).hexdigest()
        assert hmac.compare_digest(request.headers["X-Otklik-Signature"], "sha256=" + expected)
        assert request.headers["X-Otklik-Event"] == "appeal.status_changed"
        assert request.path == "/hook"
        text = request.body.decode()
        for personal in (citizen.email, citizen.full_name, citizen.phone, "+7 900 000-00-00"):
            assert personal not in text
        assert appeal.text not in text
    bodies = [json.loads(r.body) for r in receiver.requests]
    assert {b["appeal"]["number"] for b in bodies} == {appeal.number}
    assert [(b["appeal"]["previous_status"], b["appeal"]["status"]) for b in bodies] == [
        (None, "new"),
        ("new", "registered"),
        ("registered", "in_progress"),
    ]
    assigned = bodies[-1]["appeal"]
    assert assigned["category"] == appeal.category.code
    assert assigned["executor"]["id"] == appeal.executor_id
    assert assigned["due_at"] == appeal.due_at.isoformat()
    assert {r.headers["X-Otklik-Delivery"] for r in receiver.requests} == {
        str(d.pk) for d in deliveries
    }


def test_an_event_handed_over_twice_makes_one_delivery(receiver, appeal_in, operator):
    subscribe(operator, receiver)
    appeal = appeal_in(Status.REGISTERED)
    assert len(hand_over(appeal)) == 2
    assert hand_over(appeal) == []
    assert WebhookDelivery.objects.count() == 2


def test_a_subscriber_never_gets_events_of_appeals_its_owner_cannot_see(
    receiver, appeal_in, executor, other_org_executor
):
    mine = subscribe(executor, receiver)
    theirs = subscribe(other_org_executor, receiver)
    appeal = appeal_in(Status.IN_PROGRESS)
    hand_over(appeal)
    assert WebhookDelivery.objects.filter(subscription=theirs).count() == 0
    # The executor sees the appeal once it is theirs: every event of it goes out.
    assert WebhookDelivery.objects.filter(subscription=mine).count() == 3


def test_listed_actions_are_sent_under_their_own_type(receiver, appeal_in, operator):
    subscription = subscribe(operator, receiver, events=["publish_answer", "comment"])
    appeal = appeal_in(Status.ANSWERED)
    services.add_comment(appeal=appeal, actor=operator, text="Проверено на месте.")
    hand_over(appeal)
    types = list(
        WebhookDelivery.objects.filter(subscription=subscription).values_list(
            "event_type", flat=True
        )
    )
    assert sorted(types) == ["appeal.comment", "appeal.publish_answer"]
    with pytest.raises(ValidationError):
        subscribe(operator, receiver, events=["nonsense"])


def test_a_server_error_is_logged_and_retried_with_backoff(receiver, appeal_in, operator):
    subscribe(operator, receiver)
    appeal = appeal_in(Status.NEW)
    (delivery,) = hand_over(appeal)
    receiver.statuses[:] = [500]
    start = timezone.now()
    assert webhook_delivery.deliver(delivery.pk, now=start) == "pending"
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert delivery.last_status_code == 500
    wait = delivery.next_attempt_at - start
    assert timedelta(seconds=54) <= wait <= timedelta(seconds=66)
    assert webhook_delivery.retry_due(now=start + timedelta(seconds=30)) == 0
    assert webhook_delivery.retry_due(now=start + timedelta(minutes=2)) == 1
    delivery.refresh_from_db()
    assert delivery.state == "delivered"
    log = list(WebhookAttempt.objects.filter(delivery=delivery).order_by("at"))
    assert [a.status_code for a in log] == [500, 200]
    assert log[0].response_excerpt == "server is down"
    assert len(receiver.requests) == 2
    # The same body and delivery id on the retry, with a fresh timestamp and signature.
    assert receiver.requests[0].body == receiver.requests[1].body


def test_a_timeout_is_logged_and_retried(receiver, appeal_in, operator, monkeypatch):
    monkeypatch.setattr(webhook_delivery, "TIMEOUT", 0.3)
    subscribe(operator, receiver, path="/hang")
    (delivery,) = hand_over(appeal_in(Status.NEW))
    assert webhook_delivery.deliver(delivery.pk) == "pending"
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert attempt.status_code is None
    assert "timeout" in attempt.error
    delivery.refresh_from_db()
    assert delivery.next_attempt_at > timezone.now()


def test_backoff_grows_to_the_last_attempt_then_fails_and_a_failing_subscriber_is_switched_off(
    receiver, appeal_in, operator
):
    subscription = subscribe(operator, receiver)
    receiver.statuses[:] = [503] * 100
    first, second, third = hand_over(appeal_in(Status.IN_PROGRESS))
    start = timezone.now()
    now = start
    waits = []
    for _attempt in range(webhook_delivery.MAX_ATTEMPTS):
        state = webhook_delivery.deliver(first.pk, now=now)
        first.refresh_from_db()
        if state == "pending":
            waits.append(first.next_attempt_at - now)
            now = first.next_attempt_at
    assert state == "failed"
    assert first.attempts == webhook_delivery.MAX_ATTEMPTS
    assert waits == sorted(waits)
    assert waits[-1] > timedelta(hours=20)
    subscription.refresh_from_db()
    assert subscription.is_active  # failing for a day and a half only
    # Days later the second one fails for good as well: the subscriber is switched off.
    now = start + webhook_delivery.DISABLE_AFTER
    for _attempt in range(webhook_delivery.MAX_ATTEMPTS):
        webhook_delivery.deliver(second.pk, now=now)
        second.refresh_from_db()
        now = max(now, second.next_attempt_at)
    assert second.state == "failed"
    subscription.refresh_from_db()
    assert not subscription.is_active
    assert "3" in subscription.disabled_reason
    third.refresh_from_db()
    assert third.state == "failed"
    assert hand_over(appeal_in(Status.NEW)) == []


def test_replay_sends_the_same_payload_as_a_new_delivery(receiver, appeal_in, operator):
    subscribe(operator, receiver)
    (delivery,) = hand_over(appeal_in(Status.NEW))
    webhook_delivery.deliver(delivery.pk)
    again = webhooks.replay(delivery)
    assert again.pk != delivery.pk
    assert again.replay_of == delivery
    assert webhook_delivery.deliver(again.pk) == "delivered"
    first, second = receiver.requests
    assert json.loads(first.body) == json.loads(second.body)
    assert first.headers["X-Otklik-Delivery"] != second.headers["X-Otklik-Delivery"]


def test_replay_of_a_period_covers_events_from_before_the_subscription(
    receiver, appeal_in, operator
):
    appeal = appeal_in(Status.REGISTERED)
    subscription = subscribe(operator, receiver)
    (late,) = hand_over(appeal_in(Status.NEW))
    since = timezone.now() - timedelta(days=1)
    created = webhooks.replay_period(subscription, since=since)
    # Two events of the first appeal delivered for the first time, one replay of the second.
    assert len(created) == 3
    assert sorted(d.replay_of_id or 0 for d in created) == [0, 0, late.pk]
    assert {d.payload["appeal"]["number"] for d in created if not d.replay_of_id} == {appeal.number}
    with pytest.raises(ValidationError):
        webhooks.replay_period(subscription, since=timezone.now() + timedelta(days=1))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://10.1.2.3/hook",
        "http://[::1]/hook",
        "http://localhost/",
    ],
)
def test_private_addresses_are_refused(operator, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError) as refused:
        webhooks.subscribe(owner=operator, name="CRM", url=url)
    assert refused.value.code == "private_url"
    assert not WebhookSubscription.objects.exists()


def test_a_url_that_turned_private_is_not_called(receiver, appeal_in, operator, settings):
    subscribe(operator, receiver)
    (delivery,) = hand_over(appeal_in(Status.NEW))
    settings.WEBHOOK_ALLOW_PRIVATE = False
    assert webhook_delivery.deliver(delivery.pk) == "pending"
    assert receiver.requests == []
    assert "частных" in WebhookAttempt.objects.get(delivery=delivery).error


def test_ping_is_sent_once_and_not_retried(receiver, operator):
    subscription = subscribe(operator, receiver)
    receiver.statuses[:] = [500]
    delivery = webhooks.ping(subscription)
    assert delivery.state == "failed"
    assert json.loads(receiver.requests[0].body)["type"] == "ping"
    assert webhooks.ping(subscription).state == "delivered"


def test_the_outbox_hands_status_changes_to_subscribers_once(receiver, region, operator):
    from otklik.appeals.tasks import process_outbox_batch

    subscribe(operator, receiver)
    appeal = services.submit_appeal(region=region, text="Яма у дома 3")
    process_outbox_batch()
    assert list(WebhookDelivery.objects.values_list("event__appeal", "event_type")) == [
        (appeal.pk, "appeal.status_changed")
    ]
    # A second hand-over of the same event (a crash after sending) makes no second delivery.
    webhooks.enqueue_for_events(AppealEvent.objects.filter(appeal=appeal))
    assert WebhookDelivery.objects.count() == 1
    assert deliver_all() == ["delivered"]
    assert json.loads(receiver.requests[0].body)["appeal"]["number"] == appeal.number
