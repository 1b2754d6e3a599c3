"""Where to look, and why: each function reads one kind of evidence of a municipality and
returns candidates (a place, a reason, a weight). services/points.py clusters and stores them.

(a) repeat appeals and durability failures: answered as solved, then a low rating, a «not
    solved», a failed follow-up or control call, or a new appeal of the topic within 100 m;
(b) places where work was done in the last months of a category whose season rule is on;
(c) active incidents; (d) open instructions that need a check on site; (e) topics the weekly
    forecast expects above their usual level, at the places they came from before.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Q

from otklik.appeals.models import Appeal, Rating
from otklik.appeals.workflow import Resolution, Status
from otklik.control.models import ControlCall, FollowUp, Instruction
from otklik.directory.models import Category, Municipality
from otklik.incidents.models import Incident, IncidentAppeal

from . import reasons
from .clusters import cluster

log = logging.getLogger(__name__)

LOOKBACK_DAYS = 90  # (a): signals of the last three months (KPI.md's durability window)
DURABILITY_CLOSED_DAYS = 180  # (a): closings whose durability a recent appeal decided
INSTRUCTION_DUE_DAYS = 3  # (d): an issued instruction is checked this close to its deadline
FORECAST_RATIO = 1.25  # (e): expected at least this many times the usual weekly count…
FORECAST_USUAL_WEEKS = 8  # …of the weeks before
FORECAST_HISTORY_DAYS = 365
FORECAST_MIN_APPEALS = 2  # (e): a place with this many appeals of the topic in the history
FORECAST_MIN_EXPECTED = 3  # (e): fewer expected appeals in a week is noise, not a rise


@dataclass(frozen=True)
class Candidate:
    key: str  # what the point would be built around: "appeal:12", "incident:3"…
    lat: float
    lon: float
    address: str
    code: str
    weight: float
    text: str
    appeal_ids: tuple[int, ...] = ()
    incident_id: int | None = None
    instruction_id: int | None = None
    category_id: int | None = None


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _placed(prefix: str = "") -> Q:
    """Appeals with a point on the map, of a public category: a private one (social aid…) is
    about a person, not a place, and its point is usually the applicant's home."""
    return Q(
        **{
            f"{prefix}latitude__isnull": False,
            f"{prefix}longitude__isnull": False,
            f"{prefix}category__is_public": True,
        }
    )


def _from_appeal(appeal: Appeal, code: str, text: str, *related: int) -> Candidate:
    return Candidate(
        f"appeal:{appeal.pk}",
        appeal.latitude,
        appeal.longitude,
        appeal.address,
        code,
        reasons.weight(code),
        text,
        tuple(dict.fromkeys((appeal.pk, *related))),
        category_id=appeal.category_id,
    )


def repeats_and_failures(m: Municipality, moment: datetime) -> list[Candidate]:
    """(a) The signals that a fix did not hold, in the last INSPECTION_LOOKBACK_DAYS."""
    since = moment - timedelta(days=_setting("INSPECTION_LOOKBACK_DAYS", LOOKBACK_DAYS))
    repeats = (
        Appeal.objects.filter(_placed("repeat_of__"), municipality=m, repeat_of__isnull=False)
        .filter(created_at__gte=since, created_at__lt=moment)
        .exclude(status=Status.REJECTED)
        .select_related("repeat_of")
    )
    found = [
        _from_appeal(
            a.repeat_of, reasons.REPEAT, reasons.repeat(a.number, a.repeat_of.number), a.pk
        )
        for a in repeats
    ]
    solved = Q(appeal__municipality=m, appeal__resolution=Resolution.SOLVED) & _placed("appeal__")
    for r in (
        Rating.objects.filter(solved, created_at__gte=since, created_at__lt=moment)
        .filter(Q(is_solved=False) | Q(score__lte=2))
        .select_related("appeal")
    ):
        if not r.is_solved:
            found.append(
                _from_appeal(r.appeal, reasons.NOT_SOLVED, reasons.not_solved(r.appeal.number))
            )
        else:
            text = reasons.low_rating(r.appeal.number, r.score)
            found.append(_from_appeal(r.appeal, reasons.LOW_RATING, text))
    on_site = Q(appeal__municipality=m) & _placed("appeal__")
    for f in FollowUp.objects.filter(
        on_site, fix_lasted=False, answered_at__gte=since, answered_at__lt=moment
    ).select_related("appeal"):
        text = reasons.follow_up_failed(f.appeal.number)
        found.append(_from_appeal(f.appeal, reasons.FOLLOW_UP_FAILED, text))
    calls = ControlCall.objects.filter(
        on_site, is_solved=False, completed_at__gte=since, completed_at__lt=moment
    ).select_related("appeal")
    found.extend(
        _from_appeal(c.appeal, reasons.CALL_FAILED, reasons.call_failed(c.appeal.number))
        for c in calls
    )
    return found


