"""Who sees what through the REST API: the token acts as its user (memberships) and within
its scopes; the public endpoints never show personal data or private categories."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from otklik.accounts.models import ApiScope, ApiToken
from otklik.accounts.tokens import issue_token, revoke_token
from otklik.appeals.models import Appeal
from otklik.appeals.workflow import Status

pytestmark = pytest.mark.django_db
URL = "/api/v1/appeals/"
ALL = list(ApiScope.values)


def bearer(user, *scopes, **options):
    _token, key = issue_token(user=user, name="test", scopes=scopes or ALL, **options)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def listed(auth, url=URL):
    response = Client().get(url, **auth)
    assert response.status_code == 200, response.content
    return {item["number"] for item in response.json()["items"]}


@pytest.fixture
def cast(appeal_in, other_citizen, other_organization, other_municipality):
    """A Lipetsk appeal of the citizen's, an Elets one of another resident's (other executor),
    a new one and a private one."""
    lipetsk = appeal_in(Status.IN_PROGRESS)
    elets = appeal_in(
        Status.IN_PROGRESS,
        applicant=other_citizen,
        organization=other_organization,
        municipality=other_municipality,
        executor_user=None,
    )
    fresh = appeal_in(Status.NEW)
    return {"lipetsk": lipetsk, "elets": elets, "new": fresh}


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("citizen", {"lipetsk", "new"}),
        ("other_citizen", {"elets"}),
        ("executor", {"lipetsk"}),
        ("other_org_executor", {"elets"}),
        ("operator", {"lipetsk", "elets", "new"}),
        ("municipal_operator", {"elets"}),
        ("supervisor", {"lipetsk", "new"}),
    ],
)
def test_each_role_lists_only_the_appeals_of_its_scope(cast, request, who, sees):
    user = request.getfixturevalue(who)
    assert listed(bearer(user)) == {cast[name].number for name in sees}


@pytest.mark.parametrize(
    ("who", "status"),
    [("citizen", 404), ("executor", 404), ("municipal_operator", 200), ("operator", 200)],
)
def test_reading_one_appeal_outside_the_scope_is_not_found(cast, request, who, status):
    user = request.getfixturevalue(who)
    response = Client().get(URL + cast["elets"].number, **bearer(user))
    assert response.status_code == status


def test_an_executor_reads_personal_data_of_its_appeals_only(cast, executor, citizen):
    body = Client().get(URL + cast["lipetsk"].number, **bearer(executor)).json()
    assert body["personal"]["applicant_email"] == citizen.email


def test_a_token_without_the_scope_is_forbidden(cast, citizen):
    auth = bearer(citizen, ApiScope.APPEALS_FILE)
    response = Client().get(URL, **auth)
    assert response.status_code == 403
    assert response.json()["error"] == "scope"
    assert "appeals:read" in response.json()["message_en"]
    rating = Client().post(
        f"{URL}{cast['lipetsk'].number}/rating",
        {"score": 5, "is_solved": True},
        content_type="application/json",
        **auth,
    )
    assert rating.status_code == 403
    filing = Client().post(
        URL, {"text": "Яма"}, content_type="application/json", **bearer(citizen, "appeals:read")
    )
    assert filing.status_code == 403
    assert Appeal.objects.count() == 3


def test_no_key_an_unknown_key_a_revoked_or_an_expired_key_is_unauthorized(citizen, region):
    client = Client()
    assert client.get(URL).status_code == 401
    assert client.get(URL, HTTP_AUTHORIZATION="Bearer otk_nonsense").status_code == 401
    token, key = issue_token(user=citizen, name="t", scopes=ALL)
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    revoke_token(token)
    response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["message_ru"] and response.json()["message_en"]
    _expired, old_key = issue_token(
        user=citizen, name="t", scopes=ALL, expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {old_key}").status_code == 401


def test_a_key_of_a_deactivated_user_is_unauthorized(citizen, region):
    auth = bearer(citizen)
    citizen.is_active = False
    citizen.save(update_fields=["is_active"])
    assert Client().get(URL, **auth).status_code == 401


def test_past_its_rate_a_key_is_throttled_with_retry_after(citizen, region):
    auth = bearer(citizen, rate_per_minute=3)
    client = Client()
    # Inside one fixed window: 20 seconds past a minute, the clock stopped.
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, 20, tzinfo=UTC), tick=False):
        _throttled_run(client, auth, citizen)


def _throttled_run(client, auth, citizen):
    codes = [client.get(URL, **auth).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get(URL, **auth)
    assert response.status_code == 429
    assert int(response["Retry-After"]) == 40
    assert response.json()["error"] == "throttled"
    # Another key of the same user has its own budget.
    assert client.get(URL, **bearer(citizen)).status_code == 200
    assert ApiToken.objects.count() == 2


def test_the_public_list_shows_only_public_appeals_without_personal_data(
    appeal_in, private_category, citizen
):
    shown = appeal_in(Status.IN_PROGRESS, contact_name="Секретный Звонящий")
    hidden_by_applicant = appeal_in(Status.IN_PROGRESS, is_public=False)
    private = appeal_in(Status.IN_PROGRESS, category=private_category)
    new = appeal_in(Status.NEW)
    response = Client().get(URL + "public/")
    assert response.status_code == 200
    assert {item["number"] for item in response.json()["items"]} == {shown.number}
    text = response.content.decode()
    for secret in (citizen.email, citizen.full_name, citizen.phone, "Секретный Звонящий"):
        assert secret not in text
    assert "personal" not in response.json()["items"][0]
    for appeal in (hidden_by_applicant, private, new):
        assert Client().get(f"{URL}public/{appeal.number}").status_code == 404
    one = Client().get(f"{URL}public/{shown.number}")
    assert one.status_code == 200
    assert citizen.email not in one.content.decode() and "personal" not in one.json()


def test_the_public_list_filters_by_municipality_and_status(appeal_in, municipality):
    lipetsk = appeal_in(Status.IN_PROGRESS)
    closed = appeal_in(Status.CLOSED)
    assert listed({}, f"{URL}public/?municipality={municipality.pk}") == {
        lipetsk.number,
        closed.number,
    }
    assert listed({}, f"{URL}public/?status=closed") == {closed.number}
    assert listed({}, f"{URL}public/?municipality={municipality.pk + 100}") == set()
