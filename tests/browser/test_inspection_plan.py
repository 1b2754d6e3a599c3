"""The plan page in a real browser: a supervisor builds the day's plan, sees each team's route
drawn on the map (polylines, numbered markers), moves a point to the other team and re-plans;
axe checks every page it opens."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from otklik.accounts.models import Role
from otklik.inspections.models import PlanStop
from tests.browser.helpers import screenshot
from tests.factories import staff
from tests.inspections.conftest import DAY, make_point, make_team

pytestmark = pytest.mark.browser
PASSWORD = "Test-password-2026"  # UserFactory's
SHOTS = Path("/work/helpers/shots")


def keep(path: Path, name: str) -> None:
    if SHOTS.is_dir():
        shutil.copy(path, SHOTS / f"{name}.png")


@pytest.fixture
def day_of_work(calendar, settings, organization, municipality):
    settings.INSPECTION_SOLVER_SECONDS = 0.3
    teams = [
        make_team(organization, municipality, "Бригада 1", 0, 0),
        make_team(organization, municipality, "Бригада 2", 3000, 0),
    ]
    for k in range(1, 5):
        make_point(municipality, 300 * k, 250 * (k % 2), score=k)
    for k in range(1, 4):
        make_point(municipality, 3000 + 300 * k, -250 * (k % 2), score=k + 0.5)
    return teams


def test_supervisor_builds_the_plan_moves_a_point_and_replans(page, organization, day_of_work):
    from tests.browser.helpers import log_in

    chief = staff(
        Role.SUPERVISOR, organization, email="chief@example.ru", full_name="Иван Начальник"
    )
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, chief.email, PASSWORD)
    page.goto(f"/office/inspections/plan/?organization={organization.pk}&day={DAY.isoformat()}")
    page.get_by_role("button", name="Построить план").click()
    page.get_by_text("План построен").wait_for()
    box = page.locator("#inspection-map[data-state='ready']")
    box.wait_for()
    assert box.get_attribute("data-routes") == "2"
    assert page.locator("#inspection-map path.route-line").count() == 2
    assert page.locator("#inspection-map .inspection-marker.stop").count() == 7
    assert page.locator("table.route-table").count() == 2
    keep(screenshot(page, "plan-built"), "plan-built")

    stop = PlanStop.objects.filter(team=day_of_work[0]).order_by("sequence").first()
    page.get_by_label("Точка", exact=True).select_option(str(stop.point_id))
    page.get_by_label("Какой бригаде").select_option(str(day_of_work[1].pk))
    page.get_by_role("button", name="Передать и перестроить").click()
    page.get_by_text("теперь на маршруте бригады").wait_for()
    page.locator("#inspection-map[data-state='ready']").wait_for()
    assert page.locator("#inspection-map path.route-line").count() >= 1
    assert page.get_by_text("передана вручную").count() == 1
    keep(screenshot(page, "plan-moved"), "plan-moved")
    assert PlanStop.objects.get(point_id=stop.point_id).team == day_of_work[1]

    page.get_by_role("button", name="Перестроить план на день").click()
    page.get_by_text("План построен").wait_for()
    page.locator("#inspection-map[data-state='ready']").wait_for()
    assert page.locator("#inspection-map path.route-line").count() == 2
    assert page.locator(".plan-journal li").count() == 3
    keep(screenshot(page, "plan-replanned"), "plan-replanned")

    page.get_by_role("link", name="Точки осмотра").click()
    page.locator("#inspection-map[data-state='ready']").wait_for()
    assert page.locator("#inspection-map .inspection-marker.point").count() == 7
    keep(screenshot(page, "plan-points"), "plan-points")
