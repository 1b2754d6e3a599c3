"""Webhooks: other systems subscribe a URL and receive signed JSON events about appeals.

The outbox hands every appeal event over once (`enqueue_for_events`); each active subscription
whose owner may see the appeal gets one delivery, POSTed by a task and retried with backoff
until delivered or given up (docs/webhooks.md). Payloads never carry personal data.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import random
import secrets
import socket
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from otklik.appeals.models import Appeal, AppealEvent
from otklik.appeals.workflow import Action

from .models import WebhookAttempt, WebhookDelivery, WebhookSubscription

STATUS_CHANGED = "status_changed"
PING = "ping"
USER_AGENT = "Otklik-Webhooks/1"
# Seconds to connect and to wait for the answer (module-level so tests can shorten it).
TIMEOUT = 5.0
# Wait after the n-th failed attempt; after the last one the delivery fails for good.
SCHEDULE = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(SCHEDULE) + 1
JITTER = 0.1
# A worker that claimed a delivery holds it this long; a crash mid-request frees it then.
LEASE = timedelta(minutes=2)
# A subscription that has answered nothing but failures for this long is switched off.
DISABLE_AFTER = timedelta(days=3)
MAX_REPLAY = 1000
EXCERPT = 500


# ---------------------------------------------------------------------------- URLs


def _is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve_url(url: str) -> tuple[str, int, str]:
    """(host, port, address to connect to) of a webhook URL; ValidationError when the URL is
    not http(s), does not resolve, or points into a private network (unless
    WEBHOOK_ALLOW_PRIVATE)."""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError(_("The URL must be an http or https address."), code="url") from None
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationError(_("The URL must be an http or https address."), code="url") from None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise ValidationError(
            _("The host %(host)s of the URL cannot be resolved."), code="dns", params={"host": host}
        ) from None
    addresses = [info[4][0] for info in infos]
    if not getattr(settings, "WEBHOOK_ALLOW_PRIVATE", False) and not all(
        _is_public_address(address) for address in addresses
    ):
        raise ValidationError(
            _("Webhooks are not sent to private or local network addresses."), code="private_url"
        )
    return host, port, addresses[0]


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
    from .tasks import deliver_webhook

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


# ---------------------------------------------------------------------------- delivery


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(
        delivery.payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True
    ).encode("utf-8")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=` + HMAC-SHA256 of «timestamp.body» with the subscription's secret."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure, ±10 % so that retries do not come in waves."""
    base = SCHEDULE[min(attempts, len(SCHEDULE)) - 1]
    return base * (1 + random.uniform(-JITTER, JITTER))  # noqa: S311 (jitter, not a secret)


def _post(delivery: WebhookDelivery, now: datetime) -> dict:
    """One HTTP attempt; the fields of its WebhookAttempt row."""
    subscription = delivery.subscription
    body = body_of(delivery)
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Otklik-Event": delivery.event_type,
        "X-Otklik-Delivery": str(delivery.pk),
        "X-Otklik-Timestamp": timestamp,
        "X-Otklik-Signature": sign(subscription.secret, timestamp, body),
    }
    started = time.monotonic()
    result = {"status_code": None, "error": "", "response_excerpt": ""}
    try:
        host, port, address = resolve_url(subscription.url)
        parts = urlsplit(subscription.url)
        cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        connection = cls(host, port, timeout=TIMEOUT)

        # Connect to the address checked above, not to a second DNS answer (rebinding); TLS
        # still verifies the certificate against the host name.
        def connect(_address, timeout=None, source_address=None):
            return socket.create_connection((address, port), timeout, source_address)

        connection._create_connection = connect
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            result["status_code"] = response.status
            result["response_excerpt"] = response.read(EXCERPT).decode("utf-8", "replace")
        finally:
            connection.close()
    except ValidationError as refused:
        result["error"] = " ".join(refused.messages)
    except TimeoutError:
        result["error"] = f"timeout after {TIMEOUT:g} s"
    except (OSError, http.client.HTTPException) as failure:
        result["error"] = f"{type(failure).__name__}: {failure}"[:2000]
    result["duration_ms"] = int((time.monotonic() - started) * 1000)
    return result


def deliver(delivery_id: int, *, now: datetime | None = None) -> str:
    """Try a due pending delivery once; returns its state afterwards. The row is claimed in a
    short transaction (held for LEASE) and the HTTP request runs outside any transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("subscription")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return ""
        if delivery.state != WebhookDelivery.State.PENDING or delivery.next_attempt_at > now:
            return delivery.state
        if not delivery.subscription.is_active:
            delivery.state = WebhookDelivery.State.FAILED
            delivery.last_error = "subscription switched off"
            delivery.save(update_fields=["state", "last_error"])
            return delivery.state
        delivery.attempts += 1
        delivery.next_attempt_at = now + LEASE
        delivery.save(update_fields=["attempts", "next_attempt_at"])
    result = _post(delivery, now)
    code = result["status_code"]
    ok = code is not None and 200 <= code < 300
    with transaction.atomic():
        WebhookAttempt.objects.create(delivery=delivery, at=now, **result)
        delivery.last_status_code = code
        if ok:
            delivery.state = WebhookDelivery.State.DELIVERED
            delivery.delivered_at = now
            delivery.last_error = ""
        else:
            delivery.last_error = result["error"] or f"HTTP {code}"
            limit = 1 if delivery.event_type == PING else MAX_ATTEMPTS
            if delivery.attempts >= limit:
                delivery.state = WebhookDelivery.State.FAILED
            else:
                delivery.next_attempt_at = now + backoff(delivery.attempts)
        delivery.save(
            update_fields=[
                "state",
                "delivered_at",
                "last_error",
                "last_status_code",
                "next_attempt_at",
            ]
        )
        if delivery.state == WebhookDelivery.State.FAILED and delivery.event_type != PING:
            _disable_if_failing(delivery.subscription, now)
    return delivery.state


def _disable_if_failing(subscription: WebhookSubscription, now: datetime) -> bool:
    """Switch a subscription off when all its attempts for DISABLE_AFTER have failed."""
    last_ok = subscription.deliveries.aggregate(at=Max("delivered_at"))["at"]
    attempts = WebhookAttempt.objects.filter(delivery__subscription=subscription)
    if last_ok is not None:
        attempts = attempts.filter(at__gt=last_ok)
    first_failure = attempts.aggregate(at=Min("at"))["at"]
    if first_failure is None or now - first_failure < DISABLE_AFTER:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("Switched off on %(date)s: every delivery failed for %(days)s days.") % {
            "date": timezone.localdate(now).strftime("%d.%m.%Y"),
            "days": DISABLE_AFTER.days,
        }
    subscription.is_active = False
    subscription.disabled_reason = reason[:300]
    subscription.save(update_fields=["is_active", "disabled_reason"])
    subscription.deliveries.filter(state=WebhookDelivery.State.PENDING).update(
        state=WebhookDelivery.State.FAILED, last_error="subscription switched off"
    )
    return True


def retry_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Try the pending deliveries whose next attempt is due (run_periodic)."""
    now = now or timezone.now()
    ids = list(
        WebhookDelivery.objects.due(now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        deliver(pk, now=now)
    return len(ids)
