"""Webhook delivery: the URL check, the signed POST, retries with backoff and switching off a
subscription that only fails. Called by the `deliver_webhook` task, the periodic pass and
`webhooks.ping`; the subscriptions and what they receive are in webhooks.py (docs/webhooks.md).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import random
import socket
import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .models import WebhookAttempt, WebhookDelivery, WebhookSubscription

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
