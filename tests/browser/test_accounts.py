"""Citizens' accounts in a real browser: sign-up, the letter's link, profile, logout, login."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from otklik.accounts import services
from otklik.accounts.models import User
from otklik.notifications.delivery import retry_due
from tests.accounts.mail import link_path
from tests.browser.helpers import DESKTOP, PHONE, log_in, screenshot, sign_up_and_confirm

pytestmark = pytest.mark.browser
EMAIL = "anna.ivanova@example.ru"
PASSWORD = "Krasnaya-ploshchad-7"


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_sign_up_confirm_edit_profile_log_out_and_in(page, transactional_db):
    page.goto("/")
    page.get_by_role("link", name="Регистрация").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Регистрация")
    screenshot(page, "accounts-signup-desktop")

    sign_up_and_confirm(page, EMAIL, PASSWORD, "Анна Иванова")
    assert "вы вошли" in page.locator("main").inner_text()

    page.get_by_role("link", name="Профиль", exact=True).click()
    expect(page.get_by_label("Фамилия, имя, отчество")).to_have_value("Анна Иванова")
    page.get_by_label("Телефон").fill("+7 (474) 222-33-44")
    page.get_by_label("На каждом шаге").uncheck()
    screenshot(page, "accounts-profile-desktop")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator(".messages")).to_contain_text("Профиль сохранён")
    assert page.get_by_label("Телефон").input_value() == "+74742223344"  # normalised
    assert not page.get_by_label("На каждом шаге").is_checked()
    user = User.objects.get(email=EMAIL)
    assert (user.phone, user.notify_every_step) == ("+74742223344", False)

    page.get_by_role("button", name="Выйти").click()
    expect(page.get_by_role("link", name="Войти")).to_be_visible()
    log_in(page, EMAIL, PASSWORD)
    expect(page.get_by_role("link", name="Профиль", exact=True)).to_be_visible()


def test_sign_up_and_profile_fit_a_phone(page, transactional_db):
    page.set_viewport_size(PHONE)
    page.goto("/accounts/signup/")
    page.get_by_role("button", name="Зарегистрироваться").click()
    # Errors in Russian next to the fields, what was typed kept.
    expect(page.locator("main")).to_contain_text("Обязательное поле")
    assert no_horizontal_scroll(page)
    screenshot(page, "accounts-signup-phone")

    sign_up_and_confirm(page, EMAIL, PASSWORD, "Анна Иванова")
    page.goto("/accounts/profile/")
    page.get_by_label("Телефон").fill("позвоните мне")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_role("alert").first).to_contain_text("+7 912 345-67-89")
    assert page.get_by_label("Телефон").input_value() == "позвоните мне"
    assert no_horizontal_scroll(page)
    screenshot(page, "accounts-profile-phone")
    # Keyboard: the fields are reachable with Tab and the focused one is the name.
    page.get_by_label("Фамилия, имя, отчество").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_phone"


def test_an_expired_link_offers_a_new_letter_that_works(page, transactional_db):
    user = services.sign_up(email=EMAIL, full_name="Анна", password=PASSWORD)
    with time_machine.travel(timezone.now() - timedelta(days=4)):
        old = services.make_confirmation_token(user)
    page.set_viewport_size(PHONE)
    page.goto(f"/accounts/confirm/{old}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Ссылка не работает"
    assert "истёк" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Электронная почта").input_value() == EMAIL
    screenshot(page, "accounts-confirm-expired-phone")
    retry_due(now=timezone.now() + timedelta(seconds=1))
    mail.outbox.clear()
    page.get_by_role("button", name="Отправить письмо ещё раз").click()
    page.get_by_role("heading", name="Проверьте почту").wait_for()
    retry_due(now=timezone.now() + timedelta(seconds=1))
    [letter] = [m for m in mail.outbox if m.to == [EMAIL]]
    page.goto(link_path(letter))
    page.get_by_role("button", name="Подтвердить и войти").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Адрес подтверждён")


def test_unconfirmed_login_explains_and_deleting_the_account_says_goodbye(page, transactional_db):
    page.set_viewport_size(DESKTOP)
    services.sign_up(email=EMAIL, full_name="Анна", password=PASSWORD)
    log_in(page, EMAIL, PASSWORD)
    assert "ещё не подтверждён" in page.get_by_role("alert").first.inner_text()
    assert page.get_by_role("button", name="Отправить письмо ещё раз").is_visible()

    User.objects.filter(email=EMAIL).update(email_confirmed_at=timezone.now())
    log_in(page, EMAIL, PASSWORD)
    page.goto("/accounts/profile/")
    page.get_by_role("link", name="Удалить учётную запись").click()
    page.get_by_label("Ваш пароль").fill(PASSWORD)
    page.get_by_role("button", name="Удалить мою учётную запись").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Учётная запись удалена")
    expect(page.get_by_role("link", name="Войти")).to_be_visible()
    assert User.objects.get(anonymized_at__isnull=False).email.endswith("@deleted.invalid")
