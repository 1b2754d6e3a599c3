"""«Мой маршрут на сегодня»: the team's route today, the reports (JSON for the offline queue,
a redirect without JavaScript), the CSRF check kept, the service worker and the manifest, and
who sees which route."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from otklik.accounts.models import Role
from otklik.appeals.models import Appeal, Channel
from otklik.inspections.models import (
    FieldTeam,
    InspectionPlan,
    InspectionPoint,
    InspectionVisit,
    PlanStop,
)
from otklik.inspections.services.visits import team_today
from tests.factories import staff

pytestmark = pytest.mark.django_db
PAGE = "/office/field/day/"


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 40)).save(out, "JPEG")
    return SimpleUploadedFile("ok.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def member(organization):
    return staff(Role.FIELD, organization, email="brigada@example.ru")


def team_of(organization, name: str) -> FieldTeam:
    return FieldTeam.objects.create(
        organization=organization,
        municipality=organization.municipality,
        name=name,
        base_lat=52.61,
        base_lon=39.59,
    )


@pytest.fixture
def team(organization, member):
    team = team_of(organization, "Бригада 1")
    team.members.add(member)
    return team


@pytest.fixture
def route(team, organization, municipality):
    """Two points on the team's route today (in the region's time)."""
    today = team_today(team)
    plan = InspectionPlan.objects.create(organization=organization, day=today)
    points = []
    for n, (address, reason) in enumerate(
        [("ул. Ленина, 5", "Повторные жалобы на яму"), ("ул. Мира, 12", "После оттепели")],
        start=1,
    ):
        point = InspectionPoint.objects.create(
            municipality=municipality,
            day=today,
            key=f"t:{n}",
            latitude=52.6 + n / 100,
            longitude=39.59,
            address=address,
            reasons=[{"code": "t", "text": reason, "weight": 1}],
            status=InspectionPoint.Status.PLANNED,
        )
        PlanStop.objects.create(
            plan=plan,
            point=point,
            team=team,
            sequence=n,
            eta=timezone.now() + timedelta(hours=n),
        )
        points.append(point)
    return points


def test_the_route_page_lists_todays_points_with_navigation_and_forms(client, member, route):
    client.force_login(member)
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Мой маршрут на сегодня" in html
    assert "ул. Ленина, 5" in html and "Повторные жалобы на яму" in html
    first = route[0]
    assert f'href="geo:{first.latitude:.6f},{first.longitude:.6f}?q=' in html
    assert html.count('class="visit-form"') == 6  # three outcomes per point
    assert 'id="route-points"' in html and "field/day/sw.js" in html
    assert 'rel="manifest"' in html


def test_another_teams_member_sees_only_their_own_route(client, route, other_organization, team):
    stranger = staff(Role.FIELD, other_organization, email="chuzhoy@example.ru")
    team_of(other_organization, "Чужая бригада").members.add(stranger)
    client.force_login(stranger)
    html = client.get(PAGE).content.decode()
    assert "ул. Ленина, 5" not in html and "Чужая бригада" in html
    assert client.get(PAGE, {"team": team.pk}).status_code == 404
    response = client.post(
        reverse("office:field_day_visit", args=[route[0].pk]),
        {"key": str(uuid.uuid4()), "outcome": "no_access", "reason": "Закрыто."},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 403
    assert InspectionVisit.objects.count() == 0


def test_a_citizen_is_refused_and_a_supervisor_opens_the_teams_route(
    client, citizen, route, team, organization
):
    client.force_login(citizen)
    assert client.get(PAGE).status_code == 403
    boss = staff(Role.SUPERVISOR, organization, email="boss@example.ru")
    client.force_login(boss)
    listing = client.get(PAGE).content.decode()
    assert f"?team={team.pk}" in listing
    assert "ул. Ленина, 5" in client.get(PAGE, {"team": team.pk}).content.decode()


def test_a_report_is_recorded_once_per_key_and_answers_json(client, member, route, category):
    client.force_login(member)
    url = reverse("office:field_day_visit", args=[route[0].pk])
    data = {
        "key": str(uuid.uuid4()),
        "outcome": "found",
        "text": "Яма у остановки.",
        "category": category.pk,
    }
    first = client.post(url, data, HTTP_ACCEPT="application/json")
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["status"] == "sent" and body["appeal"]
    again = client.post(url, data, HTTP_ACCEPT="application/json")
    assert again.json() == body
    appeal = Appeal.objects.get()
    assert appeal.channel == Channel.INSPECTION and appeal.number == body["appeal"]
    settled = client.post(url, {**data, "key": str(uuid.uuid4())}, HTTP_ACCEPT="application/json")
    assert settled.status_code == 409 and settled.json()["errors"]
    bad = client.post(
        reverse("office:field_day_visit", args=[route[1].pk]),
        {"key": str(uuid.uuid4()), "outcome": "ok"},
        HTTP_ACCEPT="application/json",
    )
    assert bad.status_code == 400 and bad.json()["errors"]


def test_without_javascript_the_form_posts_and_comes_back(client, member, route):
    client.force_login(member)
    response = client.post(
        reverse("office:field_day_visit", args=[route[1].pk]),
        {"key": str(uuid.uuid4()), "outcome": "ok", "photos": jpeg()},
        follow=True,
    )
    assert response.redirect_chain[-1][0].startswith(PAGE)
    assert "Записано" in response.content.decode()
    assert InspectionVisit.objects.get().photos.count() == 1


def test_the_report_needs_the_csrf_token_the_page_carried(member, route):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    page = browser.get(PAGE)
    token = page.context["csrf_token"]
    url = reverse("office:field_day_visit", args=[route[0].pk])
    data = {"key": str(uuid.uuid4()), "outcome": "no_access", "reason": "Закрыто."}
    assert browser.post(url, data, HTTP_ACCEPT="application/json").status_code == 403
    sent = browser.post(url, data, HTTP_ACCEPT="application/json", HTTP_X_CSRFTOKEN=str(token))
    assert sent.status_code == 200 and sent.json()["status"] == "sent"


def test_the_service_worker_covers_the_page_and_the_manifest(client):
    worker = client.get("/office/field/day/sw.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == PAGE
    assert "no-cache" in worker["Cache-Control"] or "max-age=0" in worker["Cache-Control"]
    source = worker.content.decode()
    assert '"page": "/office/field/day/"' in source and "/static/js/field-day.js" in source
    # The policy lets the worker and its requests run: same origin, nothing to add.
    policy = worker["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "worker-src" not in policy
    manifest = client.get("/office/field/day/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    assert manifest.json()["scope"] == PAGE and manifest.json()["start_url"] == PAGE
