"""Webhooks: other systems subscribe a URL and receive signed JSON events about appeals.

The outbox hands every appeal event over once (`enqueue_for_events`); each active subscription
whose owner may see the appeal gets one delivery, POSTed by a task and retried with backoff
until delivered or given up (webhook_delivery.py, docs/webhooks.md). Payloads never carry
personal data.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from otklik.appeals.models import Appeal, AppealEvent
from otklik.appeals.workflow import Action

from .models import WebhookDelivery, WebhookSubscription
from .tasks import deliver_webhook
from .webhook_delivery import PING, deliver, resolve_url
from .webhook_delivery import retry_due as retry_due  # its importers read it from here

STATUS_CHANGED = "status_changed"
MAX_REPLAY = 1000


# ---------------------------------------------------------------------------- subscriptions


def event_names() -> list[str]:
    """What a subscription may list in `events`: «status_changed» and appeal actions."""
    return [STATUS_CHANGED, *Action.values]


def _clean_events(events: Iterable[str]) -> list[str]:
    events = sorted({str(name).strip() for name in events or ()})
    unknown = [name for name in events if name not in event_names()]
    if unknown:
        raise ValidationError(
            _("Unknown events: %(events)s."), code="events", params={"events": ", ".join(unknown)}
        )
    return events


def subscribe(
    *, owner, name: str, url: str, events: Iterable[str] = (), token=None, now=None
) -> WebhookSubscription:
    """A new subscription of `owner` with a fresh signing secret (shown to the client once)."""
    name = " ".join((name or "").split())[:200]
    if not name:
        raise ValidationError(_("Name the subscription."), code="name")
    url = (url or "").strip()
    if len(url) > 500:
        raise ValidationError(_("The URL is too long: at most 500 characters."), code="url")
    resolve_url(url)
    return WebhookSubscription.objects.create(
        owner=owner,
        token=token,
        name=name,
        url=url,
        secret="whsec_" + secrets.token_urlsafe(32),
        events=_clean_events(events),
        created_at=now or timezone.now(),
    )


def unsubscribe(*, subscription: WebhookSubscription) -> None:
    """Remove a subscription with its delivery log."""
    subscription.delete()


def event_type_for(subscription: WebhookSubscription, event: AppealEvent) -> str | None:
    """The type under which `subscription` receives `event`, or None if it does not want it."""
    changed = event.from_status != event.to_status
    if not subscription.events:
        return f"appeal.{STATUS_CHANGED}" if changed else None
    if event.action in subscription.events:
        return f"appeal.{event.action}"
    if changed and STATUS_CHANGED in subscription.events:
        return f"appeal.{STATUS_CHANGED}"
    return None


def payload_for(event: AppealEvent, event_type: str) -> dict:
    """The JSON body of an event: the appeal's public facts, no personal data (no applicant,
    contacts, text, comment; an address only of a public appeal in a public category)."""
    appeal = event.appeal
    category = appeal.category
    public = appeal.is_public and (category is None or category.is_public)

    def moment(value):
        return value.isoformat() if value else None

    executor = appeal.executor
    return {
        "id": f"evt_{event.pk}",
        "type": event_type,
        "created_at": moment(event.created_at),
        "appeal": {
            "number": appeal.number,
            "region": appeal.region.code,
            "action": event.action,
            "status": event.to_status,
            "previous_status": event.from_status or None,
            "current_status": appeal.status,
            "resolution": appeal.resolution or None,
            "category": category.code if category else None,
            "municipality": (
                {"oktmo": appeal.municipality.oktmo, "name": appeal.municipality.name}
                if appeal.municipality
                else None
            ),
            "executor": {"id": executor.pk, "name": str(executor)} if executor else None,
            "channel": appeal.channel,
            "external_source": appeal.external_source or None,
            "external_id": (appeal.external_id or None) if appeal.external_source else None,
            "address": appeal.address if public else None,
            "latitude": appeal.latitude if public else None,
            "longitude": appeal.longitude if public else None,
            "created_at": moment(appeal.created_at),
            "registered_at": moment(appeal.registered_at),
            "due_at": moment(appeal.due_at),
            "answered_at": moment(appeal.answered_at),
            "closed_at": moment(appeal.closed_at),
        },
    }


def _create_delivery(**fields) -> WebhookDelivery | None:
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(**fields)
    except IntegrityError:  # the same event handed over twice, concurrently
        return None
    transaction.on_commit(lambda: deliver_webhook.enqueue(delivery.pk))
    return delivery


def _visible(subscription: WebhookSubscription, appeal_ids: set[int]) -> set[int]:
    return set(
        Appeal.objects.visible_to(subscription.owner)
        .filter(pk__in=appeal_ids)
        .values_list("pk", flat=True)
    )


def enqueue_for_events(events: Iterable[AppealEvent], *, now=None) -> list[WebhookDelivery]:
    """One delivery per (event, active subscription that wants it and whose owner may see the
    appeal). Idempotent: an event handed over twice makes no second delivery."""
    events = list(events)
    if not events:
        return []
    subscriptions = list(
        WebhookSubscription.objects.filter(is_active=True)
        .select_related("owner")
        .prefetch_related("owner__memberships")
    )
    if not subscriptions:
        return []
    now = now or timezone.now()
    created = []
    for subscription in subscriptions:
        wanted = [(e, t) for e in events if (t := event_type_for(subscription, e))]
        if not wanted:
            continue
        visible = _visible(subscription, {e.appeal_id for e, _t in wanted})
        done = set(
            WebhookDelivery.objects.filter(
                subscription=subscription,
                event__in=[e for e, _t in wanted],
                replay_of__isnull=True,
            ).values_list("event_id", flat=True)
        )
        for event, event_type in wanted:
            if event.appeal_id not in visible or event.pk in done:
                continue
            delivery = _create_delivery(
                subscription=subscription,
                event=event,
                event_type=event_type,
                payload=payload_for(event, event_type),
                created_at=now,
                next_attempt_at=now,
            )
            if delivery is not None:
                created.append(delivery)
    return created


def enqueue_for_event(event: AppealEvent, *, now=None) -> list[WebhookDelivery]:
    return enqueue_for_events([event], now=now)


# ---------------------------------------------------------------------------- replay and ping


def replay(delivery: WebhookDelivery, *, now=None) -> WebhookDelivery:
    """A new delivery of the same payload to the same subscriber (`replay_of` the first)."""
    if not delivery.subscription.is_active:
        raise ValidationError(_("The subscription is switched off."), code="inactive")
    now = now or timezone.now()
    return _create_delivery(
        subscription=delivery.subscription,
        event=delivery.event,
        event_type=delivery.event_type,
        payload=delivery.payload,
        replay_of=delivery,
        created_at=now,
        next_attempt_at=now,
    )


def replay_period(
    subscription: WebhookSubscription, *, since: datetime, until: datetime | None = None, now=None
) -> list[WebhookDelivery]:
    """Send again every event since `since` (up to `until`) that the subscription wants and may
    see: a replay of its delivery where there was one, a first delivery otherwise (events from
    before it subscribed or while it was switched off). At most MAX_REPLAY events."""
    if not subscription.is_active:
        raise ValidationError(_("The subscription is switched off."), code="inactive")
    now = now or timezone.now()
    until = until or now
    if since >= until:
        raise ValidationError(_("The period is empty: «since» must be before «until»."))
    events = list(
        AppealEvent.objects.filter(created_at__gte=since, created_at__lt=until)
        .select_related("appeal__region", "appeal__category", "appeal__municipality")
        .select_related("appeal__executor")
        .order_by("created_at", "pk")[: MAX_REPLAY * 4]
    )
    wanted = [(e, t) for e in events if (t := event_type_for(subscription, e))][:MAX_REPLAY]
    visible = _visible(subscription, {e.appeal_id for e, _t in wanted})
    originals = {
        d.event_id: d
        for d in WebhookDelivery.objects.filter(
            subscription=subscription,
            event__in=[e for e, _t in wanted],
            replay_of__isnull=True,
        ).select_related("subscription")
    }
    created = []
    for event, event_type in wanted:
        if event.appeal_id not in visible:
            continue
        if original := originals.get(event.pk):
            delivery = replay(original, now=now)
        else:
            delivery = _create_delivery(
                subscription=subscription,
                event=event,
                event_type=event_type,
                payload=payload_for(event, event_type),
                created_at=now,
                next_attempt_at=now,
            )
        if delivery is not None:
            created.append(delivery)
    return created


def ping(subscription: WebhookSubscription, *, now=None) -> WebhookDelivery:
    """Send a «ping» event at once (one attempt, no retries) and return its delivery."""
    now = now or timezone.now()
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event_type=PING,
        payload={
            "id": f"ping_{secrets.token_hex(8)}",
            "type": PING,
            "created_at": now.isoformat(),
            "subscription": {"id": subscription.pk, "name": subscription.name},
        },
        created_at=now,
        next_attempt_at=now,
    )
    deliver(delivery.pk, now=now)
    delivery.refresh_from_db()
    return delivery
