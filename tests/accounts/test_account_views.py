"""The accounts pages over HTTP: sign-up, confirmation, login, profile, deletion."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from otklik.accounts import services
from otklik.accounts.models import User
from tests.accounts.mail import letters_to, link_path

PASSWORD = "Krasnaya-ploshchad-7"
SIGNUP = {
    "email": "anna@example.ru",
    "full_name": "Анна Иванова",
    "password1": PASSWORD,
    "password2": PASSWORD,
    "consent": "on",
}


def test_sign_up_page_sends_the_letter_and_the_link_logs_in(client, db):
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/signup/sent/"
    page = client.get("/accounts/signup/sent/").content.decode()
    assert "anna@example.ru" in page
    [letter] = letters_to("anna@example.ru")
    # Opening the link (as mail scanners do) changes nothing; the button confirms.
    shown = client.get(link_path(letter))
    assert shown.status_code == 200
    assert "Подтвердить и войти" in shown.content.decode()
    assert User.objects.get(email="anna@example.ru").email_confirmed_at is None
    assert client.get("/accounts/profile/").status_code == 302
    confirmed = client.post(link_path(letter))
    assert confirmed.status_code == 200
    assert "вы вошли" in confirmed.content.decode()
    assert client.get("/accounts/profile/").status_code == 200
    assert User.objects.get(email="anna@example.ru").email_confirmed_at is not None


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"consent": ""}, "consent", "Без вашего согласия"),
        ({"password2": "Drugoi-parol-1"}, "password2", "Пароли не совпадают"),
        ({"password1": "12345678", "password2": "12345678"}, "password1", "пароль"),
        ({"email": "не адрес"}, "email", "Введите правильный адрес"),
        ({"full_name": ""}, "full_name", "Обязательное поле"),
    ],
)
def test_sign_up_errors_are_russian_and_keep_what_was_typed(client, db, change, field, message):
    response = client.post("/accounts/signup/", {**SIGNUP, **change})
    assert response.status_code == 200
    assert message.lower() in " ".join(response.context["form"].errors[field]).lower()
    page = response.content.decode()
    if field != "full_name":
        assert 'value="Анна Иванова"' in page
    assert PASSWORD not in page
    assert not User.objects.filter(email="anna@example.ru").exists()


def test_sign_up_with_a_registered_address_says_so(client, citizen):
    response = client.post("/accounts/signup/", {**SIGNUP, "email": citizen.email})
    assert response.status_code == 200
    assert "уже зарегистрирован" in response.content.decode()
    assert letters_to(citizen.email) == []


def test_signing_up_again_before_confirming_resends_instead_of_failing(client, db):
    client.post("/accounts/signup/", SIGNUP)
    letters_to("anna@example.ru")
    mail.outbox.clear()
    response = Client().post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302
    assert len(letters_to("anna@example.ru")) == 1


@pytest.mark.parametrize("token", ["garbage", "a" * 300, "x:y:z", "%00", "-"])
def test_garbage_tokens_get_a_russian_page_with_a_resend_form(client, db, token):
    assert client.post(f"/accounts/confirm/{token}/").status_code == 400
    response = client.get(f"/accounts/confirm/{token}/")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ссылка не работает" in page
    assert 'action="/accounts/confirm/resend/"' in page


def test_an_expired_link_offers_a_new_letter_to_the_same_address(client, db):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        services.sign_up(email="anna@example.ru", full_name="Анна", password=PASSWORD)
        path = link_path(letters_to("anna@example.ru")[0])
    with time_machine.travel(start + timedelta(days=4)):
        response = client.get(path)
        assert response.status_code == 400
        page = response.content.decode()
        assert "истёк" in page
        assert 'value="anna@example.ru"' in page
        mail.outbox.clear()
        sent = client.post("/accounts/confirm/resend/", {"email": "anna@example.ru"})
        assert sent.status_code == 302
        [letter] = letters_to("anna@example.ru")
        assert client.post(link_path(letter)).status_code == 200
        assert client.get("/accounts/profile/").status_code == 200


def test_a_used_link_says_the_address_is_confirmed_without_logging_in(client, db):
    services.sign_up(email="anna@example.ru", full_name="Анна", password=PASSWORD)
    path = link_path(letters_to("anna@example.ru")[0])
    Client().post(path)
    response = client.post(path)
    assert response.status_code == 200
    assert "уже подтверждён" in response.content.decode()
    assert client.get("/accounts/profile/").status_code == 302


def test_resend_answers_the_same_for_unknown_addresses(client, citizen):
    for email in ("nobody@example.ru", citizen.email):
        response = client.post("/accounts/confirm/resend/", {"email": email}, follow=True)
        assert response.status_code == 200
        assert "новое письмо уже отправлено" in response.content.decode()
    assert letters_to("nobody@example.ru") == letters_to(citizen.email) == []
    assert client.post("/accounts/confirm/resend/", {"email": "мусор"}).status_code == 200
    assert client.get("/accounts/confirm/resend/").status_code == 200


def test_login_with_an_unconfirmed_address_explains_and_offers_the_letter(client, db):
    services.sign_up(email="anna@example.ru", full_name="Анна", password=PASSWORD)
    response = client.post(
        "/accounts/login/", {"username": "anna@example.ru", "password": PASSWORD}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "ещё не подтверждён" in page
    assert 'action="/accounts/confirm/resend/"' in page
    assert 'value="anna@example.ru"' in page
    assert "_auth_user_id" not in client.session


def test_login_with_a_wrong_password_does_not_reveal_an_unconfirmed_address(client, db):
    services.sign_up(email="anna@example.ru", full_name="Анна", password=PASSWORD)
    response = client.post("/accounts/login/", {"username": "anna@example.ru", "password": "x"})
    assert "ещё не подтверждён" not in response.content.decode()


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [("/my/", "/my/"), ("https://evil.example/", "/"), ("//evil.example/", "/")],
)
def test_login_follows_next_only_inside_the_site(client, citizen, next_url, expected):
    citizen.set_password(PASSWORD)
    citizen.save(update_fields=["password"])
    response = client.post(
        "/accounts/login/",
        {"username": citizen.email, "password": PASSWORD, "next": next_url},
    )
    assert response.status_code == 302
    assert response["Location"] == expected


def test_logout_is_post_only(client, citizen):
    client.force_login(citizen)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/accounts/profile/").status_code == 302


@pytest.mark.parametrize(
    "url", ["/accounts/profile/", "/accounts/delete/", "/accounts/password/change/"]
)
def test_account_pages_need_a_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/accounts/login/?next={url}")


def test_profile_saves_name_phone_and_preferences(client, citizen):
    client.force_login(citizen)
    page = client.get("/accounts/profile/").content.decode()
    assert 'value="Иван Петров"' in page
    response = client.post(
        "/accounts/profile/",
        {
            "full_name": "Иван Сергеевич Петров",
            "phone": "+7 (474) 222-33-44",
            "notify_by_email": "on",
        },
    )
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert (citizen.full_name, citizen.phone) == ("Иван Сергеевич Петров", "+74742223344")
    assert (citizen.notify_by_email, citizen.notify_every_step) == (True, False)


def test_a_bad_phone_is_refused_in_russian_and_the_input_kept(client, citizen):
    client.force_login(citizen)
    response = client.post(
        "/accounts/profile/", {"full_name": "Иван Новый", "phone": "позвоните мне"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "+7 912 345-67-89" in " ".join(response.context["form"].errors["phone"])
    assert 'value="позвоните мне"' in page
    assert 'value="Иван Новый"' in page
    citizen.refresh_from_db()
    assert citizen.full_name == "Иван Петров"


def test_posts_without_csrf_token_are_refused(db, citizen):
    browser = Client(enforce_csrf_checks=True)
    assert browser.post("/accounts/signup/", SIGNUP).status_code == 403
    assert browser.post("/accounts/confirm/resend/", {"email": "a@b.ru"}).status_code == 403
    services.sign_up(email="anna@example.ru", full_name="Анна", password=PASSWORD)
    confirm = link_path(letters_to("anna@example.ru")[0])
    assert browser.post(confirm).status_code == 403
    assert User.objects.get(email="anna@example.ru").email_confirmed_at is None
    browser.force_login(citizen)
    assert browser.post("/accounts/profile/", {"full_name": "X"}).status_code == 403
    assert browser.post("/accounts/delete/", {"password": "x"}).status_code == 403
    citizen.refresh_from_db()
    assert citizen.anonymized_at is None


def test_delete_asks_for_the_password_then_logs_out_and_says_goodbye(client, citizen):
    citizen.set_password(PASSWORD)
    citizen.save(update_fields=["password"])
    client.force_login(citizen)
    page = client.get("/accounts/delete/").content.decode()
    assert "статистик" in page
    wrong = client.post("/accounts/delete/", {"password": "nope"})
    assert wrong.status_code == 200
    assert "Неверный пароль" in wrong.content.decode()
    response = client.post("/accounts/delete/", {"password": PASSWORD})
    assert response["Location"] == "/accounts/deleted/"
    assert "До свидания" in client.get("/accounts/deleted/").content.decode()
    assert client.get("/accounts/profile/").status_code == 302
    citizen.refresh_from_db()
    assert citizen.anonymized_at is not None


def test_staff_are_told_they_cannot_delete_themselves(client, operator):
    client.force_login(operator)
    page = client.get("/accounts/delete/").content.decode()
    assert "нельзя удалить" in page
    assert 'name="password"' not in page
    response = client.post("/accounts/delete/", {"password": "anything"})
    assert response.status_code == 200
    operator.refresh_from_db()
    assert operator.anonymized_at is None


@pytest.mark.parametrize("url", ["/accounts/signup/", "/accounts/login/", "/privacy/"])
def test_public_account_pages_render_in_russian(client, db, url):
    response = client.get(url)
    assert response.status_code == 200
    assert 'lang="ru"' in response.content.decode()


def test_the_sign_up_page_links_the_privacy_policy(client, db):
    page = client.get("/accounts/signup/").content.decode()
    assert 'href="/privacy/"' in page
    assert "152-ФЗ" in client.get("/privacy/").content.decode()
