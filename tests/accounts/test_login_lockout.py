"""Login throttling: failures per account and per address, the lock and its message, the same
answer for unknown accounts, the second factor's step under the same throttle."""

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client, override_settings

from otklik.accounts import totp, two_factor

PASSWORD = "Test-password-2026"  # tests/factories.py
# 10:00:10 UTC is 13:00 in Moscow; a 15-minute window starts at 10:00:00.
START = datetime(2026, 3, 2, 10, 0, 10, tzinfo=UTC)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
LOCKED = "Слишком много неудачных попыток входа. Попробуйте снова после 13:15."


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 5
    settings.LOGIN_FAILURES_PER_ADDRESS = 12
    settings.LOGIN_FAILURE_WINDOW_MINUTES = 15
    settings.LOGIN_LOCKOUT_MINUTES = 15


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def same_page(first, second, *emails) -> bool:
    """The two pages are the same but for the typed address and the CSRF token."""

    def plain(response):
        html = CSRF.sub("", response.content.decode())
        for email in emails:
            html = html.replace(email, "E")
        return html

    return plain(first) == plain(second)


def log_in(client, email, password, address="10.0.0.1"):
    return client.post(
        "/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=address
    )


def test_five_failures_lock_the_account_even_for_the_right_password_until_the_time_says(
    client, citizen, clock, caplog
):
    caplog.set_level(logging.INFO, logger="otklik.security")
    for _ in range(4):
        response = log_in(client, citizen.email, "wrong")
        assert response.status_code == 200
        assert "Пожалуйста, введите правильные" in response.content.decode()
    fifth = log_in(client, citizen.email, "wrong")
    assert fifth.status_code == 429
    html = fifth.content.decode()
    assert LOCKED in html
    assert f'value="{citizen.email}"' in html  # the typed address is kept
    assert "login locked: account" in caplog.text

    refused = log_in(client, citizen.email, PASSWORD)
    assert refused.status_code == 429 and LOCKED in refused.content.decode()
    assert "_auth_user_id" not in client.session

    clock.shift(timedelta(minutes=14, seconds=50))
    assert log_in(client, citizen.email, PASSWORD).status_code == 429
    clock.shift(timedelta(seconds=20))
    assert log_in(client, citizen.email, PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(citizen.pk)


def test_an_unknown_address_gets_the_same_answer(citizen, clock):
    known, unknown = Client(), Client()
    for _ in range(5):
        known_response = log_in(known, citizen.email, "wrong", address="10.0.0.1")
        unknown_response = log_in(unknown, "nobody@example.ru", "wrong", address="10.0.0.2")
        assert known_response.status_code == unknown_response.status_code
    assert unknown_response.status_code == 429
    html = unknown_response.content.decode()
    assert LOCKED in html and 'value="nobody@example.ru"' in html
    assert same_page(known_response, unknown_response, citizen.email, "nobody@example.ru")


def test_a_successful_login_clears_the_account_count(client, citizen, clock):
    for _ in range(4):
        log_in(client, citizen.email, "wrong")
    assert log_in(client, citizen.email, PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        assert log_in(client, citizen.email, "wrong").status_code == 200
    assert log_in(client, citizen.email, PASSWORD).status_code == 302


def test_one_address_trying_many_accounts_is_locked_and_others_are_not(
    client, citizen, other_citizen, clock, caplog
):
    caplog.set_level(logging.INFO, logger="otklik.security")
    for n in range(11):
        assert log_in(client, f"guess{n}@example.ru", "wrong").status_code == 200
    assert log_in(client, "guess11@example.ru", "wrong").status_code == 429
    assert "login locked: address 10.0.0.1" in caplog.text
    # Even a real account with its password, from that address.
    assert log_in(client, citizen.email, PASSWORD).status_code == 429
    # Another address is not concerned.
    assert log_in(Client(), other_citizen.email, PASSWORD, address="10.0.0.9").status_code == 302


def test_empty_fields_are_not_counted(client, citizen, clock):
    for _ in range(8):
        assert log_in(client, citizen.email, "").status_code == 200
    assert log_in(client, citizen.email, PASSWORD).status_code == 302


def test_the_code_step_counts_into_the_same_lock(settings, operator, clock, caplog):
    settings.STAFF_TWO_FACTOR = True
    caplog.set_level(logging.INFO, logger="otklik.security")
    device = two_factor.start_enrolment(user=operator)
    two_factor.confirm_enrolment(
        user=operator,
        code=totp.code_at(device.secret, START.timestamp() - 120),
        now=START - timedelta(minutes=2),
    )
    client = Client()
    # Two wrong passwords, the right one (the count stays: the login is not complete yet) …
    log_in(client, operator.email, "wrong")
    log_in(client, operator.email, "wrong")
    assert log_in(client, operator.email, PASSWORD).status_code == 302
    # … and three wrong codes lock the account.
    for _ in range(2):
        wrong = client.post("/accounts/two-factor/", {"code": "000000"}, REMOTE_ADDR="10.0.0.1")
        assert wrong.status_code == 200
    third = client.post("/accounts/two-factor/", {"code": "000000"}, REMOTE_ADDR="10.0.0.1")
    assert third.status_code == 429 and LOCKED in third.content.decode()
    right = totp.code_at(device.secret, START.timestamp())
    refused = client.post("/accounts/two-factor/", {"code": right}, REMOTE_ADDR="10.0.0.1")
    assert refused.status_code == 429
    assert client.get("/office/")["Location"].startswith("/accounts/two-factor/")
    # The password step is locked as well.
    assert log_in(Client(), operator.email, PASSWORD).status_code == 429

    clock.shift(timedelta(minutes=15, seconds=1))
    right = totp.code_at(device.secret, (START + timedelta(minutes=15, seconds=1)).timestamp())
    accepted = client.post("/accounts/two-factor/", {"code": right}, REMOTE_ADDR="10.0.0.1")
    assert accepted["Location"] == "/office/"  # staff start in the office
    assert client.get("/office/moderation/").status_code == 200
    assert "login locked: account" in caplog.text and "(step code)" in caplog.text


def test_recovery_codes_are_throttled_too(settings, operator, clock):
    settings.STAFF_TWO_FACTOR = True
    device = two_factor.start_enrolment(user=operator)
    code = totp.code_at(device.secret, START.timestamp())
    _, codes = two_factor.confirm_enrolment(user=operator, code=code, now=START)
    client = Client()
    client.force_login(operator)
    for _ in range(4):
        assert (
            client.post("/accounts/two-factor/", {"recovery_code": "aaaaa-bbbbb"}).status_code
            == 200
        )
    assert client.post("/accounts/two-factor/", {"recovery_code": "aaaaa-bbbbb"}).status_code == 429
    assert client.post("/accounts/two-factor/", {"recovery_code": codes[0]}).status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(settings, citizen, clock):
    settings.TRUSTED_PROXIES = 1
    proxy = Client(REMOTE_ADDR="127.0.0.1")
    for n in range(12):
        response = proxy.post(
            "/accounts/login/",
            {"username": f"guess{n}@example.ru", "password": "wrong"},
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
    assert response.status_code == 429
    # Another client behind the same proxy logs in.
    other = proxy.post(
        "/accounts/login/",
        {"username": citizen.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.2",
    )
    assert other.status_code == 302


def test_the_database_cache_keeps_the_count_for_the_whole_window(client, citizen, clock):
    """The embedded default: the database cache's incr rewrites a key with the default timeout
    (600 s); the count must still last the 15-minute window."""
    database_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "otklik_cache",
        }
    }
    with override_settings(CACHES=database_cache):
        call_command("createcachetable")
        for _ in range(4):
            assert log_in(client, citizen.email, "wrong").status_code == 200
        clock.shift(timedelta(minutes=11))
        assert log_in(client, citizen.email, "wrong").status_code == 429
        assert log_in(client, citizen.email, PASSWORD).status_code == 429


def test_the_admin_login_form_is_the_throttled_one(client, admin_user):
    response = client.get("/admin/login/?next=/admin/")
    assert response["Location"] == "/accounts/login/?next=/admin/"
    posted = client.post("/admin/login/", {"username": admin_user.email, "password": "wrong"})
    assert posted.status_code == 302 and "_auth_user_id" not in client.session
