"""REST API for figures: KPIs of a scope and period, the ranking, the weekly review's topics —
the same functions and scoping as the office pages."""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from otklik.accounts.models import ApiScope, Role
from otklik.accounts.tokens import issue_token
from otklik.analytics import figures, weekly
from otklik.analytics.figures import Period, Scope
from otklik.appeals.workflow import Status
from tests.factories import refresh_rollups, staff

MSK = ZoneInfo("Europe/Moscow")
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def auth(user, *scopes):
    scopes = scopes or [ApiScope.ANALYTICS_READ]
    _token, key = issue_token(user=user, name="test", scopes=scopes)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def figures_made(
    appeal_in, other_municipality, other_organization, other_org_executor, municipality
):
    """Three Lipetsk appeals and one of Elets, this month, in the rollups."""
    for status in (Status.IN_PROGRESS, Status.ANSWERED, Status.NEW):
        appeal_in(status)
    appeal_in(
        Status.IN_PROGRESS,
        municipality=other_municipality,
        organization=other_organization,
        executor_user=other_org_executor,
        latitude=other_municipality.center_lat,
        longitude=other_municipality.center_lon,
        address="г. Елец, ул. Мира, 1",
    )
    refresh_rollups()


def test_kpis_of_the_region_match_the_figures_and_carry_the_kpi_names(
    client, figures_made, operator, region
):
    response = client.get("/api/v1/analytics/kpis", **auth(operator))
    assert response.status_code == 200, response.content
    body = response.json()
    today = figures.today_in(region.pk)
    expected = figures.kpis(Scope(region.pk), Period.month(today), today)
    assert body["scope"] == {
        "region_id": region.pk,
        "municipality_id": None,
        "organization_id": None,
        "category": None,
    }
    assert body["period"]["kind"] == "month"
    kpis = body["kpis"]
    assert kpis["received"] == expected.received == 3
    assert kpis["overdue"]["name_en"] == "Overdue share"
    assert CYRILLIC.search(kpis["overdue"]["name_ru"])
    assert kpis["satisfaction"]["good_is"] == "high"
    assert kpis["overdue"]["denominator"] == expected.overdue.denominator
    assert kpis["time_to_answer"]["count"] == expected.time_to_answer.count
    assert set(body) >= {"previous", "year_before", "year_before_period"}


def test_kpis_of_a_municipality_and_a_category(client, figures_made, operator, other_municipality):
    headers = auth(operator)
    response = client.get(f"/api/v1/analytics/kpis?municipality={other_municipality.pk}", **headers)
    assert response.json()["kpis"]["received"] == 1
    response = client.get("/api/v1/analytics/kpis?category=traffic-lights", **headers)
    assert response.status_code == 404
    response = client.get("/api/v1/analytics/kpis?category=roads", **headers)
    assert response.json()["kpis"]["received"] == 3


def test_a_municipal_operator_sees_their_municipality_only(
    client, figures_made, municipal_operator, municipality, other_municipality
):
    headers = auth(municipal_operator)
    response = client.get("/api/v1/analytics/kpis", **headers)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["scope"]["municipality_id"] == other_municipality.pk
    assert body["kpis"]["received"] == 1
    response = client.get(f"/api/v1/analytics/kpis?municipality={municipality.pk}", **headers)
    assert response.status_code == 404
    # Rankings and the weekly review compare a whole region: not for them.
    assert client.get("/api/v1/analytics/ranking", **headers).status_code in (403, 404)
    assert client.get("/api/v1/analytics/weekly/topics", **headers).status_code == 403


def test_a_supervisor_is_clamped_to_their_municipality(
    client, figures_made, supervisor, municipality
):
    body = client.get("/api/v1/analytics/kpis", **auth(supervisor)).json()
    assert body["scope"]["municipality_id"] == municipality.pk
    assert body["kpis"]["received"] == 2


def test_bad_periods_are_bilingual_400s_and_foreign_regions_404(client, operator):
    headers = auth(operator)
    response = client.get(
        "/api/v1/analytics/kpis?period=custom&start=2026-03-10&end=2026-03-01", **headers
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert "end" in body["fields"]
    assert CYRILLIC.search(body["message_ru"]) and not CYRILLIC.search(body["message_en"])
    assert client.get("/api/v1/analytics/kpis?period=decade", **headers).status_code == 400
    assert client.get("/api/v1/analytics/kpis?region=999999", **headers).status_code == 404
    assert client.get("/api/v1/analytics/kpis?day=yesterday", **headers).status_code == 400


def test_ranking_lists_every_municipality_of_the_region(
    client, figures_made, leadership, municipality, other_municipality
):
    response = client.get("/api/v1/analytics/ranking?period=year", **auth(leadership))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["kind"] == "municipality"
    rows = {row["unit_id"]: row for row in body["rows"]}
    assert set(rows) == {municipality.pk, other_municipality.pk}
    assert rows[municipality.pk]["received"] == 2
    # Under the default minimum of 30 appeals: shown, not ranked.
    assert all(not row["ranked"] and row["rank"] is None for row in body["rows"])
    assert set(rows[municipality.pk]["components"]) == set(body["weights"])
    response = client.get("/api/v1/analytics/ranking?kind=organization", **auth(leadership))
    assert response.json()["kind"] == "organization"
    response = client.get("/api/v1/analytics/ranking?kind=street", **auth(leadership))
    assert response.status_code == 422


def test_weekly_topics_count_the_last_complete_weeks_appeals(client, appeal_in, leadership, region):
    week = weekly.last_complete_week(figures.today_in(region.pk))
    wednesday = datetime.combine(week.start + timedelta(days=2), time(10), tzinfo=MSK)
    appeal_in(Status.IN_PROGRESS, now=wednesday)
    appeal_in(Status.IN_PROGRESS, now=wednesday)
    refresh_rollups()
    headers = auth(leadership)
    response = client.get("/api/v1/analytics/weekly/topics", **headers)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["week"] == weekly.week_code(week)
    roads = next(t for t in body["topics"] if t["name"] == "Дороги")
    assert roads["count"] == 2
    assert [(c["name"], c["count"]) for c in roads["children"]] == [("Ямы", 2)]
    assert body["growing"][0]["name"] == "Ямы"
    response = client.get("/api/v1/analytics/weekly/topics?week=2026-W77", **headers)
    assert response.status_code == 400
    assert not CYRILLIC.search(response.json()["message_en"])
    assert CYRILLIC.search(response.json()["message_ru"])


def test_staff_without_a_figures_role_and_citizens_get_403(client, executor, citizen, region):
    field = staff(Role.FIELD, region)
    for user in (executor, citizen, field):
        headers = auth(user)
        assert client.get("/api/v1/analytics/kpis", **headers).status_code == 403
        assert client.get("/api/v1/analytics/weekly/topics", **headers).status_code == 403
