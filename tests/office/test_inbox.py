"""The executor's inbox: own organization only, nearest deadline first, working days left on
the production calendar, filters, Russian search, the map's GeoJSON and a constant query count."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from otklik.accounts.models import Role
from otklik.appeals import services
from otklik.appeals.models import Appeal
from otklik.appeals.workflow import Status
from tests.factories import CategoryFactory, staff

MSK = ZoneInfo("Europe/Moscow")
URL = "/office/inbox/"
GEOJSON = "/office/inbox/appeals.geojson"
# Friday 6 March 2026; Sunday 8 March (a holiday) moves the day off to Monday 9 March.
FRIDAY = datetime(2026, 3, 6, 10, 0, tzinfo=MSK)
STARTED = datetime(2026, 2, 2, 9, 0, tzinfo=MSK)


def end_of(day: int) -> datetime:
    return datetime(2026, 3, day, 23, 59, 59, tzinfo=MSK)


@pytest.fixture
def make(appeal_in):
    """An appeal in progress since February with its deadline set to the end of a March day."""

    def make(day=None, status=Status.IN_PROGRESS, **overrides):
        appeal = appeal_in(status, now=STARTED, **overrides)
        if day is not None:
            Appeal.objects.filter(pk=appeal.pk).update(due_at=end_of(day))
            appeal.refresh_from_db()
        return appeal

    return make


@pytest.fixture
def friday():
    with time_machine.travel(FRIDAY, tick=False):
        yield


def rows(html: str, appeals) -> list[str]:
    """The numbers of `appeals` in the order the page lists them."""
    found = [(html.find(f">{a.number}</a>"), a.number) for a in appeals]
    return [number for position, number in sorted(found) if position >= 0]


def test_only_executors_open_the_inbox(client, operator, citizen, executor):
    client.force_login(citizen)
    assert client.get(URL).status_code == 403
    client.force_login(operator)
    assert client.get(URL).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302


def test_inbox_lists_only_the_own_organizations_appeals_in_work(
    client, make, executor, other_municipality, other_organization, other_citizen, friday
):
    own = make(12)
    in_review = make(13, status=Status.ANSWER_REVIEW)
    answered = make(status=Status.ANSWERED)
    foreign = make(
        12,
        municipality=other_municipality,
        organization=other_organization,
        applicant=other_citizen,
    )
    client.force_login(executor)
    html = client.get(URL).content.decode()
    assert rows(html, [own, in_review, answered, foreign]) == [own.number, in_review.number]
    html = client.get(URL + "?status=all").content.decode()
    assert answered.number in html
    assert foreign.number not in html


def test_nearest_deadline_comes_first(client, make, executor, friday):
    later, sooner, middle = make(20), make(10), make(12)
    client.force_login(executor)
    html = client.get(URL).content.decode()
    assert rows(html, [later, sooner, middle]) == [sooner.number, middle.number, later.number]


def test_working_days_left_skip_the_weekend_and_the_holiday(client, make, executor, friday):
    overdue, today, tuesday, wednesday, thursday = make(5), make(6), make(10), make(11), make(12)
    client.force_login(executor)
    html = client.get(URL).content.decode()

    def cell(appeal):
        start = html.index(f">{appeal.number}</a>")
        return html[start : html.index("</tr>", start)]

    assert "просрочено на 1 раб. день" in cell(overdue)
    assert "deadline-overdue" in cell(overdue)
    assert "срок сегодня" in cell(today)
    assert "deadline-today" in cell(today)
    # Saturday, Sunday and the moved holiday on Monday 9 March do not count.
    assert "остался 1 раб. день" in cell(tuesday)
    assert "deadline-soon" in cell(tuesday)
    assert "осталось 2 раб. дня" in cell(wednesday)
    assert "deadline-soon" in cell(wednesday)
    assert "осталось 3 раб. дня" in cell(thursday)
    assert "deadline-ok" in cell(thursday)


def test_deadline_buckets_are_counted_and_filtered(client, make, executor, friday):
    overdue, today, soon, later = make(5), make(6), make(10), make(20)
    client.force_login(executor)
    response = client.get(URL)
    assert response.context["counts"] == {"overdue": 1, "today": 1, "soon": 1}
    everyone = [overdue, today, soon, later]
    for value, expected in (("overdue", overdue), ("today", today), ("soon", soon)):
        html = client.get(URL + f"?deadline={value}").content.decode()
        assert rows(html, everyone) == [expected.number], value


def test_flags_repeat_postponement_returned_and_supporters(
    client, make, executor, operator, other_citizen, friday
):
    returned = make(12)
    answer = services.submit_answer(
        appeal=returned, actor=executor, text="Рассмотрено, будет сделано позднее."
    )
    services.return_answer(answer=answer, actor=operator, reasons=["no_date"])
    waiting = make(13)
    services.request_postponement(
        appeal=waiting,
        actor=executor,
        new_due_date=date(2026, 3, 20),
        reason="Нужна экспертиза покрытия",
    )
    services.support_appeal(appeal=waiting, actor=other_citizen)
    client.force_login(executor)
    html = client.get(URL).content.decode()
    assert "возвращён на доработку" in html
    assert "запрошен перенос" in html
    assert ">+1</span>" in html
    only_returned = client.get(URL + "?status=returned").content.decode()
    assert rows(only_returned, [returned, waiting]) == [returned.number]


def test_category_and_assignee_filters(client, make, executor, organization, roads, friday):
    lights = CategoryFactory(code="lights", name="Освещение", parent=roads)
    colleague = staff(Role.EXECUTOR, organization, full_name="Анна Коллегова")
    mine, theirs, nobodys = make(12), make(13), make(14, category=lights)
    services.delegate_appeal(appeal=mine, actor=executor, assignee=executor)
    services.delegate_appeal(appeal=theirs, actor=executor, assignee=colleague)
    everyone = [mine, theirs, nobodys]
    client.force_login(executor)
    html = client.get(URL).content.decode()
    assert "Анна Коллегова" in html
    assert rows(client.get(URL + "?assignee=me").content.decode(), everyone) == [mine.number]
    assert rows(client.get(URL + "?assignee=none").content.decode(), everyone) == [nobodys.number]
    assert rows(client.get(URL + f"?assignee={colleague.pk}").content.decode(), everyone) == [
        theirs.number
    ]
    assert rows(client.get(URL + f"?category={lights.pk}").content.decode(), everyone) == [
        nobodys.number
    ]


def test_russian_search_finds_other_word_forms(client, make, executor, friday):
    pothole = make(12)
    lamp = make(13, text="Не горит фонарь во дворе дома 5, темно вечером.")
    client.force_login(executor)
    html = client.get(URL, {"q": "ямы на дорогах"}).content.decode()
    assert rows(html, [pothole, lamp]) == [pothole.number]
    html = client.get(URL, {"q": "фонари"}).content.decode()
    assert rows(html, [pothole, lamp]) == [lamp.number]
    html = client.get(URL, {"q": lamp.number}).content.decode()
    assert rows(html, [pothole, lamp]) == [lamp.number]


@pytest.mark.parametrize(
    "query",
    [
        "?status=nonsense&deadline=yesterday&category=abc&assignee=-1&page=999",
        "?category=99999999999999999999&assignee=99999999999999999999",
        "?q=" + "я" * 500,
        "?q=%00%27%22&page=-1",
        "?q=%26%7C%21%3A*()",
    ],
)
def test_garbage_filters_never_fail(client, make, executor, friday, query):
    make(12)
    client.force_login(executor)
    assert client.get(URL + query).status_code == 200
    assert client.get(GEOJSON + query).status_code == 200


def test_geojson_has_the_filtered_own_appeals_with_a_point(
    client, make, executor, other_municipality, other_organization, other_citizen, friday
):
    overdue, later = make(5), make(20)
    no_point = make(12)
    Appeal.objects.filter(pk=no_point.pk).update(latitude=None, longitude=None)
    make(
        5,
        municipality=other_municipality,
        organization=other_organization,
        applicant=other_citizen,
        latitude=other_municipality.center_lat,
        longitude=other_municipality.center_lon,
    )
    client.force_login(executor)
    data = client.get(GEOJSON).json()
    assert data["type"] == "FeatureCollection"
    numbers = {f["properties"]["number"] for f in data["features"]}
    assert numbers == {overdue.number, later.number}
    feature = next(f for f in data["features"] if f["properties"]["number"] == overdue.number)
    assert feature["properties"] == {
        "number": overdue.number,
        "category": "Дороги / Ямы",
        "deadline": "overdue",
        "url": f"/office/appeals/{overdue.number}/",
    }
    assert feature["geometry"]["coordinates"] == [overdue.longitude, overdue.latitude]
    filtered = client.get(GEOJSON + "?deadline=overdue").json()
    assert [f["properties"]["number"] for f in filtered["features"]] == [overdue.number]


def test_geojson_is_for_executors_only(client, operator):
    client.force_login(operator)
    assert client.get(GEOJSON).status_code == 403


def test_queries_do_not_grow_with_the_rows(
    client, make, executor, other_citizen, friday, django_assert_max_num_queries
):
    client.force_login(executor)
    for day in (5, 6, 10):
        services.support_appeal(appeal=make(day), actor=other_citizen)
    with django_assert_max_num_queries(12) as few:
        client.get(URL)
    for day in (11, 12, 13, 16, 17, 18, 19):
        make(day, status=Status.ANSWER_REVIEW if day % 2 else Status.IN_PROGRESS)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert len(response.context["rows"]) == 10
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(GEOJSON).json()["features"]) == 10


def test_pages_of_fifty(client, make, executor, friday):
    for _ in range(51):
        make(12)
    client.force_login(executor)
    first = client.get(URL)
    assert len(first.context["rows"]) == 50
    assert "page=2" in first.content.decode()
    assert len(client.get(URL + "?page=2").context["rows"]) == 1
