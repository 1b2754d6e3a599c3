"""The weekly review page, its XLSX export and its heat map: who may open them, the week asked
for, odd input, the figures of the export against the page, and a bounded number of queries."""

from datetime import timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from otklik.accounts.models import Role
from otklik.analytics import weekly
from otklik.appeals.workflow import Status
from otklik.control.instructions import issue_instruction
from otklik.control.models import CallList, ControlCall, FollowUp
from otklik.directory.models import Municipality
from tests.factories import MunicipalityFactory, RegionFactory, refresh_rollups, square, staff

MSK = ZoneInfo("Europe/Moscow")
URL = reverse("office:weekly")
XLSX = reverse("office:weekly_xlsx")
HEATMAP = reverse("office:weekly_heatmap")


def this_week_start():
    today = timezone.now().astimezone(MSK).date()
    return weekly.last_complete_week(today)


def at(day, hour=11):
    """An aware moment on a local day of the region."""
    return timezone.make_aware(timezone.datetime(day.year, day.month, day.day, hour), MSK)


@pytest.fixture
def week():
    return this_week_start()


@pytest.fixture
def history(appeal_in, week, citizen):
    """Appeals of the last complete week: three answered (one of them late, with a repeat), one
    still open past its deadline; a not-solved control call on one of them."""
    start = at(week.start, 9)
    answered = [
        appeal_in(Status.ANSWERED, now=start + timedelta(hours=index)) for index in range(3)
    ]
    repeat = appeal_in(Status.REGISTERED, now=start + timedelta(days=2), repeat_of=answered[0])
    late = appeal_in(Status.IN_PROGRESS, now=at(week.start - timedelta(days=60)))
    call_list = CallList.objects.create(
        region=answered[0].region,
        title="Обзвон недели",
        size=10,
        closed_from=start - timedelta(days=7),
        closed_to=start + timedelta(days=7),
    )
    ControlCall.objects.create(
        call_list=call_list,
        appeal=answered[1],
        applicant=citizen,
        state=ControlCall.State.DONE,
        completed_at=start + timedelta(days=3),
        is_solved=False,
        comment="Яма снова появилась",
    )
    ControlCall.objects.create(
        call_list=call_list,
        appeal=answered[2],
        applicant=citizen,
        state=ControlCall.State.DONE,
        completed_at=start + timedelta(days=3),
        is_solved=True,
    )
    refresh_rollups()
    return {"answered": answered, "repeat": repeat, "late": late}


# ---------------------------------------------------------------------------- who may open it


@pytest.mark.parametrize("who", ["leadership", "operator", "region_admin", "admin_user"])
def test_region_staff_and_superuser_open_the_review(client, who, request, region):
    user = staff(Role.ADMIN, region) if who == "region_admin" else request.getfixturevalue(who)
    client.force_login(user)
    for url in (URL, XLSX, HEATMAP):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    "who", ["executor", "supervisor", "caller", "municipal_operator", "citizen"]
)
def test_everyone_else_gets_403(client, who, request):
    client.force_login(request.getfixturevalue(who))
    for url in (URL, XLSX, HEATMAP):
        assert client.get(url).status_code == 403, url


def test_anonymous_is_sent_to_log_in(client, region):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_leadership_cannot_ask_for_another_region(client, leadership, region):
    other = RegionFactory(code="36", name="Воронежская область")
    client.force_login(leadership)
    response = client.get(URL, {"region": other.pk})
    assert response.status_code == 200
    assert response.context["region"] == region
    assert "недоступен" in response.content.decode()


def test_superuser_picks_the_region(client, admin_user, region):
    other = RegionFactory(code="36", name="Воронежская область", time_zone="Europe/Moscow")
    client.force_login(admin_user)
    response = client.get(URL, {"region": other.pk})
    assert response.context["region"] == other
    assert "Воронежская область" in response.content.decode()


# ---------------------------------------------------------------------------- the week


def test_default_is_the_current_week_with_the_week_before_linked(client, leadership, week):
    client.force_login(leadership)
    response = client.get(URL)
    current = week_after(week)  # the week after the last complete one: today's
    assert response.context["week"] == weekly.week_code(current)
    assert response.context["is_current_week"]
    assert response.context["previous_week"] == weekly.week_code(week)
    assert response.context["next_week"] == ""
    page = response.content.decode()
    assert f"?week={weekly.week_code(week)}" in page
    assert 'rel="next"' not in page
    assert "неделя ещё не закончилась" in page
    assert not response.context["notes"]
    # The week before has the current one as its next.
    response = client.get(URL, {"week": weekly.week_code(week)})
    assert response.context["next_week"] == weekly.week_code(current)
    assert not response.context["is_current_week"]


