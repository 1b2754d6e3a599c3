"""Browser tests: Playwright driving Debian's Chromium against the live test server.

They fail (never skip) when Chromium is missing: `make test` installs it. Screenshots go to
test-artifacts/screenshots/ for people to look at.
"""

import os
import re

import pytest
from playwright.sync_api import sync_playwright

from otklik.directory.production_calendar import seed_calendar
from tests.browser.a11y import watch
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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.call_failed = report.failed
    return report


def new_page(browser, base_url: str, **options):
    """A page in a fresh browser context on the test server, in Russian, Moscow time."""
    context = browser.new_context(
        base_url=base_url,
        **{"viewport": DESKTOP, "locale": "ru-RU", "timezone_id": "Europe/Moscow", **options},
    )
    # No internet here: map tiles and anything else outside the test server fail at once
    # instead of waiting for a timeout.
    context.route(EXTERNAL, lambda route: route.abort())
    return context.new_page()


@pytest.fixture
def page(browser, live_server, request):
    """A fresh browser page; every page it shows is checked with axe-core (tests/browser/a11y.py):
    a serious or critical violation fails the test at teardown, listed page by page."""
    page = new_page(browser, live_server.url)
    audit = watch(page)
    yield page
    passed = not getattr(request.node, "call_failed", True)
    if passed:
        audit.check(page)
    page.context.close()
    if passed:
        audit.assert_clean()


@pytest.fixture
def calendar(transactional_db):
    """Transactional tests start from an empty database: give them the real calendar."""
    seed_calendar(2020, 2030)
