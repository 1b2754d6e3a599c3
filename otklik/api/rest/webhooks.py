"""REST API: Webhooks. A token with the `webhooks` scope manages its user's subscriptions, reads
their delivery log, replays deliveries and pings the URL (docs/webhooks.md)."""

from datetime import datetime

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from otklik.accounts.models import ApiScope
from otklik.notifications import webhooks
from otklik.notifications.models import WebhookDelivery, WebhookSubscription

from .base import Page, require_scope

router = Router(tags=["Webhooks"])


class SubscriptionIn(Schema):
    name: str = Field(..., max_length=200)
    url: str = Field(..., max_length=500, description="http(s) URL that receives the POSTs")
    events: list[str] = Field(
        default_factory=list,
        description="`status_changed` and/or appeal actions; empty: every status change",
    )


class SubscriptionOut(Schema):
    id: int
    name: str
    url: str
    events: list[str]
    is_active: bool
    disabled_reason: str
    created_at: datetime


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(..., description="The signing secret; shown only now")


class AttemptOut(Schema):
    at: datetime
    status_code: int | None
    error: str
    duration_ms: int
    response_excerpt: str


class DeliveryOut(Schema):
    id: int
    subscription_id: int
    event_type: str
    payload: dict
    state: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    replay_of_id: int | None
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: list[AttemptOut]

    @staticmethod
    def resolve_next_attempt_at(obj) -> datetime | None:
        return obj.next_attempt_at if obj.state == WebhookDelivery.State.PENDING else None

    @staticmethod
    def resolve_attempt_log(obj) -> list:
        return list(obj.attempt_log.all())


class DeliveryFilter(Schema):
    subscription: int | None = None
    state: WebhookDelivery.State | None = None


class ReplayPeriod(Schema):
    since: datetime
    until: datetime | None = None


class Replayed(Schema):
    count: int
    deliveries: list[int]


def _subscriptions(request):
    token = require_scope(request, ApiScope.WEBHOOKS)
    return WebhookSubscription.objects.filter(owner=token.user)


def _deliveries(request):
    token = require_scope(request, ApiScope.WEBHOOKS)
    return (
        WebhookDelivery.objects.filter(subscription__owner=token.user)
        .select_related("subscription")
        .prefetch_related("attempt_log")
    )


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


@router.post("/", response={201: SubscriptionCreated}, summary="Subscribe a URL")
def create_subscription(request, data: SubscriptionIn):
    token = require_scope(request, ApiScope.WEBHOOKS)
    subscription = webhooks.subscribe(
        owner=token.user, token=token, name=data.name, url=data.url, events=data.events
    )
    return Status(201, subscription)


@router.get("/", response=list[SubscriptionOut], summary="The token user's subscriptions")
@paginate(Page)
def list_subscriptions(request):
    return _subscriptions(request)


@router.get("/deliveries/", response=list[DeliveryOut], summary="The delivery log")
@paginate(Page)
def list_deliveries(request, filters: Query[DeliveryFilter]):
    deliveries = _deliveries(request)
    if filters.subscription is not None:
        deliveries = deliveries.filter(subscription_id=filters.subscription)
    if filters.state is not None:
        deliveries = deliveries.filter(state=filters.state)
    return deliveries


@router.get("/deliveries/{delivery_id}", response=DeliveryOut, summary="One delivery")
def get_delivery(request, delivery_id: int):
    return get_object_or_404(_deliveries(request), pk=delivery_id)


@router.post(
    "/deliveries/{delivery_id}/replay",
    response={202: DeliveryOut},
    summary="Send a delivery's payload again",
)
def replay_delivery(request, delivery_id: int):
    delivery = get_object_or_404(_deliveries(request), pk=delivery_id)
    return Status(202, webhooks.replay(delivery))


@router.get("/{subscription_id}", response=SubscriptionOut, summary="One subscription")
def get_subscription(request, subscription_id: int):
    return get_object_or_404(_subscriptions(request), pk=subscription_id)


@router.delete("/{subscription_id}", response={204: None}, summary="Unsubscribe")
def delete_subscription(request, subscription_id: int):
    subscription = get_object_or_404(_subscriptions(request), pk=subscription_id)
    webhooks.unsubscribe(subscription=subscription)
    return Status(204, None)


@router.post(
    "/{subscription_id}/replay",
    response={202: Replayed},
    summary="Send again every event of a period",
)
def replay_subscription(request, subscription_id: int, period: Query[ReplayPeriod]):
    subscription = get_object_or_404(_subscriptions(request), pk=subscription_id)
    created = webhooks.replay_period(
        subscription, since=_aware(period.since), until=_aware(period.until)
    )
    return Status(202, {"count": len(created), "deliveries": [d.pk for d in created]})


@router.post("/{subscription_id}/ping", response=DeliveryOut, summary="Send a test event now")
def ping_subscription(request, subscription_id: int):
    subscription = get_object_or_404(_subscriptions(request), pk=subscription_id)
    return webhooks.ping(subscription)
