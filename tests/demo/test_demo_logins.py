"""Every demo login works and holds the role it is printed with."""

import io

from django.contrib.auth import authenticate

from otklik.accounts.models import Role, User
from otklik.appeals.models import Appeal
from otklik.demo.region import DEMO_LOGINS


def test_every_demo_login_authenticates(built):
    assert len(DEMO_LOGINS) == 10
    for label, email, password in DEMO_LOGINS:
        assert len(label) <= 28
        user = authenticate(None, username=email, password=password)
        assert user is not None, email


def test_demo_logins_hold_their_roles_and_scopes(built):
    users = {
        u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@demo.otklik.ru")
    }
    assert users["citizen"].is_applicant_only
    assert users["citizen"].appeals.count() >= 8
    executor = users["executor"].memberships.get()
    assert (executor.role, executor.organization.kind) == (Role.EXECUTOR, "road_service")
    assert executor.organization.municipality.name == "Липецк"
    assert Appeal.objects.visible_to(users["executor"]).exists()
    supervisor = users["supervisor"].memberships.get()
    assert (supervisor.role, supervisor.municipality.name) == (Role.SUPERVISOR, "Липецк")
    for name, role in (
        ("operator", Role.OPERATOR),
        ("leadership", Role.LEADERSHIP),
        ("caller", Role.CALLER),
        ("admin", Role.ADMIN),
    ):
        membership = users[name].memberships.get()
        assert (membership.role, membership.region) == (role, built.region)
    brigade = users["brigade"].memberships.get()
    assert (brigade.role, brigade.organization.short_name) == (Role.FIELD, "ДДХиБ г. Липецка")
    lead = users["teamlead"].memberships.get()
    assert (lead.role, lead.organization) == (Role.SUPERVISOR, brigade.organization)
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert not users["operator"].is_staff


def test_synthetic_citizens_are_plausible(built):
    citizens = User.objects.filter(email__endswith="@example.ru", memberships=None)
    assert citizens.count() >= 60
    for user in citizens[:50]:
        patronymic = user.full_name.split(" ")[2]
        assert patronymic.endswith(("вич", "вна", "ична", "ич"))
        assert user.phone.startswith("+7 900 ")
        assert user.has_usable_password()


def test_the_published_demo_api_keys_act_as_their_users_with_their_scopes(built):
    from otklik.accounts.tokens import find_token
    from otklik.demo.region import DEMO_API_KEYS

    assert len(DEMO_API_KEYS) == 4
    for name, email, key, scopes in DEMO_API_KEYS:
        assert len(name) <= 28
        token = find_token(key)
        assert token is not None, key
        assert (token.user.email, sorted(token.scopes)) == (email, sorted(scopes))
        assert token.region == built.region


def test_the_city_apps_key_is_a_client_systems_without_a_role_or_a_login(built):
    from otklik.accounts.tokens import find_token
    from otklik.demo.region import DEMO_CLIENT_EMAIL

    token = find_token("otk_demo_open311_2026")
    assert token.is_client
    assert token.user.email == DEMO_CLIENT_EMAIL
    assert token.user.is_applicant_only
    assert not token.user.has_usable_password()


def test_a_demo_whose_city_app_key_acted_as_the_operator_is_mended_by_the_next_start(built):
    from django.core.management import call_command

    from otklik.accounts.models import ApiToken
    from otklik.accounts.tokens import hash_key
    from otklik.demo.region import DEMO_CLIENT_EMAIL

    token = ApiToken.objects.get(key_hash=hash_key("otk_demo_open311_2026"))
    operator = User.objects.get(email="operator@demo.otklik.ru")
    ApiToken.objects.filter(pk=token.pk).update(user=operator)
    call_command("build_demo", verbosity=0, stdout=io.StringIO())
    token.refresh_from_db()
    assert token.user.email == DEMO_CLIENT_EMAIL
