"""After the login staff land on their office start page, citizens on the portal; a safe
`next` address still wins, an unsafe one is ignored."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from otklik.accounts import totp, two_factor
from otklik.accounts.models import Role
from tests.factories import staff

PASSWORD = "Test-password-2026"  # tests/factories.py
ENROLLED = datetime(2026, 3, 2, 10, 0, 10, tzinfo=UTC)


def _log_in(client, user, next_url=""):
    data = {"username": user.email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data, follow=True)


def _landed(response) -> str:
    return response.redirect_chain[-1][0]


@pytest.mark.parametrize(
    ("person", "page"),
    [
        ("operator", "office:moderation"),
        ("executor", "office:inbox"),
        ("leadership", "office:dashboard"),
        ("supervisor", "office:dashboard"),
        ("caller", "office:calls"),
    ],
)
def test_staff_land_on_their_office_start_page_after_login(client, request, person, page):
    user = request.getfixturevalue(person)
    response = _log_in(client, user)
    assert response.status_code == 200
    assert _landed(response) == reverse(page)


def test_a_field_team_member_lands_on_the_field_report(client, region):
    user = staff(Role.FIELD, region, email="field@example.ru")
    response = _log_in(client, user)
    assert _landed(response) == reverse("office:field_report")


def test_a_superuser_without_roles_lands_in_the_office(client, admin_user):
    response = _log_in(client, admin_user)
    assert response.status_code == 200
    assert _landed(response).startswith("/office/")


def test_a_citizen_lands_on_the_portal_after_login(client, citizen):
    response = _log_in(client, citizen)
    assert response.status_code == 200
    assert _landed(response) == reverse("portal:home")


def test_a_safe_next_address_wins_over_the_start_page(client, executor, citizen):
    target = reverse("portal:my_appeals")
    assert _landed(_log_in(client, executor, target)) == target
    client.post("/accounts/logout/")
    assert _landed(_log_in(client, citizen, target)) == target


def test_an_unsafe_next_address_falls_back_to_the_start_page(client, executor):
    response = _log_in(client, executor, "https://evil.example.com/office/")
    assert _landed(response) == reverse("office:inbox")


def test_staff_pass_the_second_factor_and_then_land_on_their_start_page(client, settings, operator):
    settings.STAFF_TWO_FACTOR = True
    device = two_factor.start_enrolment(user=operator)
    two_factor.confirm_enrolment(
        user=operator, code=totp.code_at(device.secret, ENROLLED.timestamp()), now=ENROLLED
    )
    with time_machine.travel(ENROLLED + timedelta(minutes=5), tick=False):
        response = client.post(
            "/accounts/login/", {"username": operator.email, "password": PASSWORD}
        )
        assert response["Location"] == reverse("office:home")
        verify = client.get(response["Location"])["Location"]
        assert verify.startswith(reverse("two_factor:verify"))
        code = totp.code_at(device.secret, (ENROLLED + timedelta(minutes=5)).timestamp())
        response = client.post(verify, {"code": code}, follow=True)
    assert _landed(response) == reverse("office:moderation")
