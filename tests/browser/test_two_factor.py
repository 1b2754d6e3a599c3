"""A member of staff's first login in a real browser: the password, enrolment by reading the key
off the page (as someone typing it into an authenticator app would), a code, the recovery codes,
the office."""

import re
import time

import pytest

from otklik.accounts import totp
from tests.browser.helpers import log_in, screenshot

pytestmark = pytest.mark.browser
PASSWORD = "Test-password-2026"  # tests/factories.py


def test_staff_enrol_an_authenticator_app_and_reach_the_office(page, settings, calendar, operator):
    settings.STAFF_TWO_FACTOR = True
    log_in(page, operator.email, PASSWORD)
    page.goto("/office/")
    page.get_by_role("heading", name="Подключите второй фактор").wait_for()
    assert page.locator("figure.qr-code svg").count() == 1
    screenshot(page, "two-factor-setup-desktop")

    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    field = page.get_by_label("Код из приложения")
    assert field.get_attribute("autocomplete") == "one-time-code"
    assert field.get_attribute("inputmode") == "numeric"
    field.fill(totp.code_at(secret, time.time()))
    page.get_by_role("button", name="Подтвердить и продолжить").click()

    page.get_by_role("heading", name="Резервные коды").wait_for()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="Продолжить").click()
    page.wait_for_url(re.compile(r"/office/"))
    assert "/accounts/" not in page.url
    assert page.get_by_role("heading", level=1).count() == 1
