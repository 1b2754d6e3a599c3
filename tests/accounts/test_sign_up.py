"""sign_up, confirm_email, resend_confirmation: an account is usable once its address is
confirmed."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from otklik.accounts import services
from otklik.accounts.models import User
from tests.accounts.mail import letters_to, link_path
from tests.factories import UserFactory

PASSWORD = "Krasnaya-ploshchad-7"


def token_of(letter) -> str:
    return link_path(letter).rstrip("/").rsplit("/", 1)[1]


def test_sign_up_creates_an_unconfirmed_account_and_sends_the_link(db):
    user = services.sign_up(
        email=" Anna@Example.RU ", full_name=" Анна Иванова ", password=PASSWORD
    )
    assert (user.email, user.full_name, user.email_confirmed_at) == (
        "anna@example.ru",
        "Анна Иванова",
        None,
    )
    assert user.check_password(PASSWORD)
    [letter] = letters_to("anna@example.ru")
    assert "Подтвердите адрес" in letter.subject
    assert "Здравствуйте, Анна Иванова!" in letter.body
    assert link_path(letter).startswith("/accounts/confirm/")


def test_the_link_confirms_the_address_once(db):
    user = services.sign_up(email="anna@example.ru", full_name="Анна", password=PASSWORD)
    token = token_of(letters_to("anna@example.ru")[0])
    confirmed = services.confirm_email(token=token)
    assert confirmed == user
    assert confirmed.email_confirmed_at is not None
    with pytest.raises(services.InvalidConfirmation) as used:
        services.confirm_email(token=token)
    assert used.value.reason == "used"


def test_signing_up_again_before_confirming_resends_and_takes_the_new_password(db):
    services.sign_up(email="anna@example.ru", full_name="Анна", password=PASSWORD)
    first = token_of(letters_to("anna@example.ru")[0])
    mail.outbox.clear()
    user = services.sign_up(
        email="anna@example.ru", full_name="Анна Петровна", password="Novyi-parol-2026"
    )
    assert User.objects.filter(email="anna@example.ru").count() == 1
    assert user.full_name == "Анна Петровна"
    assert user.check_password("Novyi-parol-2026")
    [letter] = letters_to("anna@example.ru")
    # Only the newest letter works: an older one was bound to the old password.
    with pytest.raises(services.InvalidConfirmation) as old:
        services.confirm_email(token=first)
    assert old.value.reason == "bad"
    assert services.confirm_email(token=token_of(letter)) == user


def test_a_confirmed_address_cannot_sign_up_again(citizen):
    with pytest.raises(services.AlreadyRegistered):
        services.sign_up(email="IVAN.PETROV@example.ru", full_name="Кто-то", password=PASSWORD)
    citizen.refresh_from_db()
    assert citizen.full_name == "Иван Петров"
    assert letters_to(citizen.email) == []


def test_a_deactivated_unconfirmed_account_is_not_revived_by_sign_up(db):
    UserFactory(email="blocked@example.ru", is_active=False, email_confirmed_at=None)
    with pytest.raises(services.AlreadyRegistered):
        services.sign_up(email="blocked@example.ru", full_name="Кто-то", password=PASSWORD)


@pytest.mark.parametrize("who", ["superuser", "operator"])
def test_sign_up_never_rewrites_an_unconfirmed_staff_account(db, request, who):
    # `createsuperuser` and the admin make accounts without a confirmed address; staff may log
    # in with them, so a sign-up must not be able to set their password.
    if who == "superuser":
        person = User.objects.create_superuser(email="root@example.ru", password="Root-pass-123")
    else:
        person = request.getfixturevalue("operator")
        person.set_password("Root-pass-123")
        person.email_confirmed_at = None
        person.save(update_fields=["password", "email_confirmed_at"])
    with pytest.raises(services.AlreadyRegistered):
        services.sign_up(email=person.email, full_name="Взломщик", password=PASSWORD)
    assert services.resend_confirmation(email=person.email) is False
    person.refresh_from_db()
    assert person.check_password("Root-pass-123")
    assert person.full_name != "Взломщик"


def test_the_link_expires_after_three_days(db):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        user = services.sign_up(email="anna@example.ru", full_name="Анна", password=PASSWORD)
        token = token_of(letters_to("anna@example.ru")[0])
    with (
        time_machine.travel(start + timedelta(days=3, minutes=1), tick=False),
        pytest.raises(services.InvalidConfirmation) as expired,
    ):
        services.confirm_email(token=token)
    assert (expired.value.reason, expired.value.user) == ("expired", user)
    user.refresh_from_db()
    assert user.email_confirmed_at is None
    with time_machine.travel(start + timedelta(days=2, hours=23), tick=False):
        assert services.confirm_email(token=token).email_confirmed_at is not None


@pytest.mark.parametrize(
    "token", ["", "garbage", "eyJ1IjoxfQ:1abcde:forged", "a" * 500, "../../etc/passwd"]
)
def test_garbage_tokens_are_refused_as_bad(db, token):
    with pytest.raises(services.InvalidConfirmation) as bad:
        services.confirm_email(token=token)
    assert (bad.value.reason, bad.value.user) == ("bad", None)


def test_a_token_signed_for_another_purpose_is_refused(citizen):
    from django.core import signing

    token = signing.dumps({"u": citizen.pk, "f": "x"}, salt="something-else")
    with pytest.raises(services.InvalidConfirmation):
        services.confirm_email(token=token)


def test_resend_writes_only_to_addresses_waiting_for_confirmation(db, citizen):
    services.sign_up(email="anna@example.ru", full_name="Анна", password=PASSWORD)
    letters_to("anna@example.ru")
    mail.outbox.clear()
    assert services.resend_confirmation(email="ANNA@example.ru") is True
    assert services.resend_confirmation(email=citizen.email) is False
    assert services.resend_confirmation(email="nobody@example.ru") is False
    assert [m.to for m in letters_to("anna@example.ru")] == [["anna@example.ru"]]
    assert letters_to(citizen.email) == []


def test_a_password_reset_confirms_the_address(db):
    user = services.sign_up(email="anna@example.ru", full_name="Анна", password=PASSWORD)
    services.mark_email_confirmed(user=user)
    user.refresh_from_db()
    assert user.email_confirmed_at is not None
