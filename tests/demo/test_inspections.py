"""The demo's field inspections: teams with bases and shifts, a season of checked points, problems
found before residents wrote, today's points and plans, and the forecasts of past weeks."""

from datetime import date, timedelta

from shapely.geometry import Point

from otklik.accounts.models import Role, User
from otklik.analytics.forecast import forecast_accuracy
from otklik.analytics.models import WeeklyForecast
from otklik.appeals.models import Appeal
from otklik.inspections.models import (
    FieldTeam,
    InspectionPlan,
    InspectionPoint,
    PlanStop,
    PointProposal,
    SeasonRule,
)
from otklik.lib.geo import distance_m, shape_from_geojson

TODAY = date(2026, 11, 20)  # conftest.NOW in the region's time
Status = InspectionPoint.Status


def test_teams_have_bases_inside_their_municipality_shifts_and_members(built):
    teams = list(FieldTeam.objects.select_related("municipality", "organization"))
    assert len(teams) >= 3
    assert {t.municipality.name for t in teams} == {"Липецк", "Елец"}
    for team in teams:
        shape = shape_from_geojson(team.municipality.boundary)
        assert shape.contains(Point(team.base_lon, team.base_lat)), team
        assert team.base_address.startswith("Липецкая обл., г. ")
        assert team.shift_start < team.shift_end
        assert team.organization.municipality_id == team.municipality_id
        assert team.members.count() >= 2
        for member in team.members.all():
            assert member.memberships.filter(
                role=Role.FIELD, organization=team.organization
            ).exists()


def test_the_demo_logins_of_the_inspections(built):
    brigade = User.objects.get(email="brigade@demo.otklik.ru")
    team = brigade.field_teams.get()
    assert team.municipality.name == "Липецк"
    lead = User.objects.get(email="teamlead@demo.otklik.ru").memberships.get()
    assert (lead.role, lead.organization) == (Role.SUPERVISOR, team.organization)


def test_season_rules_are_seeded_with_the_defaults(built):
    names = set(SeasonRule.objects.values_list("name", flat=True))
    assert "дорожное покрытие после оттепели" in names
    assert "отопление в начале отопительного сезона" in names
    assert len(names) >= 6


def test_a_season_of_checked_points_with_plans_and_stops(built):
    past = InspectionPoint.objects.filter(day__lt=TODAY)
    statuses = set(past.values_list("status", flat=True))
    assert statuses == {Status.CHECKED_FOUND, Status.CHECKED_OK, Status.NO_ACCESS}
    assert past.values("day").distinct().count() >= 4
    for point in past.select_related("checked_by"):
        assert point.reasons and point.score > 0
        assert point.reasons[0]["text"] and point.reasons[0]["appeal_ids"]
        assert point.checked_at.date() <= point.day + timedelta(days=1)
        assert point.checked_by.field_teams.exists()
        stop = point.stops.get()
        assert stop.team.municipality_id == point.municipality_id
        assert stop.eta <= stop.leave_at == point.checked_at
    found = past.filter(status=Status.CHECKED_FOUND).select_related("result_appeal")
    assert found.exists()
    for point in found:
        appeal = point.result_appeal
        assert appeal.channel == "inspection"
        assert appeal.created_at <= point.checked_at + timedelta(seconds=1)
        assert distance_m(appeal.latitude, appeal.longitude, point.latitude, point.longitude) < 1
        assert appeal.category_id in point.category_ids
    assert not past.exclude(status=Status.CHECKED_FOUND).exclude(result_appeal=None).exists()
    assert InspectionPlan.objects.filter(day__lt=TODAY).count() >= 8
    assert PointProposal.objects.filter(day__lt=TODAY).exists()


def test_inspections_found_some_problems_before_residents_wrote(built):
    found = Appeal.objects.filter(channel="inspection")
    residents = Appeal.objects.filter(channel__in=["portal", "api", "phone"])
    first, before = 0, 0
    for appeal in found:
        nearby = residents.filter(category=appeal.category).exclude(latitude=None)
        earlier = Appeal.objects.filter(
            category=appeal.category,
            created_at__lt=appeal.created_at,
            created_at__gte=appeal.created_at - timedelta(days=30),
        ).exclude(latitude=None)
        if any(
            distance_m(a.latitude, a.longitude, appeal.latitude, appeal.longitude) <= 100
            for a in earlier
        ):
            continue
        first += 1  # the inspection's appeal is the first report of the problem…
        later = nearby.filter(
            created_at__gt=appeal.created_at,
            created_at__lte=appeal.created_at + timedelta(days=14),
        )
        # …and a resident wrote about it days later.
        before += any(
            distance_m(a.latitude, a.longitude, appeal.latitude, appeal.longitude) <= 100
            for a in later
        )
    assert first >= 0.8 * found.count()
    assert before >= 2


def test_today_has_points_and_a_plan_for_the_teams(built):
    for team in FieldTeam.objects.all():
        assert InspectionPoint.objects.filter(municipality=team.municipality, day=TODAY).exists()
        assert InspectionPlan.objects.filter(organization=team.organization, day=TODAY).exists()
    stops = PlanStop.objects.filter(plan__day=TODAY, team__isnull=False)
    assert stops.exists()
    assert stops.filter(team__members__email="brigade@demo.otklik.ru").exists()
    plan = InspectionPlan.objects.filter(day=TODAY, created_by__email="teamlead@demo.otklik.ru")
    assert plan.exists()


def test_forecasts_exist_for_the_past_weeks_and_the_next(built):
    monday = TODAY - timedelta(days=TODAY.weekday())
    weeks = set(WeeklyForecast.objects.filter(region=built.region).values_list("week", flat=True))
    assert {monday + timedelta(weeks=k) for k in range(-8, 2)} <= weeks
    for forecast in WeeklyForecast.objects.filter(region=built.region)[:50]:
        assert forecast.made_at.date() < forecast.week
    accuracy = forecast_accuracy(region=built.region, until=TODAY)
    assert accuracy.weeks >= 8
    assert accuracy.coverage.denominator > 0
