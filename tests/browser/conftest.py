"""Browser tests: Playwright driving Debian's Chromium against the live test server.

They fail (never skip) when Chromium is missing: `make test` installs it. Screenshots go to
test-artifacts/screenshots/ for people to look at.
"""

import os
import re

import pytest
from playwright.sync_api import sync_playwright

from otklik.directory.production_calendar import seed_calendar
from tests.browser.helpers import CHROMIUM, DESKTOP

EXTERNAL = re.compile(r"^https?://(?!127\.0\.0\.1|localhost)")

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
# itself are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport=DESKTOP, locale="ru-RU", timezone_id="Europe/Moscow"
    )
    # No internet here: map tiles and anything else outside the test server fail at once
    # instead of waiting for a timeout.
    context.route(EXTERNAL, lambda route: route.abort())
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def calendar(transactional_db):
    """Transactional tests start from an empty database: give them the real calendar."""
    seed_calendar(2020, 2030)
