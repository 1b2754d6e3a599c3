"""The weekly review lists every open instruction of the region (issued or reported), the
overdue first with their deadline and days overdue, and the XLSX export lists the same."""

from datetime import timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from otklik.control import instructions as service
from otklik.control.models import Instruction

MSK = ZoneInfo("Europe/Moscow")
URL = reverse("office:weekly")
XLSX = reverse("office:weekly_xlsx")
TEXT = "Проверить ямочный ремонт на улице Московской и доложить."
REPORT = "Яма заделана, фотография прилагается к отчёту."


@pytest.fixture
def instructions(leadership, executor, organization):
    """Two overdue (one issued, one reported late), two still within their deadline (one issued,
    one reported), one done and one cancelled."""
    now = timezone.now()
    today = now.astimezone(MSK).date()

    def issue(days_ago, due_in, text=TEXT):
        return service.issue_instruction(
            actor=leadership,
            organization=organization,
            text=text,
            due_date=today - timedelta(days=days_ago) + timedelta(days=due_in),
            now=now - timedelta(days=days_ago),
        )

    def report(instruction, days_ago):
        return service.report_instruction(
            actor=executor, instruction=instruction, text=REPORT, now=now - timedelta(days=days_ago)
        )

    late_issued = issue(20, 5, TEXT + " Первое.")
    late_reported = report(issue(30, 3, TEXT + " Второе."), 10)
    waiting = issue(2, 10, TEXT + " Третье.")
    reported = report(issue(3, 20, TEXT + " Четвёртое."), 1)
    done = issue(4, 20, TEXT + " Пятое.")
    service.accept_instruction(actor=leadership, instruction=report(done, 2))
    cancelled = issue(5, 20, TEXT + " Шестое.")
    service.cancel_instruction(actor=leadership, instruction=cancelled, comment="Не нужно.")
    return {
        "late": [late_reported, late_issued],  # the older deadline first
        "open": [waiting, reported],
        "closed": [done, cancelled],
        "now": now,
    }


def test_every_open_instruction_is_listed_overdue_first(client, leadership, instructions):
    client.force_login(leadership)
    response = client.get(URL)
    listed = response.context["review"].instructions["open"]
    assert [i.pk for i in listed] == [i.pk for i in instructions["late"] + instructions["open"]]
    assert [i.late for i in listed] == [True, True, False, False]
    late_reported, late_issued = instructions["late"]
    assert listed[0].days_overdue == (late_reported.reported_at - late_reported.due_at).days
    assert listed[1].days_overdue == (instructions["now"] - late_issued.due_at).days
    assert listed[2].days_overdue is None
    page = response.content.decode()
    for instruction in instructions["late"] + instructions["open"]:
        assert reverse("office:instruction", args=[instruction.pk]) in page
        assert instruction.due_at.astimezone(MSK).strftime("%d.%m.%Y") in page
    for instruction in instructions["closed"]:
        assert reverse("office:instruction", args=[instruction.pk]) not in page
    assert "сначала просроченные" in page


def test_no_open_instructions_says_so(client, leadership, region):
    client.force_login(leadership)
    page = client.get(URL).content.decode()
    assert "Открытых поручений нет." in page


def test_export_lists_the_same_open_instructions(client, leadership, instructions):
    client.force_login(leadership)
    listed = client.get(URL).context["review"].instructions["open"]
    sheet = load_workbook(BytesIO(client.get(XLSX).content))["Поручения"]
    rows = [(r[0].value, r[1].value) for r in sheet.iter_rows(min_row=8)]
    assert rows == [(f"Поручение № {i.pk}", i.days_overdue) for i in listed]
    assert Instruction.objects.count() == 6
