"""Every write to incidents: clustering an arriving appeal, merging, alerts, closing, renaming,
and the rebuild of a window that gives the same incidents as the appeals arriving one by one.

The clustering of an appeal reads only its neighbourhood: active incidents of its topic near
its point (a bounding box on the centre), and loose appeals of its topic near its point within
the time window (the appeal (latitude, longitude) and (category, …) indexes) — never all
appeals. All times come from the appeals themselves, never from the clock, so that replaying
the appeals in order (`rebuild_incidents`) reproduces what the live path built.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from otklik.accounts.models import Membership, Role
from otklik.appeals.models import Appeal
from otklik.directory.models import Category
from otklik.lib.geo import bounding_box, distance_m

from . import clustering
from .clustering import Member, Rule
from .models import ClusterRule, Incident, IncidentAlert, IncidentAppeal

logger = logging.getLogger(__name__)

ALERT_ROLES = (Role.OPERATOR, Role.SUPERVISOR)
MAX_TITLE = 300


# ---------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Topic:
    """The category incidents are kept under, the categories whose appeals count, the rule."""

    category_id: int
    category_ids: tuple[int, ...]
    rule: Rule


class Rules:
    """Rules of the categories, read once per instance (a rebuild keeps one for the run)."""

    def __init__(self) -> None:
        self._rules: dict[int, ClusterRule] | None = None
        self._topics: dict[int, Topic] = {}

    def _all(self) -> dict[int, ClusterRule]:
        if self._rules is None:
            self._rules = {r.category_id: r for r in ClusterRule.objects.all()}
        return self._rules

    @staticmethod
    def _rule(row: ClusterRule) -> Rule:
        return Rule(
            radius_m=float(row.radius_m),
            window=timedelta(hours=row.window_hours),
            min_appeals=row.min_appeals,
        )

    def topic(self, category: Category) -> Topic:
        if category.pk in self._topics:
            return self._topics[category.pk]
        rules = self._all()
        own, parent = rules.get(category.pk), rules.get(category.parent_id or 0)
        if parent is not None and parent.whole_group:
            group = category.parent_id
        elif own is not None and own.whole_group:
            group = category.pk
        else:
            group = None
        if group is not None:
            children = Category.objects.filter(parent_id=group).values_list("pk", flat=True)
            found = Topic(group, (group, *sorted(children)), self._rule(rules[group]))
        else:
            row = own or parent
            found = Topic(category.pk, (category.pk,), self._rule(row) if row else Rule())
        self._topics[category.pk] = found
        return found


# ---------------------------------------------------------------------------- shape


def _members(incident: Incident) -> list[Member]:
    rows = IncidentAppeal.objects.filter(incident=incident).values_list(
        "appeal__latitude",
        "appeal__longitude",
        "appeal__created_at",
        "appeal__address",
        "appeal__municipality_id",
    )
    return [Member(*row) for row in rows]


def _generated_title(incident: Incident, shape: clustering.Shape) -> str:
    from otklik.directory.models import Municipality

    place = ""
    if shape.municipality_id:
        place = (
            Municipality.objects.filter(pk=shape.municipality_id)
            .values_list("name", flat=True)
            .first()
            or ""
        )
    with translation.override(settings.LANGUAGE_CODE):
        return clustering.title(
            incident.category.name,
            place,
            shape.addresses,
            shape.first_at,
            shape.last_at,
            incident.region.time_zone,
        )


def _refresh(incident: Incident) -> Incident:
    """Recompute centre, radius, times, counts, municipality and (unless renamed) the title."""
    shape = clustering.shape(_members(incident))
    incident.center_lat, incident.center_lon = shape.center_lat, shape.center_lon
    incident.radius_m = shape.radius_m
    incident.first_appeal_at, incident.last_appeal_at = shape.first_at, shape.last_at
    incident.appeal_count, incident.address_count = shape.count, shape.addresses
    incident.municipality_id = shape.municipality_id
    fields = [
        "center_lat",
        "center_lon",
        "radius_m",
        "first_appeal_at",
        "last_appeal_at",
        "appeal_count",
        "address_count",
        "municipality",
    ]
    if not incident.title_is_custom:
        incident.title = _generated_title(incident, shape)
        fields.append("title")
    incident.save(update_fields=fields)
    return incident


# ---------------------------------------------------------------------------- clustering


def _near(queryset, lat: float, lon: float, radius: float, lat_field: str, lon_field: str):
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius)
    return queryset.filter(
        **{
            f"{lat_field}__gte": min_lat,
            f"{lat_field}__lte": max_lat,
            f"{lon_field}__gte": min_lon,
            f"{lon_field}__lte": max_lon,
        }
    )


def _joinable(appeal: Appeal, topic: Topic) -> Incident | None:
    """The nearest active incident of the topic that the appeal may join, if any."""
    candidates = _near(
        Incident.objects.filter(
            region_id=appeal.region_id,
            category_id=topic.category_id,
            state=Incident.State.ACTIVE,
            last_appeal_at__gte=appeal.created_at - topic.rule.window,
        ),
        appeal.latitude,
        appeal.longitude,
        topic.rule.radius_m,
        "center_lat",
        "center_lon",
    ).select_related("category", "region")
    best, best_distance = None, None
    for incident in candidates:
        distance = distance_m(
            appeal.latitude, appeal.longitude, incident.center_lat, incident.center_lon
        )
        if distance > topic.rule.radius_m:
            continue
        if best is None or (distance, incident.pk) < (best_distance, best.pk):
            best, best_distance = incident, distance
    return best


def _loose_neighbours(appeal: Appeal, topic: Topic) -> list[Appeal]:
    """Appeals of the topic near the appeal, within the window before it, not in an incident."""
    earlier = Q(created_at__lt=appeal.created_at) | Q(
        created_at=appeal.created_at, pk__lt=appeal.pk
    )
    candidates = _near(
        Appeal.objects.filter(
            region_id=appeal.region_id,
            category_id__in=topic.category_ids,
            created_at__gte=appeal.created_at - topic.rule.window,
            incident_membership__isnull=True,
        ).filter(earlier),
        appeal.latitude,
        appeal.longitude,
        topic.rule.radius_m,
        "latitude",
        "longitude",
    ).only("pk", "latitude", "longitude", "created_at")
    return [
        other
        for other in candidates
        if distance_m(appeal.latitude, appeal.longitude, other.latitude, other.longitude)
        <= topic.rule.radius_m
    ]


def _add(incident: Incident, appeals: list[Appeal]) -> None:
    IncidentAppeal.objects.bulk_create(
        [IncidentAppeal(incident=incident, appeal=a, added_at=a.created_at) for a in appeals]
    )


def _merge_close(incident: Incident, topic: Topic) -> Incident:
    """Merge active incidents of the topic whose centres came within the radius; the oldest
    survives. Repeated while the surviving centre moves into reach of another one."""
    for _round in range(20):
        close = [
            other
            for other in _near(
                Incident.objects.filter(
                    region_id=incident.region_id,
                    category_id=topic.category_id,
                    state=Incident.State.ACTIVE,
                    last_appeal_at__gte=incident.last_appeal_at - topic.rule.window,
                ).exclude(pk=incident.pk),
                incident.center_lat,
                incident.center_lon,
                topic.rule.radius_m,
                "center_lat",
                "center_lon",
            ).select_related("category", "region")
            if distance_m(
                incident.center_lat, incident.center_lon, other.center_lat, other.center_lon
            )
            <= topic.rule.radius_m
        ]
        if not close:
            return incident
        group = sorted([incident, *close], key=lambda i: (i.first_appeal_at, i.pk))
        survivor, absorbed = group[0], group[1:]
        absorbed_ids = [i.pk for i in absorbed]
        IncidentAppeal.objects.filter(incident_id__in=absorbed_ids).update(incident=survivor)
        from .models import ExternalSignal

        ExternalSignal.objects.filter(incident_id__in=absorbed_ids).update(incident=survivor)
        Incident.objects.filter(merged_into_id__in=absorbed_ids).update(merged_into=survivor)
        Incident.objects.filter(pk__in=absorbed_ids).update(
            state=Incident.State.MERGED, merged_into=survivor
        )
        incident = _refresh(survivor)
    return incident


def cluster_appeal(appeal: Appeal, *, rules: Rules | None = None, send: bool = True):
    """Put an arriving appeal into an incident: join the nearest active one of its topic, or
    form a new one with the loose appeals around it; then merge incidents that came close and
    check the growth. Returns the incident, or None when the appeal stays alone. Idempotent."""
    if appeal.latitude is None or appeal.longitude is None or appeal.category_id is None:
        return None
    existing = IncidentAppeal.objects.filter(appeal_id=appeal.pk).select_related("incident")
    if (membership := existing.first()) is not None:
        return membership.incident
    rules = rules or Rules()
    topic = rules.topic(appeal.category)
    try:
        with transaction.atomic():
            incident = _joinable(appeal, topic)
            if incident is not None:
                _add(incident, [appeal])
            else:
                neighbours = _loose_neighbours(appeal, topic)
                if len(neighbours) + 1 < topic.rule.min_appeals:
                    return None
                incident = Incident.objects.create(
                    region_id=appeal.region_id,
                    category_id=topic.category_id,
                    title="…",
                    center_lat=appeal.latitude,
                    center_lon=appeal.longitude,
                    first_appeal_at=appeal.created_at,
                    last_appeal_at=appeal.created_at,
                    created_at=appeal.created_at,
                )
                _add(incident, [*neighbours, appeal])
            incident = _merge_close(_refresh(incident), topic)
            check_growth(incident, now=appeal.created_at, send=send)
    except IntegrityError:
        # Another worker clustered the appeal (or a neighbour) at the same moment.
        logger.info("Appeal %s was clustered concurrently", appeal.pk)
        return None
    return incident


def on_new_appeal(appeal: Appeal) -> Incident | None:
    """The hook of the appeals outbox for a submitted appeal; never fails the batch."""
    try:
        with transaction.atomic():
            return cluster_appeal(appeal)
    except Exception:  # the outbox must go on: clustering is an aid, not the workflow
        logger.exception("Clustering of appeal %s failed", appeal.pk)
        return None


# ---------------------------------------------------------------------------- alerts


def _alert_recipients(incident: Incident) -> list:
    territory = Q(region_id=incident.region_id)
    if incident.municipality_id:
        territory |= Q(municipality_id=incident.municipality_id)
    user_ids = (
        Membership.objects.filter(territory, role__in=ALERT_ROLES, user__is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
    from otklik.accounts.models import User

    return list(User.objects.filter(pk__in=list(user_ids)).order_by("pk"))


def incident_url(incident: Incident) -> str:
    try:
        return settings.SITE_URL + reverse("office:incidents:detail", args=[incident.pk])
    except NoReverseMatch:
        return settings.SITE_URL


def check_growth(incident: Incident, *, now: datetime, send: bool = True) -> IncidentAlert | None:
    """Alert the region's operators and supervisors when the incident reached a new growth step
    fast (a burst within an hour, or a doubling within hours): once per step, written down.
    `send=False` writes the alert without letters (a rebuild replaying the past)."""
    step = clustering.growth_step(incident.appeal_count)
    if step is None or incident.state != Incident.State.ACTIVE:
        return None
    if IncidentAlert.objects.filter(incident=incident, step__gte=step).exists():
        return None
    created = list(
        IncidentAppeal.objects.filter(incident=incident).values_list(
            "appeal__created_at", flat=True
        )
    )
    reason = clustering.growth_reason(created, now)
    if reason is None:
        return None
    alert = IncidentAlert.objects.create(
        incident=incident,
        step=step,
        reason=reason,
        appeal_count=incident.appeal_count,
        recent_count=clustering.recent_count(created, now),
        created_at=now,
    )
    if send:
        from otklik.notifications.services import notify

        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Incident is growing: %(title)s") % {"title": incident.title}
            body = "\n\n".join(
                [
                    _("%(count)s appeals, %(recent)s of them in the last hour.")
                    % {"count": incident.appeal_count, "recent": alert.recent_count},
                    alert.get_reason_display().capitalize() + ".",
                    _("Open the incident: %(link)s") % {"link": incident_url(incident)},
                ]
            )
            sent = sum(
                1
                for person in _alert_recipients(incident)
                if notify(recipient=person, subject=subject, body=body)
            )
        alert.recipients = sent
        alert.save(update_fields=["recipients"])
    return alert


# ---------------------------------------------------------------------------- staff actions


def close_incident(*, incident: Incident, actor, now: datetime | None = None) -> Incident:
    """Close an active incident: it takes no more appeals (new ones form a new incident)."""
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if incident.state != Incident.State.ACTIVE:
            raise ValidationError(_("Only an active incident can be closed."), code="state")
        incident.state = Incident.State.CLOSED
        incident.closed_at = now or timezone.now()
        incident.closed_by = actor
        incident.save(update_fields=["state", "closed_at", "closed_by"])
    return incident


def reopen_incident(*, incident: Incident, actor) -> Incident:
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if incident.state != Incident.State.CLOSED:
            raise ValidationError(_("Only a closed incident can be reopened."), code="state")
        incident.state = Incident.State.ACTIVE
        incident.closed_at = None
        incident.closed_by = None
        incident.save(update_fields=["state", "closed_at", "closed_by"])
    return incident


def rename_incident(*, incident: Incident, actor, title: str) -> Incident:
    """Give the incident a title of staff's choosing; an empty title brings the generated one
    back."""
    title = " ".join((title or "").split())
    if len(title) > MAX_TITLE:
        raise ValidationError(
            _("The title is too long: at most %(limit)s characters.") % {"limit": MAX_TITLE},
            code="too_long",
        )
    with transaction.atomic():
        incident = (
            Incident.objects.select_for_update()
            .select_related("category", "region")
            .get(pk=incident.pk)
        )
        if title:
            incident.title, incident.title_is_custom = title, True
            incident.save(update_fields=["title", "title_is_custom"])
        else:
            incident.title_is_custom = False
            incident.save(update_fields=["title_is_custom"])
            _refresh(incident)
    return incident


QUIET_DAYS = 7


def close_quiet_incidents(*, now: datetime | None = None, days: int = QUIET_DAYS) -> int:
    """Close the active incidents that have had no appeal for `days` (the periodic job): they
    can take no more appeals anyway, and the list keeps the live ones on top."""
    now = now or timezone.now()
    return Incident.objects.filter(
        state=Incident.State.ACTIVE, last_appeal_at__lt=now - timedelta(days=days)
    ).update(state=Incident.State.CLOSED, closed_at=now)


# ---------------------------------------------------------------------------- rebuild


@dataclass
class RebuildResult:
    start: datetime
    removed: int
    appeals: int
    incidents: int


def rebuild_incidents(*, since: datetime, region=None) -> RebuildResult:
    """Recluster the appeals from `since` as if they arrived again one by one.

    Active and merged incidents touched by the window are removed and rebuilt (the window is
    widened to their first appeal); closed incidents stay as staff left them, with their
    appeals. Alerts are written again without letters."""
    from .models import ExternalSignal

    with transaction.atomic():
        touched = Incident.objects.exclude(state=Incident.State.CLOSED).filter(
            last_appeal_at__gte=since
        )
        if region is not None:
            touched = touched.filter(region=region)
        survivors = set(touched.values_list("pk", flat=True))
        merged = set(
            Incident.objects.filter(merged_into_id__in=survivors).values_list("pk", flat=True)
        )
        doomed = Incident.objects.filter(pk__in=survivors | merged)
        first = min(doomed.values_list("first_appeal_at", flat=True), default=since)
        start = min(first, since)
        ExternalSignal.objects.filter(
            incident__in=doomed, state=ExternalSignal.State.LINKED
        ).update(state=ExternalSignal.State.NEW)
        removed = len(survivors | merged)
        # Merged ones point at their survivor (PROTECT): they go first.
        doomed.filter(state=Incident.State.MERGED).delete()
        Incident.objects.filter(pk__in=survivors | merged).delete()
        appeals = Appeal.objects.filter(
            created_at__gte=start,
            latitude__isnull=False,
            longitude__isnull=False,
            category__isnull=False,
        )
        if region is not None:
            appeals = appeals.filter(region=region)
        rules = Rules()
        count = 0
        for appeal in (
            appeals.select_related("category").order_by("created_at", "pk").iterator(2000)
        ):
            cluster_appeal(appeal, rules=rules, send=False)
            count += 1
        incidents = Incident.objects.filter(first_appeal_at__gte=start)
        if region is not None:
            incidents = incidents.filter(region=region)
    return RebuildResult(start=start, removed=removed, appeals=count, incidents=incidents.count())
