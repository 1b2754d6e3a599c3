"""The personal data access log: every showing of an applicant's name and contacts to staff is a
row (who, when, which appeal, where, from which address, the request's id), in the office, the
API and the administration; the applicant's own views and the roles that do not see the data
leave none; the log is never changed or deleted."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from otklik.accounts.tokens import issue_token
from otklik.appeals import personal_data
from otklik.appeals.models import PersonalDataAccess
from otklik.appeals.workflow import Status
from otklik.control import calls
from otklik.lib.client import client_ip
from tests.factories import UserFactory

Shown = PersonalDataAccess.Shown


def rows(**filters) -> list[tuple]:
    return list(
        PersonalDataAccess.objects.filter(**filters)
        .order_by("pk")
        .values_list("viewer__email", "appeal__number", "shown")
    )


def office_page(client, user, appeal, **extra):
    client.force_login(user)
    return client.get(reverse("office:appeal", args=[appeal.number]), **extra)


def bearer(user):
    _token, key = issue_token(user=user, name="test", scopes=["appeals:read", "appeals:work"])
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def appeal(appeal_in):
    return appeal_in(Status.IN_PROGRESS)


@pytest.mark.parametrize("role", ["operator", "admin_user", "executor"])
def test_each_office_view_of_the_applicant_is_one_row(client, request, appeal, citizen, role):
    user = request.getfixturevalue(role)
    page = office_page(client, user, appeal, HTTP_X_REQUEST_ID="req-0042-lb")
    assert citizen.phone in page.content.decode()
    office_page(client, user, appeal)
    assert rows() == [(user.email, appeal.number, Shown.OFFICE_APPEAL)] * 2
    first = PersonalDataAccess.objects.order_by("pk").first()
    assert first.client_ip == "127.0.0.1"
    assert first.request_id == "req-0042-lb"


@pytest.mark.parametrize("role", ["supervisor", "leadership"])
def test_roles_that_do_not_see_the_applicant_leave_no_row(client, request, appeal, citizen, role):
    page = office_page(client, request.getfixturevalue(role), appeal)
    assert page.status_code == 200
    assert citizen.phone not in page.content.decode()
    assert rows() == []


def test_a_page_refused_or_not_found_leaves_no_row(client, appeal, other_org_executor, citizen):
    assert office_page(client, other_org_executor, appeal).status_code == 404
    assert office_page(client, citizen, appeal).status_code == 403
    assert rows() == []


def test_the_moderation_page_is_logged(client, appeal_in, operator, citizen):
    fresh = appeal_in(Status.NEW)
    client.force_login(operator)
    page = client.get(reverse("office:moderate", args=[fresh.number]))
    assert citizen.full_name in page.content.decode()
    assert rows() == [(operator.email, fresh.number, Shown.OFFICE_MODERATION)]


def test_the_callers_call_page_is_logged_and_leaderships_view_without_the_phone_is_not(
    client, appeal_in, region, operator, caller, leadership, citizen
):
    appeal_in(Status.CLOSED)
    call = calls.draw_call_list(region=region, size=10, actor=operator).calls.get()
    url = reverse("office:call", args=[call.pk])
    client.force_login(leadership)
    assert citizen.phone not in client.get(url).content.decode()
    assert rows() == []
    client.force_login(caller)
    assert citizen.phone in client.get(url).content.decode()
    assert rows() == [(caller.email, call.appeal.number, Shown.OFFICE_CALL)]


def test_the_api_logs_staff_and_not_the_applicant_reading_their_own(appeal, citizen, executor):
    url = f"/api/v1/appeals/{appeal.number}"
    own = Client().get(url, **bearer(citizen)).json()
    assert own["personal"]["applicant_email"] == citizen.email
    assert rows() == []
    body = Client().get(url, HTTP_X_REQUEST_ID="abc-0001-lb", **bearer(executor)).json()
    assert body["personal"]["applicant_phone"] == citizen.phone
    assert rows() == [(executor.email, appeal.number, Shown.API_APPEAL)]
    assert PersonalDataAccess.objects.get().request_id == "abc-0001-lb"


def test_the_api_shows_leadership_and_supervisors_neither_contacts_nor_the_applicants_name(
    appeal, citizen, supervisor, leadership
):
    for user in (supervisor, leadership):
        response = Client().get(f"/api/v1/appeals/{appeal.number}", **bearer(user))
        assert response.status_code == 200
        assert response.json()["personal"] is None
        text = response.content.decode()
        assert citizen.full_name not in text and citizen.email not in text
        # Staff in scope still read who acted, the applicant as a role.
        assert any(event["actor"] for event in response.json()["history"])
    assert rows() == []


def test_an_api_action_that_answers_with_the_detail_is_logged(client, appeal, executor):
    response = client.post(f"/api/v1/work/{appeal.number}/take", **bearer(executor))
    assert response.status_code == 200, response.content
    assert rows() == [(executor.email, appeal.number, Shown.API_APPEAL)]


def test_the_administrations_appeal_page_is_logged(client, appeal, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("admin:appeals_appeal_change", args=[appeal.pk]))
    assert response.status_code == 200
    assert rows() == [(admin_user.email, appeal.number, Shown.ADMIN_APPEAL)]
    log = client.get(reverse("admin:appeals_personaldataaccess_changelist"))
    assert log.status_code == 200
    assert appeal.number in log.content.decode()
    filtered = client.get(
        reverse("admin:appeals_personaldataaccess_changelist") + "?shown=office.appeal"
    )
    assert appeal.number not in filtered.content.decode()


def test_the_log_cannot_be_changed_or_deleted_even_in_the_administration(
    client, appeal, operator, admin_user
):
    [row] = personal_data.record_access(viewer=operator, appeals=[appeal], shown=Shown.API_APPEAL)
    with pytest.raises(TypeError):
        PersonalDataAccess.objects.filter(pk=row.pk).update(shown=Shown.OFFICE_CALL)
    with pytest.raises(TypeError):
        PersonalDataAccess.objects.all().delete()
    with pytest.raises(TypeError):
        row.delete()
    with pytest.raises(TypeError):
        row.save()
    client.force_login(admin_user)
    change = reverse("admin:appeals_personaldataaccess_change", args=[row.pk])
    assert client.post(change, {"shown": "office.call"}).status_code == 403
    delete = reverse("admin:appeals_personaldataaccess_delete", args=[row.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:appeals_personaldataaccess_add")).status_code == 403
    assert rows() == [(operator.email, appeal.number, Shown.API_APPEAL)]


def test_a_list_of_appeals_is_one_insert_without_the_applicants_own(
    appeal_in, citizen, other_citizen, operator
):
    appeals = [appeal_in(Status.NEW), appeal_in(Status.NEW, applicant=other_citizen)]
    with CaptureQueriesContext(connection) as queries:
        made = personal_data.record_access(
            viewer=operator, appeals=[*appeals, appeals[0]], shown=Shown.OFFICE_MODERATION
        )
    assert len(made) == 2
    assert len(queries) == 1
    assert (
        personal_data.record_access(viewer=citizen, appeals=appeals[:1], shown="api.appeal") == []
    )
    assert PersonalDataAccess.objects.count() == 2


def test_the_client_is_the_proxys_word_only_behind_trusted_proxies(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.TRUSTED_PROXIES = 0
    assert client_ip(request) == "10.0.0.5"
    settings.TRUSTED_PROXIES = 1
    assert client_ip(request) == "203.0.113.9"
    settings.TRUSTED_PROXIES = 2
    assert client_ip(request) == "6.6.6.6"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="junk")) is None


def test_a_viewer_without_an_address_is_still_logged(appeal, db):
    viewer = UserFactory(email="auditor@example.ru", is_staff=True, is_superuser=True)
    [row] = personal_data.record_access(viewer=viewer, appeals=[appeal], shown=Shown.ADMIN_APPEAL)
    row.refresh_from_db()
    assert (row.client_ip, row.request_id) == (None, "")