def week_after(week):
    return weekly.Period.week(week.end)


def test_a_week_asked_for_is_shown(client, leadership):
    client.force_login(leadership)
    response = client.get(URL, {"week": "2025-W10"})
    assert response.context["review"].period.start.isoformat() == "2025-03-03"
    assert "03.03.2025" in response.content.decode()


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("2025-13", "не неделя"),
        ("вчера", "не неделя"),
        ("2025-W54", "нет недели"),
        ("2025-W53", "нет недели"),
        ("2999-W01", "ещё нет"),
        ("1812-W10", "ещё нет"),
        ("2025-W10\x00", "не неделя"),
        ("9" * 400, "не неделя"),
    ],
)
def test_a_bad_week_falls_back_to_the_default_with_a_russian_message(
    client, leadership, week, value, words
):
    client.force_login(leadership)
    response = client.get(URL, {"week": value})
    assert response.status_code == 200
    assert response.context["week"] == weekly.week_code(week_after(week))
    assert words in " ".join(response.context["notes"])
    assert words in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"region": "abc"},
        {"region": "9" * 40},
        {"region": "-1"},
        {"region": "1\x00"},
        {"layer": "appeals", "week": "\x00"},
    ],
)
def test_odd_query_strings_never_fail(client, leadership, query):
    client.force_login(leadership)
    for url in (URL, XLSX, HEATMAP):
        assert client.get(url, query).status_code == 200, (url, query)


def test_unknown_heatmap_layer_is_a_clear_400(client, leadership):
    client.force_login(leadership)
    response = client.get(HEATMAP, {"layer": "secret"})
    assert response.status_code == 400
    assert "слой" in response.json()["error"]


# ---------------------------------------------------------------------------- the figures


def test_page_shows_the_sections_and_the_figures_of_the_week(client, leadership, history, week):
    client.force_login(leadership)
    response = client.get(URL, {"week": weekly.week_code(week)})
    review = response.context["review"]
    assert review.kpis.received == 4
    assert review.kpis.repeat.numerator == 1
    assert [a.pk for a in review.overdue] == [history["late"].pk]
    assert review.calls["counts"]["not_solved"] == 1
    assert review.calls["solved_share"].percent == 50.0
    assert [c.appeal.pk for c in review.calls["failed"]] == [history["answered"][1].pk]
    assert [case.appeal.pk for case in review.repeats] == [history["answered"][0].pk]
    page = response.content.decode()
    for title in (
        "Показатели недели",
        "Темы недели",
        "Новые очаги",
        "Тепловая карта",
        "Рейтинг муниципалитетов",
        "Самые просроченные обращения",
        "Худшие повторные случаи",
        "Поручения",
        "Контрольные звонки недели",
    ):
        assert title in page, title
    assert history["late"].number in page
    assert "Яма снова появилась" in page
    assert page.count("<svg") >= 3
    assert 'style="' not in page.split('<main id="main">')[1]


def test_export_has_the_same_figures_as_the_page(client, leadership, history, week):
    client.force_login(leadership)
    query = {"week": weekly.week_code(week)}
    review = client.get(URL, query).context["review"]
    response = client.get(XLSX, query)
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="otklik-weekly-48-{weekly.week_code(week)}.xlsx"'
    )
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == [
        "Сводка",
        "Темы",
        "Прогноз",
        "Рейтинг",
        "Муниципалитеты",
        "Просрочка",
        "Повторные",
        "Поручения",
        "Обзвон",
    ]
    summary = book["Сводка"]
    assert summary.freeze_panes == "A2"
    assert summary["A1"].value == "Показатель"
    rows = {row[0].value: row for row in summary.iter_rows(min_row=2)}
    for kpi in review.kpi_rows:
        cell = rows[kpi.label][1]
        if kpi.is_share:
            expected = None if kpi.value is None else round(kpi.value / 100, 4)
            if expected is not None:
                assert cell.number_format == "0.0%"
        else:
            expected = kpi.value
        assert cell.value == expected, kpi.key
    topics = [(r[0].value, r[1].value, r[2].value) for r in book["Темы"].iter_rows(min_row=2)]
    assert topics == [
        ((root or topic).name, topic.name if root else None, topic.count)
        for topic, root in review.topics.flat()
    ]
    ranking = [(r[1].value, r[5].value) for r in book["Рейтинг"].iter_rows(min_row=2)]
    assert ranking == [(row.name, row.kpis.received) for row in review.ranking.rows]
    overdue = [(r[0].value, r[1].value) for r in book["Просрочка"].iter_rows(min_row=2)]
    assert overdue == [(a.number, a.days_overdue) for a in review.overdue]
    repeats = [(r[0].value, r[1].value) for r in book["Повторные"].iter_rows(min_row=2)]
    assert repeats == [(c.appeal.number, c.repeats) for c in review.repeats]
    calls = book["Обзвон"]
    assert calls["B2"].value == review.calls["counts"]["done"] == 2
    assert calls["B4"].value == review.calls["counts"]["not_solved"] == 1
    assert calls["B6"].value == 0.5
    assert calls["B6"].number_format == "0.0%"
    assert calls["A8"].value == history["answered"][1].number
    assert book["Поручения"].column_dimensions["A"].width == 34


