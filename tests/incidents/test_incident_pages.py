"""The incident pages: list, page, map data and actions, scoped by role and territory."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from otklik.appeals.workflow import Status
from otklik.incidents import services
from otklik.incidents.models import Incident
from tests.factories import staff


@pytest.fixture
def incident(appeal_in, file_appeal):
    """Three pothole appeals in Lipetsk today; the first one is with the road service."""
    start = timezone.now() - timedelta(hours=6)
    worked = appeal_in(Status.IN_PROGRESS, now=start)
    services.on_new_appeal(worked)
    file_appeal(worked.created_at + timedelta(hours=1), east=40)
    file_appeal(worked.created_at + timedelta(hours=2), north=40)
    found = Incident.objects.get()
    found.worked = worked
    return found


def url(name, incident=None):
    args = [incident.pk] if incident is not None else []
    return reverse(f"office:incidents:{name}", args=args)


@pytest.mark.parametrize("who", ["operator", "supervisor", "leadership", "admin_user"])
def test_territory_staff_see_the_incident_with_all_its_appeals(client, incident, who, request):
    client.force_login(request.getfixturevalue(who))
    listing = client.get(url("list"))
    assert listing.status_code == 200
    assert incident.title in listing.content.decode()
    page = client.get(url("detail", incident))
    assert page.status_code == 200
    assert len(page.context["members"]) == 3
    assert page.context["hidden"] == 0
    points = client.get(url("points", incident)).json()
    assert len(points["features"]) == 3


def test_executor_sees_only_incidents_with_own_appeals_and_only_those_appeals(
    client, incident, executor
):
    client.force_login(executor)
    page = client.get(url("detail", incident))
    assert page.status_code == 200
    assert [m.appeal.number for m in page.context["members"]] == [incident.worked.number]
    assert page.context["hidden"] == 2
    assert "И ещё 2 обращения вне вашей зоны." in page.content.decode()
    points = client.get(url("points", incident)).json()
    assert [f["properties"]["number"] for f in points["features"]] == [incident.worked.number]
    assert not page.context["can_manage"]


@pytest.mark.parametrize("who", ["other_org_executor", "municipal_operator"])
def test_staff_of_other_territories_do_not_see_the_incident(client, incident, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("detail", incident)).status_code == 404
    assert client.get(url("points", incident)).status_code == 404
    assert incident.title not in client.get(url("list")).content.decode()
    assert client.get(url("geojson")).json()["features"] == []


def test_supervisor_of_another_municipality_does_not_see_it(client, incident, other_municipality):
    client.force_login(staff("supervisor", other_municipality))
    assert client.get(url("detail", incident)).status_code == 404


@pytest.mark.parametrize("who", ["citizen", "caller"])
def test_citizens_and_callers_are_kept_out(client, incident, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("list")).status_code == 403
    assert client.get(url("detail", incident)).status_code == 403


def test_anonymous_is_sent_to_log_in(client, incident):
    response = client.get(url("detail", incident))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_operator_closes_and_reopens(client, incident, operator):
    client.force_login(operator)
    response = client.post(url("close", incident))
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.state == Incident.State.CLOSED
    assert incident.closed_by == operator
    again = client.post(url("close", incident), follow=True)
    assert "Закрыть можно только активный инцидент." in again.content.decode()
    client.post(url("reopen", incident))
    incident.refresh_from_db()
    assert incident.state == Incident.State.ACTIVE


@pytest.mark.parametrize("who", ["executor", "leadership"])
def test_executor_and_leadership_cannot_close(client, incident, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.post(url("close", incident)).status_code == 403
    incident.refresh_from_db()
    assert incident.state == Incident.State.ACTIVE


def test_rename_and_back_to_the_generated_title(client, incident, supervisor):
    generated = incident.title
    client.force_login(supervisor)
    client.post(url("rename", incident), {"title": "Прорыв теплотрассы на Московской"})
    incident.refresh_from_db()
    assert (incident.title, incident.title_is_custom) == ("Прорыв теплотрассы на Московской", True)
    too_long = client.post(url("rename", incident), {"title": "я" * 301}, follow=True)
    assert too_long.status_code == 200
    assert "не более 300 символов" in too_long.content.decode()
    client.post(url("rename", incident), {"title": ""})
    incident.refresh_from_db()
    assert (incident.title, incident.title_is_custom) == (generated, False)


def test_incident_page_offers_an_instruction_about_its_appeals(client, incident, operator):
    client.force_login(operator)
    link = client.get(url("detail", incident)).context["instruction_url"]
    assert link.startswith(reverse("office:instruction_new"))
    assert incident.worked.number in link


def test_list_filters_and_bad_filters(client, incident, operator, other_municipality):
    client.force_login(operator)
    by_place = client.get(url("list"), {"municipality": other_municipality.pk})
    assert by_place.status_code == 200
    assert incident.title not in by_place.content.decode()
    by_topic = client.get(url("list"), {"category": incident.category_id, "state": "active"})
    assert incident.title in by_topic.content.decode()
    bad = client.get(url("list"), {"municipality": "x", "category": "99999999", "state": "zzz"})
    assert bad.status_code == 200
    assert client.get(url("list"), {"page": "abc"}).status_code == 200


def test_active_incidents_come_first(client, incident, operator, file_appeal):
    services.close_incident(incident=incident, actor=operator)
    later = timezone.now() - timedelta(hours=1)
    for minutes in (0, 5, 10):
        file_appeal(later + timedelta(minutes=minutes), east=3000)
    client.force_login(operator)
    shown = list(client.get(url("list")).context["page"].object_list)
    assert [i.state for i in shown] == [Incident.State.ACTIVE, Incident.State.CLOSED]
    assert shown[0].growth == 3


def test_list_query_count_does_not_grow_with_incidents(
    client, incident, operator, file_appeal, django_assert_max_num_queries
):
    base = timezone.now() - timedelta(hours=3)
    for east in (3000, 6000, 9000):
        for minutes in (0, 1, 2):
            file_appeal(base + timedelta(minutes=minutes), east=east + minutes)
    client.force_login(operator)
    with django_assert_max_num_queries(12):
        response = client.get(url("list"))
    assert len(response.context["page"].object_list) == 4


def test_geojson_of_active_incidents_for_the_leadership_map(client, incident, leadership, region):
    client.force_login(leadership)
    data = client.get(url("geojson"), {"region": region.pk}).json()
    [feature] = data["features"]
    assert feature["properties"]["count"] == 3
    assert feature["properties"]["url"] == url("detail", incident)
    services.close_incident(incident=incident, actor=leadership)
    assert client.get(url("geojson")).json()["features"] == []


def test_weekly_review_carries_the_incidents_map(client, leadership):
    client.force_login(leadership)
    page = client.get(reverse("office:weekly")).content.decode()
    assert 'id="incidents-map"' in page
    assert reverse("office:incidents:geojson") in page
    assert "js/incidents.js" in page
