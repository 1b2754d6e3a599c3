"""Dashboards per role: leadership (the region), supervisor (own unit), operator (queues and
deadlines). Every number links to the list behind it, in a bounded number of queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from otklik.accounts.models import Role
from otklik.analytics.models import RankingSettings
from otklik.appeals import services
from otklik.appeals.workflow import Status
from otklik.control.models import CallList, ControlCall
from tests.factories import make_appeal, refresh_rollups, staff


@pytest.fixture
def state(
    appeal_in,
    region,
    other_municipality,
    other_organization,
    other_org_executor,
    category,
    citizen,
    other_citizen,
    operator,
    executor,
):
    now = timezone.now()
    overdue = appeal_in(Status.IN_PROGRESS, now=now - timedelta(days=70))
    elets_overdue = make_appeal(
        Status.IN_PROGRESS,
        region=region,
        applicant=other_citizen,
        operator=operator,
        executor_user=other_org_executor,
        organization=other_organization,
        category=category,
        municipality=other_municipality,
        now=now - timedelta(days=70),
    )
    waiting = appeal_in(Status.NEW, now=now - timedelta(days=10))  # past the registration deadline
    appeal_in(Status.NEW)
    appeal_in(Status.ANSWER_REVIEW)
    working = appeal_in(Status.IN_PROGRESS)
    services.request_postponement(
        appeal=working,
        actor=executor,
        new_due_date=(working.due_at + timedelta(days=5)).date(),
        reason="Нужна экспертиза покрытия.",
    )
    closed = appeal_in(Status.CLOSED)
    call_list = CallList.objects.create(
        region=region, title="Обзвон", size=5, closed_from=now - timedelta(days=7), closed_to=now
    )
    ControlCall.objects.create(call_list=call_list, appeal=closed, applicant=citizen)
    for _ in range(2):
        appeal_in(Status.ANSWERED)
    refresh_rollups()
    return {"overdue": overdue, "elets_overdue": elets_overdue, "waiting": waiting}


def _number(html: str, element_id: str) -> int:
    match = re.search(rf'id="{element_id}"[^>]*>(?:<[^>]+>)?(\d+)<', html)
    assert match, element_id
    return int(match.group(1))


@pytest.mark.django_db
def test_leadership_dashboard_shows_the_region(client, leadership, state):
    client.force_login(leadership)
    response = client.get("/office/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Разрыв «статистика — граждане»" in html
    assert "/office/weekly/" in html
    assert "<svg" in html and "Поступление обращений по неделям" in html
    section = response.context["sections"][0]
    assert section["kind"] == "leadership"
    assert section["overdue_now"] == 2
    # The number links to the appeals behind it, and there are as many.
    drill = client.get(section["overdue_now_url"])
    listed = {a.number for a in drill.context["page"]}
    assert listed == {state["overdue"].number, state["elets_overdue"].number}


@pytest.mark.django_db
def test_leadership_sees_best_and_worst_municipalities(client, leadership, region, state):
    RankingSettings.objects.create(region=region, minimum_appeals=1)
    client.force_login(leadership)
    section = client.get("/office/dashboard/").context["sections"][0]
    assert section["top"], "someone is ranked with a minimum of one appeal"
    assert section["top"][0]["rank"] == 1
    assert "municipality=" in section["top"][0]["url"]


@pytest.mark.django_db
def test_supervisor_dashboard_is_their_municipality_only(client, supervisor, municipality, state):
    client.force_login(supervisor)
    response = client.get("/office/dashboard/")
    assert response.status_code == 200
    section = response.context["sections"][0]
    assert section["kind"] == "supervisor"
    numbers = [a.number for a in section["overdue_appeals"]]
    assert numbers == [state["overdue"].number]
    assert section["overdue_now"] == 1
    assert "УДХ Липецка" in response.content.decode()
    assert all("Елец" not in str(u["name"]) for u in section["units"])
    assert "top" not in section  # no rankings for supervisors


@pytest.mark.django_db
def test_supervisor_of_an_organization(client, organization, state):
    boss = staff(Role.SUPERVISOR, organization)
    client.force_login(boss)
    response = client.get("/office/dashboard/")
    section = response.context["sections"][0]
    assert [a.number for a in section["overdue_appeals"]] == [state["overdue"].number]
    assert [u["name"] for u in section["units"]] == ["УДХ Липецка"]


@pytest.mark.django_db
def test_operator_dashboard_counts_queues_and_deadlines(client, operator, state):
    client.force_login(operator)
    response = client.get("/office/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert _number(html, "dash-moderation") == 2
    assert response.context["sections"][0]["moderation_late"] == 1
    assert "с истёкшим сроком регистрации" in html
    assert _number(html, "dash-answers") == 1
    assert _number(html, "dash-postponements") == 1
    assert _number(html, "dash-overdue-operator") == 2
    assert _number(html, "dash-calls") == 1
    for url in ("/office/moderation/", "/office/review/", "/office/calls/"):
        assert f'href="{url}"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.EXECUTOR, Role.CALLER, Role.FIELD])
def test_dashboard_is_not_for_executors_callers_field(client, role, region, organization):
    user = staff(role, organization if role == Role.EXECUTOR else region)
    client.force_login(user)
    assert client.get("/office/dashboard/").status_code == 403


@pytest.mark.django_db
def test_superuser_dashboard(client, admin_user, state):
    client.force_login(admin_user)
    response = client.get("/office/dashboard/")
    assert response.status_code == 200
    kinds = [s["kind"] for s in response.context["sections"]]
    assert kinds == ["leadership", "operator"]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["leadership", "supervisor", "operator"])
def test_dashboard_queries_do_not_grow_with_data(
    client, request, who, appeal_in, django_assert_max_num_queries, state
):
    user = request.getfixturevalue(who)
    client.force_login(user)
    with django_assert_max_num_queries(30):
        client.get("/office/dashboard/")
    now = timezone.now()
    for _ in range(6):
        appeal_in(Status.IN_PROGRESS, now=now - timedelta(days=50))
        appeal_in(Status.NEW)
    refresh_rollups()
    with django_assert_max_num_queries(30):
        client.get("/office/dashboard/")
