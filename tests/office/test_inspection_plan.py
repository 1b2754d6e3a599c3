"""The supervisor's inspection pages: who may open them (a supervisor or operator with field
teams to plan; not an executor, not another organization, not anonymous), the points with
their reasons and links, building a plan, moving a point and re-planning, the plan's history."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from otklik.accounts.models import Role
from otklik.appeals.workflow import Status
from otklik.inspections.models import InspectionPlan, PlanStop, PointProposal
from tests.factories import staff
from tests.inspections.conftest import DAY, make_point, make_team

pytestmark = pytest.mark.django_db
POINTS = reverse("office:inspection_points")
PLAN = reverse("office:inspection_plan")
BUILD = reverse("office:inspection_build")


@pytest.fixture(autouse=True)
def _fast_solver(settings):
    settings.INSPECTION_SOLVER_SECONDS = 0.2


@pytest.fixture
def teams(organization, municipality):
    return [
        make_team(organization, municipality, "Бригада 1", 0, 0),
        make_team(organization, municipality, "Бригада 2", 3000, 0),
    ]


@pytest.fixture
def points(municipality, teams):
    return [make_point(municipality, 300 * k, 200, score=k) for k in range(1, 4)] + [
        make_point(municipality, 3000 + 300 * k, -200, score=k) for k in range(1, 3)
    ]


@pytest.fixture
def org_supervisor(organization):
    return staff(
        Role.SUPERVISOR, organization, email="chief@example.ru", full_name="Иван Начальник"
    )


@pytest.fixture
def other_supervisor(other_organization, other_municipality):
    make_team(other_organization, other_municipality, "Бригада Ельца", 0, 0)
    return staff(Role.SUPERVISOR, other_organization, email="chief.elets@example.ru")


def plan_url(organization):
    return f"{PLAN}?organization={organization.pk}&day={DAY.isoformat()}"


def build(client, organization, teams):
    return client.post(
        BUILD,
        {"organization": organization.pk, "day": DAY.isoformat(), "teams": [t.pk for t in teams]},
    )


# ---------------------------------------------------------------------------- who may open


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("org_supervisor", 200),
        ("operator", 200),
        ("admin_user", 200),
        ("other_org_executor", 403),
        ("executor", 403),
        ("leadership", 403),
        ("citizen", 403),
    ],
)
def test_who_may_open_the_pages(client, request, teams, who, expected):
    client.force_login(request.getfixturevalue(who))
    assert client.get(POINTS).status_code == expected
    assert client.get(PLAN).status_code == expected


def test_anonymous_is_sent_to_log_in(client, teams):
    for url in (POINTS, PLAN):
        answer = client.get(url)
        assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]
    assert client.post(BUILD).status_code == 302
    assert not InspectionPlan.objects.exists()


def test_a_supervisor_without_teams_gets_no_menu_link_and_403(client, org_supervisor):
    client.force_login(org_supervisor)
    assert client.get(PLAN).status_code == 403
    assert PLAN not in client.get(reverse("office:appeals")).text


def test_the_menu_link_shows_for_a_planner(client, org_supervisor, teams):
    client.force_login(org_supervisor)
    page = client.get(reverse("office:appeals")).text
    assert f'href="{PLAN}"' in page
    # A supervisor may record visits for the teams they supervise: «my route for today» too.
    assert f'href="{reverse("office:field_day")}"' in page


def test_another_organizations_supervisor_sees_only_their_own(
    client, other_supervisor, org_supervisor, organization, teams, points
):
    client.force_login(org_supervisor)
    assert build(client, organization, teams).status_code == 302
    plan = InspectionPlan.objects.get()
    client.force_login(other_supervisor)
    page = client.get(plan_url(organization))
    assert page.status_code == 200
    assert "Бригада 1" not in page.text and "ул. Тестовая" not in page.text
    assert "Выберите день и организацию из списка" in page.text
    assert "Бригада Ельца" in client.get(PLAN).text
    answer = build(client, organization, teams)
    assert answer.status_code == 302
    assert InspectionPlan.objects.get().updated_at == plan.updated_at
    moved = client.post(
        reverse("office:inspection_move", args=[plan.pk]),
        {"point": points[0].pk, "team": teams[1].pk},
    )
    assert moved.status_code == 404
    foreign_points = client.get(f"{POINTS}?municipality={points[0].municipality_id}")
    assert foreign_points.status_code == 200
    assert "ул. Тестовая" not in foreign_points.text


# ---------------------------------------------------------------------------- the points


def test_points_show_score_and_reasons_linking_to_what_is_behind(
    client, org_supervisor, teams, municipality, appeal_in
):
    appeal = appeal_in(Status.ANSWERED)
    make_point(
        municipality,
        100,
        100,
        score=7.0,
        reasons=[
            {
                "code": "not_solved",
                "text": f"Обращение {appeal.number} решено, но заявитель ответил «не решено»",
                "weight": 3.0,
                "appeal_ids": [appeal.pk],
            },
            {
                "code": "incident",
                "text": "Активный инцидент «Яма»",
                "weight": 4.0,
                "incident_id": 5,
            },
            {"code": "instruction_due", "text": "Поручение № 9", "weight": 2, "instruction_id": 9},
        ],
    )
    client.force_login(org_supervisor)
    page = client.get(f"{POINTS}?municipality={municipality.pk}&day={DAY.isoformat()}").text
    assert "заявитель ответил «не решено»" in page
    assert f'href="{reverse("office:appeal", args=[appeal.number])}"' in page
    assert f'href="{reverse("office:incidents:detail", args=[5])}"' in page
    assert f'href="{reverse("office:instruction", args=[9])}"' in page
    assert "7,0" in page  # the score, in Russian
    assert 'id="inspection-map-data"' in page


def test_proposing_again_for_the_day(client, org_supervisor, teams, municipality):
    client.force_login(org_supervisor)
    answer = client.post(
        reverse("office:inspection_propose"),
        {"municipality": municipality.pk, "day": DAY.isoformat()},
        follow=True,
    )
    assert answer.status_code == 200
    assert PointProposal.objects.filter(municipality=municipality, day=DAY).exists()
    assert "Предложено точек" in answer.text or "Points proposed" in answer.text


def test_proposing_outside_the_scope_is_refused(client, other_supervisor, municipality, teams):
    client.force_login(other_supervisor)
    answer = client.post(
        reverse("office:inspection_propose"),
        {"municipality": municipality.pk, "day": DAY.isoformat()},
    )
    assert answer.status_code == 403
    assert not PointProposal.objects.exists()


# ---------------------------------------------------------------------------- the plan


def test_build_move_and_replan(client, org_supervisor, organization, teams, points):
    client.force_login(org_supervisor)
    answer = build(client, organization, teams)
    assert answer.status_code == 302 and answer["Location"] == plan_url(organization)
    plan = InspectionPlan.objects.get()
    assert plan.created_by == org_supervisor and plan.visited_count == 5
    page = client.get(plan_url(organization)).text
    assert page.count('class="route-table"') == 2
    assert "Проверка на месте" in page
    assert re.search(r'id="plan-km">[\d,]+ км', page)
    assert "к ближайшему соседу" in page
    # Move the first team's first stop to the second team.
    first = plan.stops.filter(team=teams[0]).order_by("sequence").first()
    moved = client.post(
        reverse("office:inspection_move", args=[plan.pk]),
        {"point": first.point_id, "team": teams[1].pk},
    )
    assert moved.status_code == 302
    stop = PlanStop.objects.get(plan=plan, point_id=first.point_id)
    assert stop.team == teams[1] and stop.pinned
    page = client.get(plan_url(organization)).text
    assert "вручную" in page or "by hand" in page
    # Re-plan with the first team only.
    assert build(client, organization, teams[:1]).status_code == 302
    plan.refresh_from_db()
    assert plan.params["teams"] == [teams[0].pk]
    actions = [e["action"] for e in plan.params["journal"]]
    assert actions == ["build", "move", "rebuild"]
    assert {e["by"] for e in plan.params["journal"]} == {org_supervisor.pk}
    page = client.get(plan_url(organization)).text
    assert page.count("Иван Начальник") >= 3  # the history names who did each


def test_what_is_dropped_shows_why_in_russian(
    client, org_supervisor, organization, teams, municipality
):
    from datetime import time

    late = make_point(municipality, 100, 0, score=5)
    late.opens_at, late.closes_at = time(19), time(20)
    late.save()
    client.force_login(org_supervisor)
    build(client, organization, teams)
    page = client.get(plan_url(organization)).text
    assert "Исключены из плана" in page or "Dropped from the plan" in page
    assert "часы работы" in page or "working hours" in page


def test_a_plan_with_a_foreign_team_is_refused(
    client, org_supervisor, organization, teams, other_supervisor, other_organization
):
    foreign = other_organization.field_teams.get()
    client.force_login(org_supervisor)
    answer = client.post(
        BUILD,
        {"organization": organization.pk, "day": DAY.isoformat(), "teams": [foreign.pk]},
        follow=True,
    )
    assert answer.status_code == 200
    assert not InspectionPlan.objects.exists()


def test_earlier_plans_are_listed(client, org_supervisor, organization, teams, points):
    from datetime import timedelta

    from otklik.inspections.services import journal

    journal.build(organization=organization, day=DAY - timedelta(days=7), actor=org_supervisor)
    client.force_login(org_supervisor)
    page = client.get(plan_url(organization)).text
    assert "9 марта 2026" in page