def durability_failures(m: Municipality, day: date, moment: datetime) -> list[Candidate]:
    """(a) Appeals closed in the last DURABILITY_CLOSED_DAYS followed by a new appeal of their
    topic within 100 m: analytics' own measure of KPI.md's durability failures."""
    from otklik.analytics.figures import Period, Scope
    from otklik.analytics.kpi import Window, durability_failures

    scope = Scope(region_id=m.region_id, municipality_id=m.pk)
    period = Period(day - timedelta(days=DURABILITY_CLOSED_DAYS), day + timedelta(days=1))
    failed = durability_failures(scope, Window(scope, period, day)).filter(created_at__lt=moment)
    return [
        _from_appeal(a, reasons.DURABILITY, reasons.durability(a.number, a.closed_at))
        for a in failed.order_by("closed_at", "pk")
    ]


def _subtree(category_id: int) -> list[int]:
    found, frontier = {category_id}, {category_id}
    while frontier:
        frontier = (
            set(Category.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            - found
        )
        found |= frontier
    return sorted(found)


def seasonal(m: Municipality, day: date, moment: datetime) -> list[Candidate]:
    """(b) Places where work was reported done within a season rule's look-back, while the
    rule's season is on."""
    from otklik.inspections.models import SeasonRule

    found = []
    for rule in SeasonRule.objects.filter(is_active=True).select_related("category"):
        if not rule.is_active_on(day):
            continue
        done = (
            Appeal.objects.filter(
                _placed(),
                municipality=m,
                category_id__in=_subtree(rule.category_id),
                resolution=Resolution.SOLVED,
                status__in=[Status.ANSWERED, Status.CLOSED],
                answered_at__gte=moment - timedelta(days=rule.lookback_days),
                answered_at__lt=moment,
            )
            .select_related("category__parent")
            .order_by("-answered_at", "pk")
        )
        for a in done:
            text = reasons.season(rule.name, a.number, a.category.name, a.answered_at)
            found.append(replace(_from_appeal(a, reasons.SEASON, text), weight=rule.weight))
    return found


def incidents(m: Municipality) -> list[Candidate]:
    """(c) Active incidents: their centre, to look around."""
    active = list(Incident.objects.active().filter(municipality=m).order_by("pk"))
    members: dict[int, list[int]] = {}
    addresses: dict[int, str] = {}
    for incident_id, appeal_id, address in (
        IncidentAppeal.objects.filter(incident__in=active)
        .order_by("appeal_id")
        .values_list("incident_id", "appeal_id", "appeal__address")
    ):
        members.setdefault(incident_id, []).append(appeal_id)
        addresses.setdefault(incident_id, address)
    extra = lambda n: min(reasons.INCIDENT_EXTRA, reasons.INCIDENT_PER_APPEAL * n)  # noqa: E731
    return [
        Candidate(
            f"incident:{i.pk}",
            i.center_lat,
            i.center_lon,
            addresses.get(i.pk) or i.title,
            reasons.INCIDENT,
            reasons.weight(reasons.INCIDENT) + extra(i.appeal_count),
            reasons.incident(i.title, i.appeal_count),
            tuple(sorted(members.get(i.pk, ()))),
            incident_id=i.pk,
            category_id=i.category_id,
        )
        for i in active
    ]


def instructions(m: Municipality, moment: datetime) -> list[Candidate]:
    """(d) Open instructions about a place: reported ones (is it really done?) and issued ones
    near or past their deadline (is anything happening?)."""
    due_by = moment + timedelta(days=_setting("INSPECTION_INSTRUCTION_DAYS", INSTRUCTION_DUE_DAYS))
    open_ = (
        Instruction.objects.filter(Q(organization__municipality=m) | Q(appeals__municipality=m))
        .filter(
            Q(state=Instruction.State.REPORTED)
            | Q(state=Instruction.State.ISSUED, due_at__lte=due_by)
        )
        .distinct()
        .order_by("due_at", "pk")
        .prefetch_related("appeals")
    )
    found = []
    for i in open_:
        appeals = sorted(i.appeals.all(), key=lambda a: a.pk)
        placed = [a for a in appeals if a.has_point]
        if i.latitude is not None and i.longitude is not None:
            lat, lon, address = i.latitude, i.longitude, i.address
        elif placed:
            lat, lon, address = placed[0].latitude, placed[0].longitude, placed[0].address
        else:
            continue
        if i.state == Instruction.State.REPORTED:
            code, text = reasons.INSTRUCTION_REPORTED, reasons.instruction_reported(i.pk)
        else:
            code, text = reasons.INSTRUCTION_DUE, reasons.instruction_due(i.pk, i.due_at)
        found.append(
            Candidate(
                f"instruction:{i.pk}",
                lat,
                lon,
                address or i.address,
                code,
                reasons.weight(code),
                text,
                tuple(a.pk for a in appeals),
                instruction_id=i.pk,
                category_id=placed[0].category_id if placed else None,
            )
        )
    return found


def forecast(m: Municipality, day: date, moment: datetime) -> list[Candidate]:
    """(e) Topic groups the forecast of `day`'s week expects above their usual level in the
    municipality, at the places their appeals came from in the last year. Nothing when no
    forecast was made for the week."""
    from otklik.analytics import forecast as fc

    checks = [c for c in fc.compare_week(region=m.region, week=day) if c.municipality_id == m.pk]
    if not checks:
        return []
    monday = day - timedelta(days=day.weekday())
    counts = fc.weekly_counts(m.region_id, monday - timedelta(weeks=FORECAST_USUAL_WEEKS), monday)
    groups = fc.topic_groups()
    found = []
    for check in checks:
        by_week = counts.get(check.group_id, {}).get(m.pk, {})
        usual = sum(by_week.values()) / FORECAST_USUAL_WEEKS
        if check.expected < max(usual * FORECAST_RATIO, usual + 1, FORECAST_MIN_EXPECTED):
            continue
        categories = [pk for pk, root in groups.items() if root == check.group_id]
        history = list(
            Appeal.objects.filter(_placed(), municipality=m, category_id__in=categories)
            .filter(created_at__gte=moment - timedelta(days=FORECAST_HISTORY_DAYS))
            .filter(created_at__lt=moment)
            .exclude(status=Status.REJECTED)
            .order_by("-created_at", "pk")
            .only("pk", "latitude", "longitude", "address", "category_id")
        )
        places = cluster(
            history,
            point=lambda a: (a.latitude, a.longitude),
            weight=lambda a: 0,
            radius_m=_setting("INSPECTION_CLUSTER_METRES", 100),
        )
        for place in places:
            if len(place) < FORECAST_MIN_APPEALS:
                continue
            leader = place[0]
            text = reasons.forecast(check.group, check.expected, usual, len(place))
            found.append(
                Candidate(
                    f"appeal:{leader.pk}",
                    leader.latitude,
                    leader.longitude,
                    leader.address,
                    reasons.FORECAST,
                    reasons.weight(reasons.FORECAST) * min(len(place), 4) / 2,
                    text,
                    tuple(sorted(a.pk for a in place)),
                    category_id=leader.category_id,
                )
            )
    return found
