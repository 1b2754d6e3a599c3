"""The weekly review in a real browser: leadership opens it, sees every section and the charts,
the heat map draws its squares and switches to the failed checks, and the print version hides
the navigation."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from otklik.analytics import weekly
from otklik.analytics.models import WeeklyForecast
from otklik.appeals.workflow import Status
from otklik.control.models import CallList, ControlCall
from tests.browser.helpers import log_in, screenshot
from tests.factories import refresh_rollups

pytestmark = pytest.mark.browser
PASSWORD = "Test-password-2026"  # UserFactory's
MSK = ZoneInfo("Europe/Moscow")


def week_of_appeals_week():
    return weekly.last_complete_week(timezone.now().astimezone(MSK).date())


@pytest.fixture
def week_of_appeals(calendar, appeal_in, citizen):
    week = week_of_appeals_week()
    start = timezone.make_aware(
        timezone.datetime(week.start.year, week.start.month, week.start.day, 9), MSK
    )
    appeals = [
        appeal_in(
            Status.ANSWERED,
            latitude=52.61 + 0.0001 * index,
            longitude=39.59 + (0.02 if index % 2 else 0),
            now=start + timedelta(hours=5 * index),
        )
        for index in range(6)
    ]
    call_list = CallList.objects.create(
        region=appeals[0].region,
        title="Обзвон",
        size=5,
        closed_from=start - timedelta(days=7),
        closed_to=start + timedelta(days=7),
    )
    ControlCall.objects.create(
        call_list=call_list,
        appeal=appeals[0],
        applicant=citizen,
        state=ControlCall.State.DONE,
        completed_at=start + timedelta(days=2),
        is_solved=False,
        comment="Яма вернулась",
    )
    refresh_rollups()
    return appeals


def test_leadership_reviews_the_week_with_charts_and_a_heat_map(
    page, leadership, week_of_appeals, roads
):
    # The forecast made the week before expected 2.4 road appeals (1–4); six came.
    WeeklyForecast.objects.create(
        region=week_of_appeals[0].region,
        group=roads,
        municipality=None,
        week=week_of_appeals_week().start,
        made_at=timezone.now() - timedelta(days=14),
        expected=2.4,
        low=1,
        high=4,
        median=2,
        scale=1.0,
        model_version="test",
    )
    log_in(page, leadership.email, PASSWORD)
    page.goto("/office/weekly/")
    page.get_by_role("heading", name="Оперативное совещание: Липецкая область").wait_for()
    # It opens on the current week; the appeals are in the week before.
    assert "неделя ещё не закончилась" in page.locator("#weekly-week").inner_text()
    assert page.get_by_role("link", name="Следующая неделя →").count() == 0
    page.get_by_role("link", name="← Прошлая неделя").click()
    page.wait_for_url(f"**/office/weekly/?week={weekly.week_code(week_of_appeals_week())}")
    for name in (
        "Показатели недели",
        "Темы недели",
        "Тепловая карта",
        "Рейтинг муниципалитетов",
        "Повторные обращения и повторные по месту по муниципалитетам",
        "Самые просроченные обращения",
        "Худшие повторные случаи",
        "Поручения",
        "Контрольные звонки недели",
    ):
        assert page.get_by_role("heading", name=name, exact=True).is_visible(), name
    assert page.locator('svg[role="img"]').count() >= 3
    assert page.locator('tr[data-kpi="received"] td').first.inner_text() == "6"
    # The forecast beside the topic's count, and the flag explained.
    topics = page.locator("table.weekly-topics")
    assert topics.get_by_role("columnheader", name="Прогноз").is_visible()
    assert topics.get_by_role("columnheader", name="Интервал 80 %").is_visible()
    assert topics.locator('[data-forecast="expected"]').first.inner_text() == "2,4"
    assert topics.locator('[data-forecast="interval"]').first.inner_text() == "1–4"
    assert topics.get_by_role("link", name="выше прогноза").is_visible()
    flag = page.locator("table.weekly-forecast-flags tbody tr").first
    assert "Поступило обращений: 6; прогноз ожидал 2,4" in flag.inner_text()
    assert "Точность прогноза" in page.locator("#forecast-accuracy").inner_text()
    # The heat map: squares drawn for the appeals of the week.
    page.locator('#weekly-map[data-state="ready"]').wait_for()
    assert page.locator("#weekly-map path.heat-cell").count() == 2
    assert "Квадратов на карте: 2" in page.locator("#weekly-map-status").inner_text()
    page.get_by_label("Непройденные проверки", exact=False).check()
    page.locator('#weekly-map[data-layer="failed"][data-state="ready"]').wait_for()
    assert page.locator("#weekly-map path.heat-cell").count() == 1
    screenshot(page, "weekly-review")
    # The week before: back through the link, nothing there.
    page.get_by_role("link", name="← Прошлая неделя").click()
    page.wait_for_url("**/office/weekly/?week=*")
    page.locator('#weekly-map[data-state="ready"]').wait_for()
    assert page.locator("#weekly-map path.heat-cell").count() == 0
    # Printed: no navigation, the charts stay.
    page.emulate_media(media="print")
    assert not page.locator(".office-nav").is_visible()
    assert not page.locator(".weekly-controls").is_visible()
    assert page.locator('svg[role="img"]').first.is_visible()
