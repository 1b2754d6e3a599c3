"""The moderation queue fits a 1366 px laptop screen: nothing scrolls sideways and the text of
the appeals keeps a readable column, its words whole."""

import pytest

from otklik.appeals.workflow import Status
from tests.browser.a11y import watch
from tests.browser.conftest import new_page
from tests.browser.helpers import log_in, screenshot
from tests.factories import CategoryFactory

pytestmark = pytest.mark.browser
PASSWORD = "Test-password-2026"  # UserFactory's
LAPTOP = {"width": 1366, "height": 768}
MIN_TEXT_WIDTH = 250  # px: about 35 characters a line
TEXT = (
    "Уважаемая администрация! Во дворе дома 15 по улице Краснознаменной с осени не вывозят "
    "крупногабаритный мусор, контейнерная площадка переполнена, мусор разносит ветер "
    "по детской площадке. Прошу принять меры и навести порядок."
)


@pytest.fixture
def queue(calendar, roads, appeal_in):
    """New appeals in a long subcategory: the widest rows of the queue."""
    long_category = CategoryFactory(
        code="snow-stops", name="Наледь на тротуарах и остановках общественного транспорта",
        parent=roads,
    )  # fmt: skip
    return [appeal_in(Status.NEW, text=f"{TEXT} ({n})", category=long_category) for n in range(4)]


def test_the_queue_fits_1366_px_with_a_readable_text_column(browser, live_server, queue, operator):
    page = new_page(browser, live_server.url, viewport=LAPTOP)
    audit = watch(page)
    try:
        log_in(page, operator.email, PASSWORD)
        page.wait_for_url("**/office/moderation/")
        assert page.locator("tr.queue-row").count() == len(queue)
        sizes = page.evaluate(
            """() => {
              const wrap = document.querySelector('.mod-queue .table-wrap');
              const text = document.querySelector('#queue-table th.excerpt');
              return {
                page: document.documentElement.scrollWidth,
                viewport: document.documentElement.clientWidth,
                table: wrap.scrollWidth,
                wrap: wrap.clientWidth,
                text: text.getBoundingClientRect().width,
              };
            }"""
        )
        screenshot(page, "moderation-queue-1366")
        assert sizes["page"] <= sizes["viewport"]
        assert sizes["table"] <= sizes["wrap"]
        assert sizes["text"] >= MIN_TEXT_WIDTH
        # The excerpt ends on a whole word.
        excerpt = page.locator("tr.queue-row td.excerpt").first.inner_text()
        assert excerpt.endswith("…")
        assert TEXT.startswith(excerpt.removesuffix("…"))
        assert TEXT[len(excerpt) - 1] == " "
        audit.check(page)
    finally:
        page.context.close()
    audit.assert_clean()
