"""REST /api/v1/inspections/: the day's points with reasons, plans with routes, building a plan
(with an Idempotency-Key) and moving a point; scoped by the token's user like the office."""

from __future__ import annotations

import pytest

from otklik.accounts.models import ApiScope, Role
from otklik.accounts.tokens import issue_token
from otklik.appeals.workflow import Status
from otklik.inspections.models import InspectionPlan, PlanStop
from tests.factories import staff
from tests.inspections.conftest import DAY, make_point, make_team

pytestmark = pytest.mark.django_db
BASE = "/api/v1/inspections"


@pytest.fixture(autouse=True)
def _fast_solver(settings):
    settings.INSPECTION_SOLVER_SECONDS = 0.2


def auth(user, *scopes):
    _token, key = issue_token(user=user, name="test", scopes=scopes or [ApiScope.APPEALS_MODERATE])
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


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
def chief(organization):
    return staff(
        Role.SUPERVISOR, organization, email="chief@example.ru", full_name="Иван Начальник"
    )


def build(client, headers, organization, **extra):
    body = {"organization": organization.pk, "day": DAY.isoformat(), **extra}
    return client.post(f"{BASE}/plans", body, content_type="application/json", **headers)


def test_points_of_the_day_with_reasons_and_appeal_numbers(
    client, chief, teams, municipality, appeal_in
):
    appeal = appeal_in(Status.ANSWERED)
    make_point(
        municipality,
        100,
        100,
        score=3,
        reasons=[
            {"code": "not_solved", "text": "Не решено", "weight": 3, "appeal_ids": [appeal.pk]}
        ],
    )
    make_point(municipality, 500, 100, score=5)
    answer = client.get(
        f"{BASE}/points?day={DAY.isoformat()}&municipality={municipality.pk}",
        **auth(chief, ApiScope.ANALYTICS_READ),
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 2
    assert [p["score"] for p in body["items"]] == [5, 3]
    assert body["items"][1]["reasons"][0] == {
        "code": "not_solved",
        "text": "Не решено",
        "weight": 3,
        "appeals": [appeal.number],
        "incident_id": None,
        "instruction_id": None,
    }


def test_build_get_list_and_move(client, chief, organization, teams, points):
    headers = auth(chief)
    answer = build(client, headers, organization, teams=[t.pk for t in teams])
    assert answer.status_code == 201, answer.content
    plan = answer.json()
    assert answer["Location"].endswith(f"/inspections/plans/{plan['id']}")
    assert plan["visited_count"] == 5 and plan["dropped_count"] == 0
    assert {r["team_name"] for r in plan["routes"]} == {"Бригада 1", "Бригада 2"}
    assert plan["greedy_km"] >= plan["total_km"] > 0
    assert plan["journal"][0]["action"] == "build" and plan["journal"][0]["by"] == "Иван Начальник"
    listed = client.get(f"{BASE}/plans?day={DAY.isoformat()}", **headers).json()
    assert [p["id"] for p in listed["items"]] == [plan["id"]]
    got = client.get(f"{BASE}/plans/{plan['id']}", **headers).json()
    first = next(r for r in got["routes"] if r["team"] == teams[0].pk)["stops"][0]
    moved = client.post(
        f"{BASE}/plans/{plan['id']}/moves",
        {"point": first["point"]["id"], "team": teams[1].pk},
        content_type="application/json",
        **headers,
    )
    assert moved.status_code == 200, moved.content
    stop = PlanStop.objects.get(plan_id=plan["id"], point_id=first["point"]["id"])
    assert stop.team == teams[1] and stop.pinned
    assert [e["action"] for e in moved.json()["journal"]] == ["move", "build"]
    again = build(client, headers, organization)
    assert again.status_code == 200
    assert [e["action"] for e in again.json()["journal"]] == ["rebuild", "move", "build"]


def test_dropped_points_carry_their_reason_in_both_languages(
    client, chief, organization, teams, municipality
):
    from datetime import time

    late = make_point(municipality, 100, 0, score=5)
    late.opens_at, late.closes_at = time(19), time(20)
    late.save()
    plan = build(client, auth(chief), organization).json()
    assert plan["dropped"][0]["reason"] == "hours"
    assert "смен" in plan["dropped"][0]["reason_ru"]
    assert "shift" in plan["dropped"][0]["reason_en"]


def test_a_retried_build_with_the_same_key_runs_once(client, chief, organization, teams, points):
    headers = {**auth(chief), "HTTP_IDEMPOTENCY_KEY": "plan-2026-03-16"}
    first = build(client, headers, organization)
    second = build(client, headers, organization)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    plan = InspectionPlan.objects.get()
    assert len(plan.params["journal"]) == 1


def test_scopes_and_people(
    client, chief, organization, teams, points, other_org_executor, operator, other_organization
):
    # A read-only key may read but not build.
    assert client.get(f"{BASE}/plans", **auth(chief, ApiScope.ANALYTICS_READ)).status_code == 200
    assert build(client, auth(chief, ApiScope.ANALYTICS_READ), organization).status_code == 403
    assert client.get(f"{BASE}/plans", **auth(chief, ApiScope.APPEALS_WORK)).status_code == 403
    # An executor (of another organization) has no teams to plan.
    assert client.get(f"{BASE}/plans", **auth(other_org_executor)).status_code == 403
    assert build(client, auth(other_org_executor), organization).status_code == 403
    # No key at all.
    assert client.get(f"{BASE}/plans").status_code == 401
    # The region's operator plans the region's teams.
    plan = build(client, auth(operator), organization).json()
    # Another organization's supervisor with teams of their own sees neither plan nor points.
    make_team(other_organization, other_organization.municipality, "Бригада Ельца")
    other = staff(Role.SUPERVISOR, other_organization, email="chief.elets@example.ru")
    headers = auth(other)
    assert client.get(f"{BASE}/plans/{plan['id']}", **headers).status_code == 404
    assert client.get(f"{BASE}/plans", **headers).json()["count"] == 0
    assert client.get(f"{BASE}/points?day={DAY.isoformat()}", **headers).json()["count"] == 0
    assert build(client, headers, organization).status_code == 404
    moved = client.post(
        f"{BASE}/plans/{plan['id']}/moves",
        {"point": points[0].pk, "team": teams[1].pk},
        content_type="application/json",
        **headers,
    )
    assert moved.status_code == 404
    # Their own organization's plan may not take a team of ours.
    foreign = build(client, headers, other_organization, teams=[teams[0].pk])
    assert foreign.status_code == 400
    assert foreign.json()["message_ru"] == "Выберите только бригады этой организации."


def test_the_operations_have_explicit_ids(client):
    schema = client.get("/api/v1/openapi.json").json()
    ids = {
        op["operationId"]
        for path, ops in schema["paths"].items()
        if "/inspections/" in path
        for op in ops.values()
    }
    assert ids == {
        "inspections_points_list",
        "inspections_plans_list",
        "inspections_plan_get",
        "inspections_plan_build",
        "inspections_plan_move_point",
    }
