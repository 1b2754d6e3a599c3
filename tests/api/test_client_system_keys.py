"""A client system's key (open311 without a staff scope, like the demo's city app) files and
follows its requests but never acts with its user's staff role nor reads personal data; a staff
key's personal-data reads are logged under the key."""

import pytest
from django.test import Client

from otklik.accounts.models import ApiScope
from otklik.accounts.tokens import issue_token
from otklik.appeals.models import Appeal, PersonalDataAccess
from otklik.appeals.workflow import Status
from tests.api.test_open311_post import report
from tests.api.test_open311_services import body, get, make_attributes, post

pytestmark = pytest.mark.django_db
URL = "/api/v1/appeals/"
# The scopes of the demo's «Приложение города (Open311)» key.
CLIENT_SCOPES = [ApiScope.OPEN311, ApiScope.APPEALS_FILE, ApiScope.APPEALS_READ]


def key_of(user, scopes):
    return issue_token(user=user, name="Приложение города", scopes=scopes)


def rest(key, path="", method="get", body=None):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    if method == "post":
        return client.post(f"{URL}{path}", body or {}, content_type="application/json")
    return getattr(client, method)(f"{URL}{path}")


@pytest.fixture
def misissued(operator):
    """The demo's old mistake: the city app's key issued to the operator's account."""
    return key_of(operator, CLIENT_SCOPES)


def test_a_client_key_of_an_operator_reads_no_personal_data_of_what_it_filed(
    region, category, misissued
):
    make_attributes(category)
    _token, key = misissued
    created = body(post(Client(), "requests", "json", report(key)), "json")[0]
    response = rest(key, created["service_request_id"])
    assert response.status_code == 200
    assert response.json()["personal"] is None
    assert response.json()["text"].startswith("Глубокая яма")
    assert "Смирнова" not in response.content.decode()
    assert not PersonalDataAccess.objects.exists()


def test_a_client_key_of_an_operator_never_sees_the_operators_scope(appeal_in, misissued, operator):
    _token, key = misissued
    fresh = appeal_in(Status.NEW)
    registered = appeal_in(Status.REGISTERED)
    assert rest(key, fresh.number).status_code == 404
    assert rest(key, registered.number).status_code == 404
    assert rest(key).json()["items"] == []
    # Open311: the public appeal only, not the operator's unmoderated one.
    seen = [
        r["service_request_id"]
        for r in body(get(Client(), "requests", "json", {"api_key": key}), "json")
    ]
    assert seen == [registered.number]


def test_a_client_key_of_an_operator_reaches_no_moderation_endpoint(appeal_in, misissued):
    _token, key = misissued
    fresh = appeal_in(Status.NEW)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/moderation/queue").status_code == 403
    response = client.post(
        f"/api/v1/moderation/{fresh.number}/register", {}, content_type="application/json"
    )
    assert response.status_code == 403
    fresh.refresh_from_db()
    assert fresh.status == Status.NEW


def test_a_client_key_files_over_rest_on_someones_behalf_and_reads_it_back_without_contacts(
    region, category, operator, misissued
):
    _token, key = misissued
    response = rest(
        key,
        method="post",
        body={"text": "Яма у школы", "category": "potholes", "contact_name": "Анна Смирнова"},
    )
    assert response.status_code == 201, response.content
    appeal = Appeal.objects.get()
    assert (appeal.applicant, appeal.created_by, appeal.contact_name) == (
        None,
        operator,
        "Анна Смирнова",
    )
    assert response.json()["personal"] is None
    assert rest(key, appeal.number).json()["personal"] is None


def test_a_staff_keys_personal_data_read_is_logged_under_the_key(appeal_in, operator):
    token, key = key_of(operator, [ApiScope.APPEALS_READ, ApiScope.APPEALS_MODERATE])
    appeal = appeal_in(Status.REGISTERED)
    response = rest(key, appeal.number)
    assert response.json()["personal"]["applicant_name"] == appeal.applicant.full_name
    logged = PersonalDataAccess.objects.get()
    assert (logged.viewer, logged.appeal, logged.api_token) == (operator, appeal, token)


def test_an_office_read_is_logged_without_a_key(appeal_in, operator):
    from otklik.appeals import personal_data

    appeal = appeal_in(Status.REGISTERED)
    personal_data.record_access(
        viewer=operator, appeals=[appeal], shown=personal_data.Shown.OFFICE_APPEAL
    )
    assert PersonalDataAccess.objects.get().api_token is None


def test_the_personal_data_log_shows_the_key_in_the_admin(admin_client, appeal_in, operator):
    token, key = key_of(operator, [ApiScope.APPEALS_READ, ApiScope.APPEALS_MODERATE])
    rest(key, appeal_in(Status.REGISTERED).number)
    response = admin_client.get("/admin/appeals/personaldataaccess/")
    assert response.status_code == 200
    assert token.prefix in response.content.decode()
