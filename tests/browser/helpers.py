"""Helpers of the browser tests: viewports, screenshots, logging in through the form."""

import os
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Пароль").fill(password)
    # Wait for the answer: a page opened before it would cancel the login (and its cookie).
    with page.expect_navigation():
        page.get_by_role("button", name="Войти").click()


def sign_up_and_confirm(page, email: str, password: str, full_name: str) -> None:
    """Sign up through the form, open the confirmation link from the letter: logged in after.

    The letter is sent from this (the test) process; the live server shares its database."""
    import re
    from datetime import timedelta

    from django.core import mail
    from django.utils import timezone

    from otklik.notifications.delivery import retry_due

    page.goto("/accounts/signup/")
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Фамилия, имя, отчество").fill(full_name)
    page.get_by_label("Пароль", exact=True).fill(password)
    page.get_by_label("Пароль ещё раз").fill(password)
    page.get_by_label("Я согласен(на) на обработку моих персональных данных").check()
    page.get_by_role("button", name="Зарегистрироваться").click()
    page.get_by_role("heading", name="Проверьте почту").wait_for()
    retry_due(now=timezone.now() + timedelta(seconds=1))
    letter = [m for m in mail.outbox if m.to == [email.strip().lower()]][-1]
    page.goto(re.search(r"https?://[^/\s]+(/\S+)", letter.body).group(1))
    page.get_by_role("button", name="Подтвердить и войти").click()
    page.get_by_role("heading", name="Адрес подтверждён").wait_for()
