"""The second factor of staff logins: TOTP codes, enrolment, the code page, recovery codes, the
administrator's reset, the demo's published key. The rest of the suite runs with it off."""

import hashlib
import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from otklik.accounts import totp, two_factor
from otklik.accounts.models import ApiScope, RecoveryCode, TotpDevice
from otklik.accounts.tokens import issue_token
from otklik.demo.region import DEMO_TOTP_SECRET, ensure_demo_devices
from tests.factories import UserFactory

PASSWORD = "Test-password-2026"  # tests/factories.py
# RFC 6238, appendix B: the SHA-1 key is the ASCII string "12345678901234567890".
RFC_KEY = b"12345678901234567890"
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]
MOMENT = datetime(2026, 3, 2, 10, 0, 10, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _two_factor_on(settings):
    settings.STAFF_TWO_FACTOR = True


def enrol(user, at: datetime = MOMENT) -> tuple[TotpDevice, list[str]]:
    """Enrol `user` through the services, as if they typed the app's code at `at`."""
    device = two_factor.start_enrolment(user=user)
    device, codes = two_factor.confirm_enrolment(
        user=user, code=totp.code_at(device.secret, at.timestamp()), now=at
    )
    return device, codes


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ---------------------------------------------------------------------------- codes


@pytest.mark.parametrize(("timestamp", "expected"), RFC_VECTORS)
def test_codes_match_the_rfc_6238_test_vectors(timestamp, expected):
    assert totp.hotp(RFC_KEY, totp.time_step(timestamp), digits=8) == expected
    # Six digits, as the apps show them: the same truncation, fewer digits.
    assert totp.code_at(RFC_SECRET, timestamp) == expected[-6:]


def test_a_code_one_step_off_is_accepted_two_steps_off_is_not():
    now = MOMENT.timestamp()
    step = totp.time_step(now)
    for offset in (-1, 0, 1):
        code = totp.code_at(RFC_SECRET, now + offset * 30)
        assert totp.match_step(RFC_SECRET, code, now) == step + offset
    for offset in (-2, 2):
        assert totp.match_step(RFC_SECRET, totp.code_at(RFC_SECRET, now + offset * 30), now) is None


def test_a_code_is_good_only_after_the_last_accepted_step():
    now = MOMENT.timestamp()
    code = totp.code_at(RFC_SECRET, now)
    step = totp.match_step(RFC_SECRET, code, now)
    assert totp.match_step(RFC_SECRET, code, now, after_step=step) is None
    assert totp.match_step(RFC_SECRET, code, now, after_step=step - 1) == step


def test_spaces_are_allowed_and_anything_but_six_digits_is_refused():
    now = MOMENT.timestamp()
    code = totp.code_at(RFC_SECRET, now)
    assert totp.match_step(RFC_SECRET, f"{code[:3]} {code[3:]}", now) is not None
    for wrong in ("", "12345", "1234567", "abcdef", "١٢٣٤٥٦", code + "0"):
        assert totp.match_step(RFC_SECRET, wrong, now) is None


def test_new_secrets_are_random_base32_and_the_uri_names_the_account():
    first, second = totp.new_secret(), totp.new_secret()
    assert first != second and len(first) == 32 and re.fullmatch(r"[A-Z2-7]+", first)
    uri = totp.provisioning_uri(first, account="operator@example.ru", issuer="Otklik")
    assert uri.startswith("otpauth://totp/Otklik:operator@example.ru?")
    assert f"secret={first}" in uri and "issuer=Otklik" in uri


def test_a_replayed_code_is_refused_by_the_device(operator):
    device, _ = enrol(operator)
    later = MOMENT + timedelta(seconds=60)
    code = totp.code_at(device.secret, later.timestamp())
    assert two_factor.verify_code(user=operator, code=code, now=later) is not None
    assert two_factor.verify_code(user=operator, code=code, now=later) is None
    # The next step's code is fine.
    nxt = later + timedelta(seconds=30)
    assert two_factor.verify_code(
        user=operator, code=totp.code_at(device.secret, nxt.timestamp()), now=nxt
    )


# ---------------------------------------------------------------------------- who is asked


def test_staff_logging_in_enrol_then_see_recovery_codes_once_then_reach_the_office(
    client, operator, caplog
):
    caplog.set_level(logging.INFO, logger="otklik.security")
    response = client.post(
        "/accounts/login/", {"username": operator.email, "password": PASSWORD, "next": "/office/"}
    )
    assert response["Location"] == "/office/"
    response = client.get("/office/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/?next=%2Foffice%2F"
    response = client.get(response["Location"])
    assert response["Location"] == "/accounts/two-factor/setup/?next=%2Foffice%2F"

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "<script" not in html
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    assert '<label for="id_code">Код из приложения</label>' in html
    device = TotpDevice.objects.get(user=operator)
    assert device.confirmed_at is None
    assert totp.group(device.secret) in html
    # A reload shows the same key: the QR code scanned a moment ago stays good.
    assert totp.group(device.secret) in client.get("/accounts/two-factor/setup/").content.decode()

    wrong = client.post("/accounts/two-factor/setup/", {"code": "000000", "next": "/office/"})
    assert wrong.status_code == 200
    assert "Код неверный" in wrong.content.decode()
    assert client.get("/office/")["Location"].startswith("/accounts/two-factor/")

    code = totp.code_at(device.secret, datetime.now(UTC).timestamp())
    done = client.post("/accounts/two-factor/setup/", {"code": code, "next": "/office/"})
    assert done["Location"] == "/accounts/two-factor/recovery-codes/?next=%2Foffice%2F"
    shown = client.get(done["Location"]).content.decode()
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", shown)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert 'href="/office/"' in shown
    # Stored hashed, shown once.
    stored = set(RecoveryCode.objects.filter(user=operator).values_list("code_hash", flat=True))
    assert codes[0] not in stored
    assert hashlib.sha256(codes[0].replace("-", "").encode()).hexdigest() in stored
    again = client.get("/accounts/two-factor/recovery-codes/").content.decode()
    assert codes[0] not in again and "10 неиспользованных резервных кодов" in again

    assert client.get("/office/moderation/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed_at is not None
    assert "two-factor enrolment failed" in caplog.text
    assert "two-factor enrolled" in caplog.text


def test_an_enrolled_member_of_staff_types_the_code_and_a_wrong_one_keeps_the_page(
    operator, caplog
):
    caplog.set_level(logging.INFO, logger="otklik.security")
    device, _ = enrol(operator, datetime.now(UTC) - timedelta(minutes=5))
    client = logged_in(operator)
    assert client.get("/office/")["Location"] == "/accounts/two-factor/?next=%2Foffice%2F"
    page = client.get("/accounts/two-factor/?next=/office/").content.decode()
    assert "Подтвердите вход" in page and 'value="/office/"' in page
    # An enrolled user cannot start another enrolment with the password alone.
    assert client.get("/accounts/two-factor/setup/")["Location"].startswith("/accounts/two-factor/")
    assert TotpDevice.objects.get(user=operator).secret == device.secret

    wrong = client.post("/accounts/two-factor/", {"code": "12 34 56", "next": "/office/"})
    assert wrong.status_code == 200
    html = wrong.content.decode()
    assert "Код неверный" in html and 'value="/office/"' in html
    assert "two-factor code refused" in caplog.text

    code = totp.code_at(device.secret, datetime.now(UTC).timestamp())
    right = client.post("/accounts/two-factor/", {"code": code, "next": "/office/"})
    assert right["Location"] == "/office/"
    assert client.get("/office/moderation/").status_code == 200
    assert "two-factor code accepted" in caplog.text
    # The same code in another session is a replay.
    other = logged_in(operator)
    replay = other.post("/accounts/two-factor/", {"code": code})
    assert replay.status_code == 200 and "Код неверный" in replay.content.decode()


def test_an_outside_next_address_is_not_followed(operator):
    device, _ = enrol(operator, datetime.now(UTC) - timedelta(minutes=5))
    client = logged_in(operator)
    code = totp.code_at(device.secret, datetime.now(UTC).timestamp())
    response = client.post("/accounts/two-factor/", {"code": code, "next": "https://evil.example/"})
    assert response["Location"] == "/office/"  # the operator's start page


def test_a_recovery_code_works_once(operator, caplog):
    caplog.set_level(logging.INFO, logger="otklik.security")
    _, codes = enrol(operator)
    first = logged_in(operator)
    used = first.post(
        "/accounts/two-factor/", {"recovery_code": codes[3].upper(), "next": "/office/"}
    )
    assert used["Location"] == "/office/"
    assert first.get("/office/moderation/").status_code == 200
    second = logged_in(operator)
    again = second.post("/accounts/two-factor/", {"recovery_code": codes[3]})
    assert again.status_code == 200
    assert "резервный код неверный или уже использован" in again.content.decode()
    assert second.get("/office/")["Location"].startswith("/accounts/two-factor/")
    assert "recovery code used" in caplog.text and "9 left" in caplog.text


def test_new_recovery_codes_replace_the_old_ones(operator):
    device, old = enrol(operator, datetime.now(UTC) - timedelta(minutes=5))
    client = logged_in(operator)
    code = totp.code_at(device.secret, datetime.now(UTC).timestamp())
    client.post("/accounts/two-factor/", {"code": code})
    response = client.post("/accounts/two-factor/recovery-codes/new/")
    new = re.findall(
        r"<code>([a-z2-9-]{11})</code>", client.get(response["Location"]).content.decode()
    )
    assert len(new) == 10 and not set(new) & set(old)
    assert two_factor.use_recovery_code(user=operator, code=old[0]) is None
    assert two_factor.use_recovery_code(user=operator, code=new[0]) is not None


def test_citizens_are_not_asked(client, citizen):
    response = client.post("/accounts/login/", {"username": citizen.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/accounts/profile/").status_code == 200
    assert client.get(reverse("portal:my_appeals")).status_code == 200
    assert client.get("/accounts/two-factor/")["Location"] == "/"
    assert client.get("/accounts/two-factor/setup/")["Location"] == "/"
    assert not TotpDevice.objects.exists()


def test_every_staff_page_waits_for_the_code_but_the_login_pages_do_not(operator, admin_user):
    client = logged_in(operator)
    for path in ("/", "/office/", "/accounts/profile/", "/admin/"):
        assert client.get(path)["Location"].startswith("/accounts/two-factor/?next="), path
    assert client.post("/office/")["Location"] == "/accounts/two-factor/"
    htmx = client.get("/office/", headers={"HX-Request": "true"})
    assert htmx.status_code == 204
    assert htmx["HX-Redirect"] == "/accounts/two-factor/?next=%2Foffice%2F"
    assert client.get("/health/").status_code == 200
    assert client.get("/accounts/two-factor/").status_code == 302  # → enrolment
    assert client.get("/accounts/two-factor/setup/").status_code == 200
    # Admin site access alone is staff too.
    assert logged_in(admin_user).get("/admin/")["Location"].startswith("/accounts/two-factor/")


def test_the_setting_off_asks_nobody(settings, operator):
    settings.STAFF_TWO_FACTOR = False
    assert logged_in(operator).get("/office/moderation/").status_code == 200


def test_logging_out_and_in_again_asks_again(operator):
    device, _ = enrol(operator, datetime.now(UTC) - timedelta(minutes=5))
    client = Client()
    client.post("/accounts/login/", {"username": operator.email, "password": PASSWORD})
    code = totp.code_at(device.secret, datetime.now(UTC).timestamp())
    client.post("/accounts/two-factor/", {"code": code})
    assert client.get("/office/moderation/").status_code == 200
    # A new password login in the same session needs the code again.
    client.post("/accounts/login/", {"username": operator.email, "password": PASSWORD})
    assert client.get("/office/")["Location"].startswith("/accounts/two-factor/")
    client.post("/accounts/logout/")
    client.force_login(operator)
    assert client.get("/office/")["Location"].startswith("/accounts/two-factor/")


def test_api_keys_are_not_asked_for_a_second_factor(operator):
    _, key = issue_token(user=operator, name="city app", scopes=[ApiScope.APPEALS_READ])
    response = Client().get("/api/v1/appeals/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200


# ---------------------------------------------------------------------------- reset


def test_an_administrator_resets_a_device_and_the_log_says_who(operator, admin_user, caplog):
    caplog.set_level(logging.INFO, logger="otklik.security")
    device, _ = enrol(operator, datetime.now(UTC) - timedelta(minutes=5))
    admin_device, _ = enrol(admin_user, datetime.now(UTC) - timedelta(minutes=5))
    staff_client = logged_in(operator)
    code = totp.code_at(device.secret, datetime.now(UTC).timestamp())
    staff_client.post("/accounts/two-factor/", {"code": code})
    assert staff_client.get("/office/moderation/").status_code == 200

    admin = logged_in(admin_user)
    code = totp.code_at(admin_device.secret, datetime.now(UTC).timestamp())
    admin.post("/accounts/two-factor/", {"code": code})
    response = admin.post(
        "/admin/accounts/user/",
        {"action": "reset_two_factor", "_selected_action": [operator.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Приложение-аутентификатор сброшено у 1 пользователя" in response.content.decode()
    assert not TotpDevice.objects.filter(user=operator).exists()
    assert not RecoveryCode.objects.filter(user=operator).exists()
    assert f"two-factor reset: user {operator.pk} ({operator.email}) by {admin_user.pk}" in (
        caplog.text
    )
    # The session verified with the old app must enrol a new one.
    assert staff_client.get("/office/")["Location"].startswith("/accounts/two-factor/")
    assert staff_client.get("/accounts/two-factor/")["Location"].startswith(
        "/accounts/two-factor/setup/"
    )


# ---------------------------------------------------------------------------- the demo


def test_totp_code_prints_the_code_of_a_demo_login_only(operator, executor, capsys):
    TotpDevice.objects.create(user=operator, secret=DEMO_TOTP_SECRET, confirmed_at=MOMENT)
    with time_machine.travel(MOMENT, tick=False):
        call_command("totp_code", operator.email.upper())
    assert capsys.readouterr().out.strip() == totp.code_at(DEMO_TOTP_SECRET, MOMENT.timestamp())
    enrol(executor)
    with pytest.raises(CommandError, match="not a demo login"):
        call_command("totp_code", executor.email)
    with pytest.raises(CommandError, match="no authenticator app"):
        call_command("totp_code", "nobody@example.ru")


def test_demo_logins_print_the_demo_key(capsys):
    call_command("demo_logins")
    out = capsys.readouterr().out
    assert totp.group(DEMO_TOTP_SECRET) in out and "totp_code" in out


def test_the_demo_staff_logins_get_the_published_key_and_citizens_none(operator):
    demo_operator = UserFactory(email="operator@demo.otklik.ru")
    demo_citizen = UserFactory(email="citizen@demo.otklik.ru")
    ensure_demo_devices()
    ensure_demo_devices()  # a second run adds nothing
    device = TotpDevice.objects.get(user=demo_operator)
    assert device.secret == DEMO_TOTP_SECRET and device.is_confirmed
    assert not TotpDevice.objects.filter(user__in=[demo_citizen, operator]).exists()
