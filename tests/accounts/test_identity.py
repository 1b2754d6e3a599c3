"""The login seam: providers, the session's provider, mapping an external identity to a User."""

import pytest
from django.test import RequestFactory

from otklik.accounts import identity
from otklik.accounts.models import User
from tests.factories import UserFactory


def esia(**overrides):
    data = {
        "provider": "esia",
        "subject": "1000123456",
        "email": "Anna@Example.ru",
        "email_verified": True,
        "full_name": "Анна Иванова",
        "phone": "+7 900 111-22-33",
    }
    data.update(overrides)
    return identity.ExternalIdentity(**data)


def test_the_password_provider_is_registered_and_not_listed_as_external():
    provider = identity.get_provider("password")
    assert isinstance(provider, identity.PasswordProvider)
    assert provider.start_url(next_url="/my/") == "/accounts/login/?next=%2Fmy%2F"
    assert provider not in identity.external_providers()


def test_a_registered_provider_is_offered_on_the_login_page(client, monkeypatch):
    class Esia(identity.IdentityProvider):
        code = "esia"
        label = "Госуслуги"

        def start_url(self, *, next_url=""):
            return "/accounts/esia/start/"

    monkeypatch.setattr(identity, "_PROVIDERS", dict(identity._PROVIDERS))
    identity.register(Esia())
    page = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/esia/start/"' in page
    assert "Войти через Госуслуги" in page


def test_first_external_login_creates_a_confirmed_account_without_password(db):
    user = identity.user_for_identity(esia())
    assert (user.email, user.full_name, user.phone) == (
        "anna@example.ru",
        "Анна Иванова",
        "+7 900 111-22-33",
    )
    assert user.email_confirmed_at is not None
    assert not user.has_usable_password()
    assert identity.user_for_identity(esia()) == user
    assert User.objects.count() == 1


def test_an_external_login_finds_the_existing_account_and_confirms_it(db):
    existing = UserFactory(email="anna@example.ru", email_confirmed_at=None)
    assert identity.user_for_identity(esia()) == existing
    existing.refresh_from_db()
    assert existing.email_confirmed_at is not None


@pytest.mark.parametrize("overrides", [{"email_verified": False}, {"email": ""}])
def test_an_unverified_address_never_maps_to_an_account(db, overrides):
    UserFactory(email="anna@example.ru")
    with pytest.raises(identity.IdentityRefused):
        identity.user_for_identity(esia(**overrides))


def test_a_closed_account_is_not_reopened_by_an_external_login(db):
    UserFactory(email="anna@example.ru", is_active=False)
    with pytest.raises(identity.IdentityRefused):
        identity.user_for_identity(esia())


def test_log_in_remembers_the_provider_and_log_out_asks_it_where_to_go(citizen, monkeypatch):
    from django.contrib.sessions.backends.db import SessionStore

    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.user = citizen
    identity.log_in(request, citizen, provider="password")
    assert request.session[identity.SESSION_KEY] == "password"
    assert request.session["_auth_user_id"] == str(citizen.pk)
    monkeypatch.setattr(
        identity.PasswordProvider, "logout_url", lambda self, request: "/bye/", raising=True
    )
    assert identity.log_out(request) == "/bye/"
    assert "_auth_user_id" not in request.session
