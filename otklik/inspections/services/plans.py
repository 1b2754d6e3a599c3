"""A supervisor's plan of the day for an organization's field teams: the points of the teams'
municipalities routed by OR-Tools (routing.py) and stored as stops, each dropped point with
its reason; moving a point to another team pins it there and plans the rest again.

Who may build or change a plan is the interface's check; these functions check only that the
teams are the organization's own, so a plan never holds another organization's team.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from otklik.directory.models import Organization

from ..kpi import points_changed
from ..models import FieldTeam, InspectionPlan, InspectionPoint, PlanStop
from . import routing
from .distances import distance_matrix

SOLVER_SECONDS = 5.0
SETTLED = (
    InspectionPoint.Status.CHECKED_FOUND,
    InspectionPoint.Status.CHECKED_OK,
    InspectionPoint.Status.NO_ACCESS,
)


def _seconds(value: time | None) -> int | None:
    return None if value is None else value.hour * 3600 + value.minute * 60 + value.second


def _teams_of(organization: Organization, teams: Sequence[FieldTeam] | None) -> list[FieldTeam]:
    if teams is None:
        return list(
            FieldTeam.objects.filter(organization=organization, is_active=True).order_by("pk")
        )
    foreign = [t for t in teams if t.organization_id != organization.pk]
    if foreign:
        raise ValidationError(
            _("Team «%(team)s» belongs to another organization.") % {"team": foreign[0].name}
        )
    return sorted(teams, key=lambda t: t.pk)


def _points(plan: InspectionPlan, teams: list[FieldTeam]) -> list[InspectionPoint]:
    """The points the plan routes: open points of the teams' municipalities on the day, and
    the points already in this plan that no team has checked yet."""
    open_ = Q(status__in=[InspectionPoint.Status.PROPOSED, InspectionPoint.Status.DROPPED])
    ours = Q(stops__plan=plan)
    return list(
        InspectionPoint.objects.filter(
            municipality_id__in={t.municipality_id for t in teams}, day=plan.day
        )
        .filter(open_ | ours)
        .exclude(status__in=SETTLED)
        .distinct()
        .order_by("-score", "pk")
    )


def _solve(
    plan: InspectionPlan,
    teams: list[FieldTeam],
    pins: dict[int, int],
    *,
    time_limit: float | None,
    now: datetime,
) -> InspectionPlan:
    points = _points(plan, teams)
    team_keys = {t.pk for t in teams}
    pins = {p: t for p, t in pins.items() if t in team_keys}
    model_teams = [
        routing.Team(t.pk, _seconds(t.shift_start), _seconds(t.shift_end)) for t in teams
    ]
    stops = [
        routing.Stop(
            p.pk,
            p.service_minutes * 60,
            p.score,
            _seconds(p.opens_at),
            _seconds(p.closes_at),
            frozenset({pins[p.pk]}) if p.pk in pins else None,
        )
        for p in points
    ]
    matrix = distance_matrix(
        [(t.base_lat, t.base_lon) for t in teams] + [(p.latitude, p.longitude) for p in points]
    )
    limit = float(
        time_limit
        if time_limit is not None
        else getattr(settings, "INSPECTION_SOLVER_SECONDS", SOLVER_SECONDS)
    )
    solution = routing.solve(model_teams, stops, matrix, time_limit=limit)
    baseline = routing.greedy(model_teams, stops, matrix)
    zone = ZoneInfo(plan.organization.region.time_zone)
    midnight = datetime.combine(plan.day, time.min, tzinfo=zone)
    at = lambda seconds: midnight + timedelta(seconds=seconds)  # noqa: E731
    by_pk = {p.pk: p for p in points}
    with transaction.atomic():
        PlanStop.objects.filter(plan=plan, point__in=points).delete()
        # Stops already checked keep their places; the new ones are numbered after them.
        done = dict(
            PlanStop.objects.filter(plan=plan, team__isnull=False)
            .order_by()
            .values_list("team")
            .annotate(last=Max("sequence"))
        )
        rows = []
        for route in solution.routes.values():
            for n, visit in enumerate(route.visits, start=done.get(route.team, 0) + 1):
                rows.append(
                    PlanStop(
                        plan=plan,
                        point_id=visit.stop,
                        team_id=route.team,
                        sequence=n,
                        eta=at(visit.arrive),
                        leave_at=at(visit.leave),
                        travel_km=round(visit.travel_m / 1000, 3),
                        pinned=visit.stop in pins,
                    )
                )
        for pk, reason in solution.dropped.items():
            drop = (
                PlanStop.DropReason.HOURS
                if reason == routing.HOURS
                else PlanStop.DropReason.CAPACITY
            )
            rows.append(PlanStop(plan=plan, point_id=pk, pinned=pk in pins, drop_reason=drop))
        PlanStop.objects.bulk_create(rows)
        routed = set(solution.team_of())
        InspectionPoint.objects.filter(pk__in=routed).update(status=InspectionPoint.Status.PLANNED)
        InspectionPoint.objects.filter(pk__in=set(by_pk) - routed).update(
            status=InspectionPoint.Status.DROPPED
        )
        # Bulk updates send no signal: the points' KPI contributions follow explicitly.
        points_changed(by_pk)
        plan.params = {
            "teams": sorted(team_keys),
            "pins": {str(p): t for p, t in sorted(pins.items())},
            "time_limit": limit,
            "distances": matrix.source,
            "distance_note": matrix.note,
            "detour_factor": float(getattr(settings, "INSPECTION_DETOUR_FACTOR", 1.3)),
            "speed_kmh": float(getattr(settings, "INSPECTION_SPEED_KMH", 25)),
            "greedy_km": round(baseline.km, 3),
            "greedy_visited": baseline.visited,
        }
        plan.total_km = round(solution.km, 3)
        plan.total_minutes = solution.minutes
        plan.visited_count = solution.visited
        plan.dropped_count = len(solution.dropped)
        plan.solve_seconds = round(solution.solve_seconds, 3)
        plan.updated_at = now
        plan.save()
    return plan


def build_plan(
    *,
    organization: Organization,
    day: date,
    teams: Sequence[FieldTeam] | None = None,
    actor,
    time_limit: float | None = None,
    now: datetime | None = None,
) -> InspectionPlan:
    """Route the day's points for `teams` (default: the organization's active teams) and
    store the plan; building again replaces the routes and forgets earlier moves."""
    now = now or timezone.now()
    chosen = _teams_of(organization, teams)
    plan, _created = InspectionPlan.objects.get_or_create(
        organization=organization,
        day=day,
        defaults={"created_by": actor, "created_at": now, "updated_at": now},
    )
    if plan.created_by_id is None and actor is not None:
        plan.created_by = actor
    return _solve(plan, chosen, {}, time_limit=time_limit, now=now)


def move_point(
    *,
    plan: InspectionPlan,
    point: InspectionPoint,
    team: FieldTeam,
    actor,
    time_limit: float | None = None,
    now: datetime | None = None,
) -> InspectionPlan:
    """Give `point` to `team` and plan again: the point stays with that team (the solver may
    only use it), earlier moves stay pinned, everything else may change."""
    if team.organization_id != plan.organization_id:
        raise ValidationError(
            _("Team «%(team)s» belongs to another organization.") % {"team": team.name}
        )
    if not plan.stops.filter(point=point).exists():
        raise ValidationError(_("The point is not in this plan."))
    pins = {int(p): t for p, t in plan.params.get("pins", {}).items()}
    pins[point.pk] = team.pk
    keys = set(plan.params.get("teams", [])) | {team.pk}
    teams = list(
        FieldTeam.objects.filter(organization=plan.organization, pk__in=keys).order_by("pk")
    )
    now = now or timezone.now()
    moves = [*plan.params.get("moves", [])]
    moves.append(
        {
            "point": point.pk,
            "team": team.pk,
            "by": actor.pk if actor else None,
            "at": now.isoformat(),
        }
    )
    plan = _solve(plan, teams, pins, time_limit=time_limit, now=now)
    plan.params["moves"] = moves
    plan.save(update_fields=["params"])
    return plan
