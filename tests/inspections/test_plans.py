"""Building and changing a day's plan: stored routes and drops, scoping to the organization's
own teams, moving a point between teams."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from django.core.exceptions import ValidationError

from otklik.inspections.models import InspectionPlan, InspectionPoint, PlanStop
from otklik.inspections.services.plans import build_plan, move_point
from tests.inspections.conftest import DAY, MSK, NOW

pytestmark = pytest.mark.django_db
LIMIT = 0.2


@pytest.fixture
def teams(team_of, organization):
    return [team_of(organization, "Бригада 1", 0, 0), team_of(organization, "Бригада 2", 4000, 0)]


def test_a_plan_routes_the_points_and_stores_times_and_figures(
    teams, point_at, organization, supervisor
):
    near_first = [point_at(300 * k, 200, score=k) for k in range(1, 4)]
    near_second = [point_at(4000 + 300 * k, -200, score=k) for k in range(1, 3)]
    plan = build_plan(
        organization=organization, day=DAY, actor=supervisor, time_limit=LIMIT, now=NOW
    )
    stops = list(plan.stops.order_by("team", "sequence"))
    assert {s.point_id: s.team_id for s in stops} == {
        **{p.pk: teams[0].pk for p in near_first},
        **{p.pk: teams[1].pk for p in near_second},
    }
    first = stops[0]
    assert first.sequence == 1
    assert datetime.combine(DAY, time(8), MSK) < first.eta < first.leave_at
    assert (first.leave_at - first.eta).total_seconds() == 15 * 60
    assert plan.visited_count == 5 and plan.dropped_count == 0
    assert plan.total_km == pytest.approx(sum(s.travel_km for s in stops), abs=3)
    assert plan.total_km > 0 and plan.params["distances"] == "straight"
    assert plan.params["greedy_km"] >= plan.total_km
    assert plan.created_by == supervisor
    assert set(InspectionPoint.objects.values_list("status", flat=True)) == {"planned"}


def test_what_the_shifts_cannot_hold_is_dropped_with_its_reason(
    team_of, organization, point_at, supervisor
):
    team_of(organization, "Короткая смена", start=9, end=10)
    kept = [point_at(100 * k, 0, score=10) for k in range(1, 4)]
    low = point_at(400, 0, score=1)
    late = point_at(50, 0, score=20, opens_at=time(19), closes_at=time(20))
    plan = build_plan(
        organization=organization, day=DAY, actor=supervisor, time_limit=LIMIT, now=NOW
    )
    dropped = {s.point_id: s.drop_reason for s in plan.stops.filter(team__isnull=True)}
    assert dropped == {low.pk: PlanStop.DropReason.CAPACITY, late.pk: PlanStop.DropReason.HOURS}
    assert {s.point_id for s in plan.stops.filter(team__isnull=False)} == {p.pk for p in kept}
    assert InspectionPoint.objects.get(pk=low.pk).status == InspectionPoint.Status.DROPPED
    assert plan.dropped_count == 2


def test_a_plan_never_holds_another_organizations_team(
    teams, team_of, organization, other_organization, point_at, supervisor
):
    foreign = team_of(other_organization, "Чужая бригада", 100, 100)
    point_at(100, 100)
    plan = build_plan(
        organization=organization, day=DAY, actor=supervisor, time_limit=LIMIT, now=NOW
    )
    assert set(plan.stops.values_list("team", flat=True)) <= {t.pk for t in teams}
    assert foreign.pk not in plan.params["teams"]
    with pytest.raises(ValidationError):
        build_plan(organization=organization, day=DAY, teams=[teams[0], foreign], actor=supervisor)
    stop = plan.stops.first()
    with pytest.raises(ValidationError):
        move_point(plan=plan, point=stop.point, team=foreign, actor=supervisor)


def test_points_of_other_municipalities_and_other_plans_stay_out(
    teams, team_of, organization, other_organization, other_municipality, point_at, supervisor
):
    ours = point_at(100, 0)
    point_at(100, 0, municipality_=other_municipality)
    team_of(other_organization, "Елецкая", municipality_=other_municipality)
    taken = point_at(200, 0)
    other_plan = InspectionPlan.objects.create(organization=other_organization, day=DAY)
    PlanStop.objects.create(plan=other_plan, point=taken, team=None, drop_reason="capacity")
    InspectionPoint.objects.filter(pk=taken.pk).update(status=InspectionPoint.Status.PLANNED)
    plan = build_plan(
        organization=organization, day=DAY, actor=supervisor, time_limit=LIMIT, now=NOW
    )
    assert list(plan.stops.values_list("point", flat=True)) == [ours.pk]


def test_a_moved_point_stays_with_its_new_team_when_replanned(
    teams, organization, point_at, supervisor
):
    points = [point_at(200 * k, 0, score=2) for k in range(1, 4)] + [point_at(4200, 0)]
    plan = build_plan(
        organization=organization, day=DAY, actor=supervisor, time_limit=LIMIT, now=NOW
    )
    moved = points[0]
    assert plan.stops.get(point=moved).team == teams[0]
    plan = move_point(plan=plan, point=moved, team=teams[1], actor=supervisor, time_limit=LIMIT)
    stop = plan.stops.get(point=moved)
    assert (stop.team, stop.pinned) == (teams[1], True)
    assert plan.params["pins"] == {str(moved.pk): teams[1].pk}
    assert plan.params["moves"][0]["by"] == supervisor.pk
    # Moving another point keeps the first one pinned.
    plan = move_point(plan=plan, point=points[3], team=teams[0], actor=supervisor, time_limit=LIMIT)
    assert plan.stops.get(point=moved).team == teams[1]
    assert plan.stops.get(point=points[3]).team == teams[0]
    assert plan.stops.count() == 4 and plan.dropped_count == 0
    # Building the plan afresh forgets the moves.
    plan = build_plan(organization=organization, day=DAY, actor=supervisor, time_limit=LIMIT)
    assert plan.stops.get(point=moved).team == teams[0] and plan.params["pins"] == {}


def test_checked_points_keep_their_stop_when_the_plan_is_built_again(
    teams, organization, point_at, supervisor
):
    a, b = point_at(100, 0, score=2), point_at(300, 0)
    plan = build_plan(
        organization=organization, day=DAY, actor=supervisor, time_limit=LIMIT, now=NOW
    )
    InspectionPoint.objects.filter(pk=a.pk).update(status=InspectionPoint.Status.CHECKED_OK)
    before = plan.stops.get(point=a)
    plan = build_plan(
        organization=organization, day=DAY, actor=supervisor, time_limit=LIMIT, now=NOW
    )
    assert plan.stops.get(point=a).pk == before.pk
    assert plan.stops.get(point=b).sequence == before.sequence + 1
