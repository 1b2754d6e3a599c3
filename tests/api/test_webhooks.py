"""REST webhooks: a token with the `webhooks` scope manages its user's subscriptions, reads the
delivery log, replays and pings; the secret is shown once."""

import json
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone

from otklik.accounts.tokens import issue_token
from otklik.appeals.models import AppealEvent
from otklik.appeals.workflow import Status
from otklik.notifications import webhooks
from otklik.notifications.models import WebhookDelivery, WebhookSubscription
from tests.notifications.receiver import serve

URL = "/api/v1/webhooks/"


@pytest.fixture
def receiver(settings):
    with serve(settings) as state:
        yield state


def auth(user, scopes=("webhooks",)):
    _token, key = issue_token(user=user, name="CRM", scopes=scopes)
    return {"Authorization": f"Bearer {key}"}


def post(client, url, headers, body=None):
    return client.post(
        url, data=json.dumps(body or {}), content_type="application/json", headers=headers
    )


def test_a_subscription_is_created_with_its_secret_shown_once(client, operator, receiver):
    headers = auth(operator)
    response = post(client, URL, headers, {"name": "CRM", "url": receiver.url})
    assert response.status_code == 201
    created = response.json()
    subscription = WebhookSubscription.objects.get()
    assert created["secret"] == subscription.secret
    assert subscription.owner == operator
    listed = client.get(URL, headers=headers).json()
    assert listed["count"] == 1
    assert "secret" not in listed["items"][0]
    assert "secret" not in client.get(f"{URL}{created['id']}", headers=headers).json()


def test_a_bad_url_or_event_is_refused_in_both_languages(client, operator, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    headers = auth(operator)
    response = post(client, URL, headers, {"name": "CRM", "url": "http://127.0.0.1/hook"})
    assert response.status_code == 400
    assert response.json()["error"] == "private_url"
    assert "частн" in response.json()["message_ru"]
    assert "private" in response.json()["message_en"]
    response = post(client, URL, headers, {"name": "CRM", "url": "ftp://example.ru/"})
    assert response.status_code == 400
    response = post(
        client, URL, headers, {"name": "CRM", "url": "https://example.ru/", "events": ["x"]}
    )
    assert response.status_code == 400
    assert not WebhookSubscription.objects.exists()


def test_without_the_scope_the_api_answers_403(client, operator):
    response = client.get(URL, headers=auth(operator, scopes=["appeals:read"]))
    assert response.status_code == 403
    assert response.json()["error"] == "scope"
    assert client.get(URL).status_code == 401


def test_a_token_sees_only_its_users_subscriptions(client, operator, caller, receiver):
    theirs = webhooks.subscribe(owner=caller, name="Другая", url=receiver.url)
    delivery = webhooks.ping(theirs)
    headers = auth(operator)
    assert client.get(URL, headers=headers).json()["count"] == 0
    assert client.get(f"{URL}{theirs.pk}", headers=headers).status_code == 404
    assert client.delete(f"{URL}{theirs.pk}", headers=headers).status_code == 404
    assert post(client, f"{URL}{theirs.pk}/ping", headers).status_code == 404
    assert post(client, f"{URL}deliveries/{delivery.pk}/replay", headers).status_code == 404
    assert client.get(f"{URL}deliveries/", headers=headers).json()["count"] == 0
    assert WebhookSubscription.objects.filter(pk=theirs.pk).exists()


def test_the_delivery_log_shows_attempts_and_replays_go_out(client, operator, receiver, appeal_in):
    headers = auth(operator)
    subscription = webhooks.subscribe(owner=operator, name="CRM", url=receiver.url)
    appeal = appeal_in(Status.NEW)
    (delivery,) = webhooks.enqueue_for_events(AppealEvent.objects.filter(appeal=appeal))
    receiver.statuses[:] = [500]
    webhooks.deliver(delivery.pk)
    webhooks.retry_due(now=timezone.now() + timedelta(minutes=2))
    log = client.get(f"{URL}deliveries/", headers=headers).json()
    assert log["count"] == 1
    (item,) = log["items"]
    assert item["state"] == "delivered"
    assert [a["status_code"] for a in item["attempt_log"]] == [200, 500]
    assert item["payload"]["appeal"]["number"] == appeal.number

    response = post(client, f"{URL}deliveries/{delivery.pk}/replay", headers)
    assert response.status_code == 202
    assert response.json()["replay_of_id"] == delivery.pk
    since = quote((timezone.now() - timedelta(days=1)).isoformat())
    response = post(client, f"{URL}{subscription.pk}/replay?since={since}", headers)
    assert response.status_code == 202
    assert response.json()["count"] == 1
    assert WebhookDelivery.objects.filter(replay_of=delivery).count() == 2
    assert client.get(f"{URL}deliveries/?state=pending", headers=headers).json()["count"] == 2


def test_ping_reaches_the_url_and_delete_unsubscribes(client, operator, receiver):
    headers = auth(operator)
    created = post(client, URL, headers, {"name": "CRM", "url": receiver.url}).json()
    response = post(client, f"{URL}{created['id']}/ping", headers)
    assert response.status_code == 200
    assert response.json()["state"] == "delivered"
    assert response.json()["attempt_log"][0]["status_code"] == 200
    assert json.loads(receiver.requests[0].body)["type"] == "ping"
    assert client.delete(f"{URL}{created['id']}", headers=headers).status_code == 204
    assert not WebhookSubscription.objects.exists()