def test_heatmap_is_geojson_cells_of_the_region_only(client, leadership, history, week, category):
    other = RegionFactory(code="36", name="Воронежская область")
    far = MunicipalityFactory(
        region=other,
        name="Воронеж",
        kind=Municipality.Kind.CITY_DISTRICT,
        oktmo="20701000",
        center_lat=51.66,
        center_lon=39.2,
        boundary=square(51.66, 39.2),
    )
    from tests.factories import make_appeal

    make_appeal(
        Status.REGISTERED,
        region=other,
        municipality=far,
        applicant=None,
        category=category,
        operator=staff(Role.OPERATOR, other),
        latitude=51.66,
        longitude=39.2,
        now=at(week.start, 10),
    )
    client.force_login(leadership)
    query = {"week": weekly.week_code(week)}
    data = client.get(HEATMAP, query).json()
    assert data["type"] == "FeatureCollection"
    assert data["layer"] == "appeals"
    assert data["truncated"] is False
    assert sum(f["properties"]["count"] for f in data["features"]) == 4  # Lipetsk only
    feature = data["features"][0]
    assert feature["geometry"]["type"] == "Polygon"
    ring = feature["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 5
    lons = sorted({p[0] for p in ring})
    lats = sorted({p[1] for p in ring})
    assert lons[0] <= 39.59 < lons[1] and lats[0] <= 52.61 < lats[1]
    assert 400 < (lats[1] - lats[0]) * 111_320 < 600
    assert feature["properties"]["intensity"] == 1

    failed = client.get(HEATMAP, {**query, "layer": "failed"}).json()
    assert sum(f["properties"]["count"] for f in failed["features"]) == 1
    FollowUp.objects.create(
        appeal=history["answered"][2],
        answered_at=at(week.start, 15),
        fix_lasted=False,
    )
    failed = client.get(HEATMAP, {**query, "layer": "failed"}).json()
    assert sum(f["properties"]["count"] for f in failed["features"]) == 2
    # An earlier week has none of these.
    empty = client.get(HEATMAP, {"week": weekly.week_code(week.previous())}).json()
    assert empty["features"] == []


# ---------------------------------------------------------------------------- queries


def _grow(appeal_in, week, n, *, issuer, organization):
    """n appeals in the week and n open instructions (listed on the page, every one)."""
    start = at(week.start, 8)
    for index in range(n):
        appeal_in(Status.REGISTERED, now=start + timedelta(hours=index))
        issue_instruction(
            actor=issuer,
            organization=organization,
            text=f"Проверить ямочный ремонт на улице Московской, участок {index}.",
            due_date=week.end + timedelta(days=index),
            now=start,
        )
    refresh_rollups()


def test_page_takes_a_bounded_number_of_queries(
    client,
    leadership,
    history,
    appeal_in,
    week,
    organization,
    other_municipality,
    django_assert_max_num_queries,
):
    client.force_login(leadership)
    query = {"week": weekly.week_code(week)}
    with django_assert_max_num_queries(45) as small:
        client.get(URL, query)
    _grow(appeal_in, week, 12, issuer=leadership, organization=organization)
    with django_assert_max_num_queries(45) as large:
        response = client.get(URL, query)
    assert response.context["review"].kpis.received == 16
    assert len(response.context["review"].instructions["open"]) == 12
    assert len(response.context["municipalities"]) == 3  # Липецк, Елец and the region
    assert response.context["review"].hot_spots  # the 12 new appeals make a hot spot
    assert len(large.captured_queries) == len(small.captured_queries) + 2  # the hot spot lists
    with django_assert_max_num_queries(45):
        assert client.get(URL).context["is_current_week"]  # the default: the current week
