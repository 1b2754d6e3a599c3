"""Leadership in a real browser: from the dashboard to the KPI page, a click on the overdue figure
lists exactly as many appeals as the figure says."""

from datetime import timedelta

import pytest
from django.utils import timezone

from otklik.appeals.workflow import Status
from tests.browser.helpers import PHONE, log_in, screenshot
from tests.factories import refresh_rollups

pytestmark = pytest.mark.browser
PASSWORD = "Test-password-2026"  # UserFactory's


def go(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


@pytest.fixture
def figures_history(calendar, appeal_in):
    now = timezone.now()
    late = [appeal_in(Status.IN_PROGRESS, now=now - timedelta(days=70)) for _ in range(2)]
    appeal_in(Status.ANSWERED, now=now - timedelta(days=70))
    appeal_in(Status.REGISTERED)
    refresh_rollups()
    return late


def test_leadership_follows_the_overdue_figure_to_its_appeals(page, leadership, figures_history):
    log_in(page, leadership.email, PASSWORD)
    page.goto("/office/")
    page.get_by_role("heading", name="Сводка", exact=True).wait_for()
    assert page.locator("svg.chart").count() == 2
    screenshot(page, "dashboard-leadership")
    go(page, page.locator(".office-nav").get_by_role("link", name="Показатели"))
    page.get_by_role("heading", name="Показатели", exact=True).wait_for()
    page.get_by_label("Период", exact=True).select_option("twelve_months")
    go(page, page.get_by_role("button", name="Показать"))
    card = page.locator("#kpi-overdue")
    figure = card.locator(".kpi-numerator")
    shown = int(figure.inner_text())
    assert shown == len(figures_history)
    assert card.locator(".kpi-denominator").inner_text() == "3"
    screenshot(page, "kpi-page")
    go(page, figure)
    page.get_by_role("heading", name="Доля просроченных").wait_for()
    rows = page.locator("table.drill-list tbody tr")
    assert rows.count() == shown
    assert int(page.locator("#drill-figure").inner_text()) == shown
    numbers = set(rows.locator("td:first-child a").all_inner_texts())
    assert numbers == {appeal.number for appeal in figures_history}
    page.set_viewport_size(PHONE)
    screenshot(page, "kpi-drill-down-phone")
    first = rows.first.locator("a").first
    number = first.inner_text()
    go(page, first)
    assert page.url.endswith(f"/office/appeals/{number}/")
    assert number in page.locator("h1").inner_text()


def test_ranking_page_fits_a_phone(page, leadership, figures_history):
    log_in(page, leadership.email, PASSWORD)
    page.goto("/office/ranking/?period=twelve_months")
    page.get_by_role("heading", name="Рейтинг: муниципальные образования").wait_for()
    assert page.get_by_text("мало обращений").first.is_visible()
    screenshot(page, "ranking")
    page.set_viewport_size(PHONE)
    # The wide table scrolls inside its wrapper; the page itself does not.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
