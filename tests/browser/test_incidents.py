"""Incidents in a real browser: an operator finds the incident in the list, its page draws the
appeals on the map with links, and the operator closes it; leadership sees it on the weekly
review's incident map."""

import math
from datetime import timedelta

import pytest
from django.utils import timezone

from otklik.appeals import services as appeals
from otklik.incidents import services
from otklik.incidents.models import Incident
from tests.browser.helpers import log_in, screenshot

pytestmark = pytest.mark.browser
PASSWORD = "Test-password-2026"  # UserFactory's


@pytest.fixture
def incident(calendar, region, municipality, category, citizen):
    start = timezone.now() - timedelta(hours=3)
    for n in range(6):
        east = 40 * n
        appeal = appeals.submit_appeal(
            region=region,
            text="Провал асфальта после ремонта теплотрассы, машины бьют колёса.",
            applicant=citizen,
            category=category,
            latitude=52.61 + 0.0002 * n,
            longitude=39.59 + east / (111_195 * math.cos(math.radians(52.61))),
            address=f"г. Липецк, ул. Московская, {10 + 2 * n}",
            now=start + timedelta(minutes=15 * n),
        )
        services.on_new_appeal(appeal)
    return Incident.objects.get()


def test_operator_opens_the_incident_map_and_closes_it(page, operator, incident):
    log_in(page, operator.email, PASSWORD)
    page.goto("/office/incidents/")
    page.get_by_role("link", name=incident.title).click()
    page.get_by_role("heading", name=incident.title).wait_for()
    box = page.locator("#incident-map[data-state='ready']")
    box.wait_for()
    assert box.get_attribute("data-count") == "6"
    markers = page.locator("#incident-map path.incident-marker")
    assert markers.count() == 6
    markers.first.click(force=True)
    popup = page.locator(".leaflet-popup-content a")
    popup.wait_for()
    number = popup.text_content()
    assert number.startswith("48-")
    assert page.get_by_role("cell", name=number).count() == 1
    assert page.locator("#incident-map-status").text_content() == ""
    screenshot(page, "incident-page")
    page.get_by_role("button", name="Закрыть инцидент").click()
    page.get_by_text("Инцидент закрыт.").wait_for()
    incident.refresh_from_db()
    assert incident.state == Incident.State.CLOSED


def test_leadership_sees_active_incidents_on_the_weekly_review(page, leadership, incident):
    log_in(page, leadership.email, PASSWORD)
    page.goto("/office/weekly/")
    box = page.locator("#incidents-map[data-state='ready']")
    box.wait_for()
    assert box.get_attribute("data-count") == "1"
    page.locator("#incidents-map path.leaflet-interactive").first.click(force=True)
    page.locator(".leaflet-popup-content a", has_text=incident.title).wait_for()
