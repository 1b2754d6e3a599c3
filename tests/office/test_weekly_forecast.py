"""The forecast on the weekly review page and in its XLSX export: the forecast and its 80 %
interval beside each topic group's count, the flag «выше прогноза» explained and linked to the
appeals behind it, «точность прогноза», and a week without a forecast said in words."""

from datetime import datetime, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from otklik.analytics import weekly
from otklik.analytics.models import WeeklyForecast
from otklik.appeals.workflow import Status
from tests.factories import refresh_rollups
from tests.office.test_weekly import MSK, URL, XLSX, at, this_week_start


def stored(region, group, municipality, week, expected, low, high):
    return WeeklyForecast.objects.create(
        region=region,
        group=group,
        municipality=municipality,
        week=week,
        made_at=datetime.combine(week - timedelta(days=7), datetime.min.time(), MSK),
        expected=expected,
        low=low,
        high=high,
        median=round(expected),
        scale=1.0,
        model_version="test",
    )


@pytest.fixture
def week():
    return this_week_start()


@pytest.fixture
def five_potholes(appeal_in, week):
    """Five Lipetsk pothole appeals registered in the last complete week."""
    appeals = [
        appeal_in(Status.REGISTERED, now=at(week.start, 9) + timedelta(hours=index))
        for index in range(5)
    ]
    refresh_rollups()
    return appeals


@pytest.fixture
def forecasts(region, municipality, other_municipality, roads, week):
    """Дороги: the region expected 2.4 (1–4), Липецк 1.6 (0–3), Елец 0.8 (0–2)."""
    return [
        stored(region, roads, None, week.start, 2.4, 1, 4),
        stored(region, roads, municipality, week.start, 1.6, 0, 3),
        stored(region, roads, other_municipality, week.start, 0.8, 0, 2),
    ]


def test_the_page_shows_the_forecast_and_flags_what_came_above_it(
    client, leadership, five_potholes, forecasts, week, municipality, roads
):
    client.force_login(leadership)
    response = client.get(URL, {"week": weekly.week_code(week)})
    page = response.content.decode()
    topic = response.context["review"].topics.roots[0]
    assert (topic.name, topic.count, topic.forecast.high) == ("Дороги", 5, 4)
    # Beside the count: the forecast and its interval, and the flag.
    assert 'data-forecast="expected">2,4</td>' in page
    assert 'data-forecast="interval">1–4</td>' in page
    assert "выше прогноза" in page
    assert ">Интервал 80 %</th>" in page
    assert "%%" not in page
    # Each flag explained with its numbers, and linked to the appeals behind it.
    flags = response.context["forecast_flags"]
    assert [(f["place"], f["check"].actual) for f in flags] == [
        ("Весь регион", 5),
        ("Липецк", 5),
    ]
    assert (
        "Поступило обращений: 5; прогноз ожидал 2,4, а интервал 80 % кончается на 4 (1–4)." in page
    )
    lipetsk = flags[1]["url"]
    assert f"municipality={municipality.pk}" in lipetsk
    assert f"category={roads.pk}" in lipetsk
    assert lipetsk in page.replace("&amp;", "&")
    listed = client.get(lipetsk)
    assert listed.status_code == 200
    assert listed.context["listed"] == 5
    for appeal in five_potholes:
        assert appeal.number in listed.content.decode()
    # The municipality table names the topic above its forecast.
    rows = {row["name"]: row for row in response.context["municipalities"]}
    assert [f["check"].group for f in rows["Липецк"]["above"]] == ["Дороги"]
    assert rows["Елец"]["above"] == []
    assert "Точность прогноза" in page


def test_a_week_without_a_forecast_says_so(client, leadership, five_potholes, week):
    client.force_login(leadership)
    response = client.get(URL, {"week": weekly.week_code(week)})
    page = response.content.decode()
    assert not response.context["review"].forecast.made
    assert 'data-forecast="none">прогноза нет</td>' in page
    assert "Прогноза на эту неделю нет: он не делался." in page
    assert "выше прогноза" not in page
    assert "прогнозов на эти недели не делалось." in page


def test_the_export_has_the_forecast_interval_flag_and_accuracy(
    client, leadership, five_potholes, forecasts, week
):
    client.force_login(leadership)
    query = {"week": weekly.week_code(week)}
    review = client.get(URL, query).context["review"]
    book = load_workbook(BytesIO(client.get(XLSX, query).content))
    topics = book["Темы"]
    header = [cell.value for cell in topics[1]]
    assert header[-4:] == ["Прогноз", "Интервал от", "Интервал до", "Выше прогноза"]
    root = next(topics.iter_rows(min_row=2))
    assert [c.value for c in root[:3]] == ["Дороги", None, 5]
    assert [c.value for c in root[-4:]] == [2.4, 1, 4, "да"]
    assert root[-4].data_type == "n"
    sheet = book["Прогноз"]
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [
        ["Дороги", "Весь регион", 5, 2.4, 1, 4, "да"],
        ["Дороги", "Елец", 0, 0.8, 0, 2, None],
        ["Дороги", "Липецк", 5, 1.6, 0, 3, "да"],
    ]
    summary = {row[0].value: row[1] for row in book["Сводка"].iter_rows(min_row=2)}
    accuracy = review.forecast.accuracy  # the week is over: it is in the window
    mase = summary["Точность прогноза: MASE, последние недели (8)"]
    share = summary["Точность прогноза: доля в интервале 80 %, последние недели (8)"]
    assert accuracy.coverage.denominator == 2
    assert mase.value == accuracy.mase == round((abs(5 - 2) + abs(0 - 1)) / 2, 3)
    assert share.value == 0.5
    assert share.number_format == "0.0%"
    assert not any(cell.data_type == "f" for ws in book for row in ws.iter_rows() for cell in row)


def test_the_export_without_a_forecast_writes_words_not_zeros(
    client, leadership, five_potholes, week
):
    client.force_login(leadership)
    book = load_workbook(BytesIO(client.get(XLSX, {"week": weekly.week_code(week)}).content))
    root = next(book["Темы"].iter_rows(min_row=2))
    assert [c.value for c in root[-4:]] == ["прогноза нет", None, None, None]
    assert book["Прогноз"]["A2"].value == "Прогноза на эту неделю нет: он не делался."
