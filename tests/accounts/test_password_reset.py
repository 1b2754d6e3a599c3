"""Password reset: Django's views with our pages; the letter goes through the notifications."""

from django.core import mail

from otklik.accounts import services
from otklik.notifications import channels
from otklik.notifications.models import Notification
from tests.accounts.mail import letters_to, link_path

NEW = "Novyi-parol-2026"


def reset(client, email):
    response = client.post("/accounts/password/reset/", {"email": email})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"


def test_the_reset_letter_link_sets_a_new_password(client, citizen):
    reset(client, "IVAN.PETROV@example.ru")
    [letter] = letters_to(citizen.email)
    assert letter.subject == "Новый пароль для «Отклика»"
    form = client.get(link_path(letter), follow=True)
    assert form.status_code == 200
    assert form.context["validlink"]
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done["Location"] == "/accounts/password/reset/complete/"
    citizen.refresh_from_db()
    assert citizen.check_password(NEW)


def test_reset_confirms_an_address_that_waited_for_confirmation(client, db):
    user = services.sign_up(email="anna@example.ru", full_name="Анна", password="Staryi-parol-1")
    mail.outbox.clear()
    Notification.objects.all().delete()
    reset(client, "anna@example.ru")
    [letter] = letters_to("anna@example.ru")
    form = client.get(link_path(letter), follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    user.refresh_from_db()
    assert user.email_confirmed_at is not None
    assert (
        client.post("/accounts/login/", {"username": user.email, "password": NEW}).status_code
        == 302
    )


def test_unknown_addresses_get_the_same_page_and_no_letter(client, db):
    reset(client, "nobody@example.ru")
    assert letters_to("nobody@example.ru") == []


def test_a_mail_server_that_is_down_does_not_break_the_page(client, citizen, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionRefusedError("mail server is down")

    monkeypatch.setattr(channels, "send_mail", down)
    reset(client, citizen.email)
    assert letters_to(citizen.email) == []
    letter = Notification.objects.get(recipient=citizen)
    assert letter.state == Notification.State.PENDING
    assert letter.attempts == 1


def test_a_broken_reset_link_gets_a_russian_page(client, db):
    response = client.get("/accounts/password/reset/Mjk/garbage-token/")
    assert response.status_code == 200
    assert "Запросить новую ссылку" in response.content.decode()


def test_password_change_from_the_profile(client, citizen):
    citizen.set_password("Staryi-parol-1")
    citizen.save(update_fields=["password"])
    client.force_login(citizen)
    response = client.post(
        "/accounts/password/change/",
        {"old_password": "Staryi-parol-1", "new_password1": NEW, "new_password2": NEW},
    )
    assert response["Location"] == "/accounts/password/change/done/"
    citizen.refresh_from_db()
    assert citizen.check_password(NEW)
