"""The field team's day on a phone (360 × 740) without a network: the route opens from the
service worker's copy, «проблема найдена» with a real photo and «всё в порядке» wait on the
phone, go out when the network is back, and sending them again records nothing twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from otklik.accounts.models import Role
from otklik.appeals.models import Appeal, Channel
from otklik.inspections.models import (
    FieldTeam,
    InspectionPlan,
    InspectionPoint,
    InspectionVisit,
    PlanStop,
)
from otklik.inspections.services.visits import team_today
from tests.browser.a11y import watch
from tests.browser.conftest import new_page
from tests.browser.helpers import log_in
from tests.factories import staff

pytestmark = pytest.mark.browser
PASSWORD = "Test-password-2026"  # UserFactory's
SHOTS = Path("/work/helpers/shots")
PHONE = {"width": 360, "height": 740}

# Copies the reports kept on the phone from one IndexedDB database to another (Blobs too).
COPY = """async ([source, target]) => {
  const open = (name) => new Promise((resolve, reject) => {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () =>
      request.result.createObjectStore("reports", { keyPath: "key" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const from = await open(source);
  const items = await new Promise((resolve) => {
    const query = from.transaction("reports").objectStore("reports").getAll();
    query.onsuccess = () => resolve(query.result);
  });
  from.close();
  const to = await open(target);
  await new Promise((resolve) => {
    const tx = to.transaction("reports", "readwrite");
    items.forEach((item) => tx.objectStore("reports").put(item));
    tx.oncomplete = resolve;
  });
  to.close();
  return items.length;
}"""


def shot(target, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    options = {"path": str(SHOTS / f"field-{name}.png")}
    if hasattr(target, "context"):
        options["full_page"] = True
    target.screenshot(**options)


@pytest.fixture
def phone(browser, live_server, request):
    """A phone-sized page, checked with axe-core like the `page` fixture."""
    page = new_page(browser, live_server.url, viewport=PHONE, has_touch=True, is_mobile=True)
    audit = watch(page)
    yield page
    passed = not getattr(request.node, "call_failed", True)
    if passed:
        audit.check(page)
    page.context.close()
    if passed:
        audit.assert_clean()


@pytest.fixture
def day(calendar, organization, municipality, category):
    member = staff(
        Role.FIELD, organization, email="brigada@example.ru", full_name="Пётр Бригадиров"
    )
    team = FieldTeam.objects.create(
        organization=organization,
        municipality=municipality,
        name="Бригада 1",
        base_lat=52.60,
        base_lon=39.57,
    )
    team.members.add(member)
    today = team_today(team)
    plan = InspectionPlan.objects.create(organization=organization, day=today)
    places = [
        ("г. Липецк, ул. Ленина, 5", "Три жалобы на яму за месяц", 52.6101, 39.5942),
        ("г. Липецк, ул. Мира, 12", "После оттепели: ремонт покрытия в декабре", 52.6155, 39.6010),
        ("г. Липецк, пр. Победы, 30", "Неисполненное поручение по освещению", 52.6052, 39.6121),
    ]
    points = []
    for n, (address, reason, lat, lon) in enumerate(places, start=1):
        point = InspectionPoint.objects.create(
            municipality=municipality,
            day=today,
            key=f"demo:{n}",
            latitude=lat,
            longitude=lon,
            address=address,
            reasons=[{"code": "t", "text": reason, "weight": 1}],
            status=InspectionPoint.Status.PLANNED,
        )
        PlanStop.objects.create(
            plan=plan,
            point=point,
            team=team,
            sequence=n,
            eta=timezone.now().replace(hour=6 + n, minute=15),
        )
        points.append(point)
    return member, points


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "yama.jpg"
    Image.new("RGB", (640, 480), (90, 70, 60)).save(path, "JPEG")
    return path


def test_reports_made_offline_are_sent_once_when_the_network_returns(phone, day, photo, category):
    member, (pothole, fine, _third) = day
    log_in(phone, member.email, PASSWORD)
    phone.goto("/office/field/day/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Мой маршрут на сегодня")
    # The worker has kept the page and its files and controls the page.
    phone.locator("#field-day[data-offline-ready='1']").wait_for()
    first = phone.locator(f"#point-{pothole.pk}")
    expect(first.get_by_role("link", name="Проложить маршрут")).to_have_attribute(
        "href",
        f"geo:{pothole.latitude:.6f},{pothole.longitude:.6f}?q="
        f"{pothole.latitude:.6f},{pothole.longitude:.6f}"
        "(%D0%B3.%20%D0%9B%D0%B8%D0%BF%D0%B5%D1%86%D0%BA%2C%20%D1%83%D0%BB.%20"
        "%D0%9B%D0%B5%D0%BD%D0%B8%D0%BD%D0%B0%2C%205)",
    )
    expect(phone.locator(".route-marker")).to_have_count(3)
    shot(phone, "route")
    shot(phone.locator("#route-map"), "map")

    # No network: the page still opens (from the worker), and the reports wait on the phone.
    phone.context.set_offline(True)
    phone.reload()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Мой маршрут на сегодня")
    expect(phone.locator("#queue-status")).to_contain_text("Нет сети")

    first.get_by_text("Проблема найдена", exact=True).click()
    first.get_by_label("Рубрика").select_option(label=category.name)
    first.get_by_label("Что не так").fill("Провал асфальта у люка, глубина около 10 см.")
    first.get_by_label("Фотографии").set_input_files(photo)
    shot(phone, "form")
    first.get_by_role("button", name="Отправить: проблема найдена").click()
    expect(phone.locator("#queue-status")).to_contain_text("Ожидает отправки (1)")

    second = phone.locator(f"#point-{fine.pk}")
    second.get_by_text("Всё в порядке", exact=True).click()
    second.get_by_label("Фото места").set_input_files(photo)
    second.get_by_role("button", name="Отправить: всё в порядке").click()
    expect(phone.locator("#queue-status")).to_contain_text("Ожидает отправки (2)")
    expect(first.locator(".stop-state")).to_contain_text("Ожидает отправки")
    expect(first.locator(".stop-actions")).to_be_hidden()  # no second report for the point
    shot(phone, "queued")
    assert Appeal.objects.count() == 0 and InspectionVisit.objects.count() == 0
    # Keep a copy of the queue: sent again later, it must record nothing twice.
    assert phone.evaluate(COPY, ["otklik-field-day", "field-test-copy"]) == 2

    phone.context.set_offline(False)
    expect(phone.locator("#queue-status")).to_have_text("Отправлено")
    expect(phone.locator("#field-day")).to_have_attribute("data-pending", "0")
    expect(first.locator(".stop-state")).to_contain_text("проблема найдена")
    expect(second.locator(".stop-state")).to_contain_text("всё в порядке")
    shot(phone, "sent")
    appeal = Appeal.objects.get()
    assert appeal.channel == Channel.INSPECTION and appeal.attachments.count() == 1
    assert first.locator(".stop-state").inner_text().endswith(appeal.number)
    visits = InspectionVisit.objects.order_by("pk")
    assert [v.outcome for v in visits] == ["found", "ok"]
    assert visits[1].photos.count() == 1

    # Double submit: the same two reports come back into the queue and go out again on load.
    assert phone.evaluate(COPY, ["field-test-copy", "otklik-field-day"]) == 2
    phone.reload()
    phone.locator("#field-day[data-pending='0']").wait_for()
    expect(phone.locator("#queue-status")).to_have_text("Отправлено")
    assert Appeal.objects.count() == 1
    assert InspectionVisit.objects.count() == 2
    pothole.refresh_from_db()
    assert pothole.result_appeal == appeal
