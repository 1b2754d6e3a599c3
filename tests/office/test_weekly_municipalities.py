"""The weekly review shows each municipality's repeat share and durability failures of the
week (KPI.md, from the rollups), each number linked to the appeals behind it, and the XLSX
export has the same table."""

from datetime import timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from otklik.analytics import weekly
from otklik.appeals.workflow import Status
from tests.factories import refresh_rollups

MSK = ZoneInfo("Europe/Moscow")
URL = reverse("office:weekly")
XLSX = reverse("office:weekly_xlsx")


def at(day, hour):
    return timezone.make_aware(timezone.datetime(day.year, day.month, day.day, hour), MSK)


@pytest.fixture
def week():
    return weekly.last_complete_week(timezone.now().astimezone(MSK).date())


@pytest.fixture
def lipetsk_week(appeal_in, week):
    """In Lipetsk: an appeal closed on Monday and, two days later, a repeat of it and another
    appeal at the same place (a durability failure); one more closed appeal far away."""
    closed = appeal_in(Status.CLOSED, now=at(week.start, 8))
    repeat = appeal_in(
        Status.REGISTERED, now=at(week.start + timedelta(days=2), 9), repeat_of=closed
    )
    follower = appeal_in(Status.REGISTERED, now=at(week.start + timedelta(days=2), 12))
    far = appeal_in(
        Status.CLOSED, latitude=52.65, longitude=39.65, now=at(week.start + timedelta(days=1), 8)
    )
    refresh_rollups()
    return {"closed": closed, "repeat": repeat, "follower": follower, "far": far}


def _rows(response):
    return {row["name"]: row for row in response.context["municipalities"]}


def test_each_municipality_has_its_repeat_share_and_durability_failures(
    client, leadership, lipetsk_week, other_municipality, week
):
    client.force_login(leadership)
    response = client.get(URL, {"week": weekly.week_code(week)})
    rows = _rows(response)
    lipetsk = rows["Липецк"]
    assert (lipetsk["received"], lipetsk["repeat"].numerator) == (4, 1)
    assert lipetsk["repeat"].percent == 25.0
    assert (lipetsk["durability"].numerator, lipetsk["durability"].denominator) == (1, 2)
    yelets = rows["Елец"]
    assert (yelets["received"], yelets["repeat"].percent, yelets["durability"].percent) == (
        0,
        None,
        None,
    )
    total = rows["Весь регион"]
    assert total["is_total"] and total["repeat"].numerator == 1
    assert [row["name"] for row in response.context["municipalities"]] == [
        "Елец",
        "Липецк",
        "Весь регион",
    ]
    page = response.content.decode()
    assert "Повторные обращения и повторные по месту по муниципалитетам" in page
    assert lipetsk["durability_numerator_url"].replace("&", "&amp;") in page


def test_each_figure_links_to_the_appeals_behind_it(
    client, leadership, lipetsk_week, municipality, week
):
    client.force_login(leadership)
    lipetsk = _rows(client.get(URL, {"week": weekly.week_code(week)}))["Липецк"]
    expected = {
        "repeat_numerator_url": [lipetsk_week["repeat"]],
        "durability_numerator_url": [lipetsk_week["closed"]],
        "durability_denominator_url": [lipetsk_week["closed"], lipetsk_week["far"]],
    }
    for key, appeals in expected.items():
        response = client.get(lipetsk[key])
        assert response.status_code == 200, key
        page = response.content.decode()
        for appeal in appeals:
            assert appeal.number in page, key
        others = {a.number for a in lipetsk_week.values()} - {a.number for a in appeals}
        assert not [number for number in others if number in page], key
    assert f"municipality={municipality.pk}" in lipetsk["repeat_numerator_url"]


def test_export_has_the_same_municipality_table(client, leadership, lipetsk_week, week):
    client.force_login(leadership)
    query = {"week": weekly.week_code(week)}
    table = client.get(URL, query).context["municipalities"]
    book = load_workbook(BytesIO(client.get(XLSX, query).content))
    assert "Муниципалитеты" in book.sheetnames
    sheet = book["Муниципалитеты"]
    assert sheet["D1"].value == "Доля повторных"
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert rows == [
        [
            row["name"],
            row["received"],
            row["repeat"].numerator,
            None if row["repeat"].value is None else round(row["repeat"].value, 4),
            row["durability"].denominator,
            row["durability"].numerator,
            None if row["durability"].value is None else round(row["durability"].value, 4),
        ]
        for row in table
    ]
    assert sheet["D2"].number_format == "0.0%"
