"""`manage.py api_token`: issue a key (printed once), list keys, revoke one; and the admin."""

from io import StringIO

import pytest
from django.contrib import messages
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from otklik.accounts.models import ApiToken
from otklik.accounts.tokens import find_token, hash_key

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("api_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_prints_the_key_once_and_keeps_only_its_hash(citizen, region):
    out, err = run(
        "create",
        "--user",
        "Ivan.Petrov@example.ru",
        "--name",
        "Мобильное приложение",
        "--scopes",
        "appeals:read, appeals:file",
        "--region",
        "48",
        "--rate",
        "30",
        "--expires",
        "10",
    )
    key = out.strip()
    token = find_token(key)
    assert token is not None and token.user == citizen
    assert token.scopes == ["appeals:file", "appeals:read"]
    assert token.region == region and token.rate_per_minute == 30
    assert 9 <= (token.expires_at - timezone.now()).days <= 10
    assert token.key_hash == hash_key(key) and key not in str(token.__dict__)
    assert token.prefix in err
    response = Client().get("/api/v1/appeals/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "args",
    [
        ["--user", "nobody@example.ru", "--name", "x", "--scopes", "appeals:read"],
        ["--user", "ivan.petrov@example.ru", "--name", "x", "--scopes", "appeals:everything"],
        ["--user", "ivan.petrov@example.ru", "--name", "x", "--scopes", " , "],
        ["--user", "ivan.petrov@example.ru", "--name", "x", "--scopes", "open311", "--region", "7"],
        ["--user", "ivan.petrov@example.ru", "--name", "x", "--scopes", "open311", "--rate", "0"],
    ],
)
def test_create_refuses_bad_arguments_and_issues_nothing(citizen, region, args):
    with pytest.raises(CommandError):
        run("create", *args)
    assert ApiToken.objects.count() == 0


def test_list_shows_prefixes_never_keys_and_revoke_stops_the_key(citizen, operator):
    key = run("create", "--user", citizen.email, "--name", "App", "--scopes", "appeals:read")[0]
    run("create", "--user", operator.email, "--name", "CRM", "--scopes", "appeals:moderate")
    token = ApiToken.objects.get(name="App")
    listing = run("list")[0]
    assert token.prefix in listing and "CRM" in listing
    assert key.strip() not in listing
    assert "CRM" not in run("list", "--user", citizen.email)[0]
    assert "Revoked" in run("revoke", token.prefix)[0]
    assert find_token(key.strip()) is None
    assert token.prefix not in run("list")[0]
    assert "revoked" in run("list", "--all")[0]
    with pytest.raises(CommandError):
        run("revoke", token.prefix)


def test_the_admin_issues_a_key_shown_once_and_revokes_keys(admin_user, citizen):
    client = Client()
    client.force_login(admin_user)
    response = client.post(
        "/admin/accounts/apitoken/add/",
        {
            "user": citizen.pk,
            "name": "Портал района",
            "scopes": ["appeals:read", "appeals:file"],
            "rate_per_minute": 100,
        },
        follow=True,
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    [message] = [str(m) for m in response.context["messages"] if m.level == messages.WARNING]
    key = message.rsplit(" ", 1)[-1]
    assert find_token(key) == token
    assert sorted(token.scopes) == ["appeals:file", "appeals:read"]
    page = client.get(f"/admin/accounts/apitoken/{token.pk}/change/")
    assert page.status_code == 200
    assert key not in page.content.decode() and token.key_hash not in page.content.decode()
    client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert find_token(key) is None
