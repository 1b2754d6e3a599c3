"""The computations of the weekly review: weeks, the topics growth rule against the seasonal level
(or the 8-week fallback), new hot spots, repeat chains, and the inline SVG charts."""

import xml.etree.ElementTree as ET
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from otklik.analytics import weekly
from otklik.analytics.figures import Period
from otklik.analytics.models import Grain, KpiDay
from otklik.appeals.workflow import Status
from otklik.lib.charts import bar_chart, line_chart
from tests.factories import CategoryFactory, UserFactory

MSK = ZoneInfo("Europe/Moscow")
SVG = "{http://www.w3.org/2000/svg}"


# ---------------------------------------------------------------------------- weeks


def test_default_week_is_the_monday_to_sunday_of_today():
    period, note = weekly.parse_week(None, date(2026, 3, 4))  # a Wednesday
    assert (period.start, period.end, note) == (date(2026, 3, 2), date(2026, 3, 9), None)
    assert weekly.week_code(period) == "2026-W10"
    assert weekly.parse_week("", date(2026, 3, 8))[0] == period  # its Sunday


def test_a_caller_may_choose_another_default_week():
    today = date(2026, 3, 4)
    last = weekly.last_complete_week(today)
    assert weekly.parse_week(None, today, default=last) == (last, None)
    period, note = weekly.parse_week("2026-W77", today, default=last)
    assert period == last
    assert "2026-W09" in note


@pytest.mark.parametrize(
    ("value", "start"),
    [
        ("2026-W01", date(2025, 12, 29)),
        ("2020-w53", date(2020, 12, 28)),
        ("2026W9", date(2026, 2, 23)),
    ],
)
def test_iso_weeks_are_read(value, start):
    period, note = weekly.parse_week(value, date(2026, 3, 4))
    assert (period.start, note) == (start, None)


@pytest.mark.parametrize("value", ["2026-W11", "2027-W01", "2021-W53", "W10", "2026-W00", "x" * 99])
def test_future_or_impossible_weeks_fall_back_with_a_message(value):
    period, note = weekly.parse_week(value, date(2026, 3, 4))
    assert period.start == date(2026, 3, 2)
    assert "2026-W10" in note


def test_the_current_week_may_be_asked_for_but_has_no_next():
    today = date(2026, 3, 4)
    period, note = weekly.parse_week("2026-W10", today)
    assert note is None
    before, after = weekly.neighbours(period, today)
    assert weekly.week_code(before) == "2026-W09"
    assert after is None


# ---------------------------------------------------------------------------- topics


@pytest.mark.parametrize(
    ("count", "usual", "significant"),
    [(30, 20, True), (29, 20, False), (14, 4, True), (13, 4, False), (10, 0, True), (9, 0, False)],
)
def test_growth_rule_needs_both_the_ratio_and_the_absolute_rise(count, usual, significant):
    assert weekly.is_significant(count, usual) is significant


def put(region, category, day, received):
    """A day's appeals of a category, as the rollups hold them (fine and category grains)."""
    for grain in (Grain.FINE, Grain.CATEGORY):
        KpiDay.objects.create(
            grain=grain, region=region, day=day, category=category.pk, received=received
        )


@pytest.fixture
def tree(roads, category, fast_category):
    housing = CategoryFactory(code="housing", name="ЖКХ", position=2)
    heating = CategoryFactory(code="heating", name="Отопление", parent=housing)
    return {"potholes": category, "lights": fast_category, "housing": housing, "heating": heating}


def test_topics_compare_with_the_same_season_of_previous_years(region, tree):
    week = Period.week(date(2026, 3, 16))  # ISO week 12
    # This week: 40 potholes, 3 traffic lights, 12 heating appeals.
    put(region, tree["potholes"], week.start, 40)
    put(region, tree["lights"], week.start + timedelta(days=1), 3)
    put(region, tree["heating"], week.start + timedelta(days=2), 12)
    # A year before, weeks 10–14 of 2025: 50 potholes (10 a week) and 100 heating (20 a week).
    season = date.fromisocalendar(2025, 12, 1)
    put(region, tree["potholes"], season - timedelta(days=14), 20)
    put(region, tree["potholes"], season + timedelta(days=20), 30)
    put(region, tree["heating"], season, 100)
    # Just outside the season window: must not count.
    put(region, tree["potholes"], season - timedelta(days=15), 500)
    put(region, tree["potholes"], season + timedelta(days=21), 500)
    # The weeks just before this one were high: the seasonal level ignores them.
    put(region, tree["heating"], week.start - timedelta(days=7), 400)

    topics = weekly.topics(region.pk, week)

    assert topics.baseline == "season"
    assert topics.season_years == [2025]
    roads, housing = topics.roots
    assert (roads.name, roads.count, roads.usual) == ("Дороги", 43, 10.0)
    assert roads.significant  # 43 ≥ 1.5 × 10 and 33 more
    potholes, lights = roads.children
    assert (potholes.name, potholes.count, potholes.usual, potholes.ratio) == ("Ямы", 40, 10.0, 4.0)
    assert potholes.significant
    assert (lights.count, lights.usual, lights.ratio, lights.significant) == (3, 0.0, None, False)
    assert (housing.count, housing.usual, housing.growth) == (12, 20.0, -8.0)
    assert not housing.significant
    assert [t.name for t in topics.growing()] == ["Ямы", "Светофоры"]


def test_two_seasons_are_averaged(region, tree):
    week = Period.week(date(2026, 3, 16))
    put(region, tree["potholes"], week.start, 10)
    put(region, tree["potholes"], date.fromisocalendar(2025, 12, 1), 10)  # 2 a week
    put(region, tree["potholes"], date.fromisocalendar(2024, 11, 3), 30)  # 6 a week
    topics = weekly.topics(region.pk, week)
    assert topics.season_years == [2024, 2025]
    assert topics.roots[0].children[0].usual == 4.0


def test_without_seasonal_history_the_previous_eight_weeks_are_the_usual_level(region, tree):
    week = Period.week(date(2026, 3, 16))
    put(region, tree["heating"], week.start, 30)
    put(region, tree["heating"], week.start - timedelta(days=1), 16)  # last week
    put(region, tree["heating"], week.start - timedelta(days=55), 8)  # 8 weeks back: counts
    put(region, tree["heating"], week.start - timedelta(days=57), 800)  # 9 weeks back: not
    topics = weekly.topics(region.pk, week)
    assert topics.baseline == "recent"
    (housing,) = topics.roots
    assert (housing.count, housing.usual) == (30, 3.0)
    assert housing.children[0].significant  # 30 ≥ 4.5 and 27 more


# ---------------------------------------------------------------------------- hot spots


def at(day, hour):
    return timezone.make_aware(timezone.datetime(day.year, day.month, day.day, hour), MSK)


def test_new_hot_spot_is_a_cell_with_five_appeals_this_week_and_at_most_one_before(
    appeal_in, region
):
    week = Period.week(timezone.now().astimezone(MSK).date() - timedelta(days=7))
    new = (52.6100, 39.5900)
    old = (52.6500, 39.6500)  # ~5 km away: was busy before
    for index in range(5):
        appeal_in(
            Status.REGISTERED,
            latitude=new[0] + index * 0.0001,
            longitude=new[1],
            address=f"ул. Московская, {index + 1}",
            now=at(week.start + timedelta(days=index), 9),
        )
        appeal_in(
            Status.REGISTERED,
            latitude=old[0],
            longitude=old[1],
            now=at(week.start + timedelta(days=index), 10),
        )
    appeal_in(
        Status.REGISTERED,
        latitude=new[0],
        longitude=new[1],
        now=at(week.start - timedelta(days=20), 9),
    )
    for days in (3, 10):
        appeal_in(
            Status.REGISTERED,
            latitude=old[0],
            longitude=old[1],
            now=at(week.start - timedelta(days=days), 9),
        )
    # Five weeks back is outside the comparison.
    appeal_in(
        Status.REGISTERED,
        latitude=new[0],
        longitude=new[1],
        now=at(week.start - timedelta(days=36), 9),
    )

    grid = weekly.Grid.for_latitude(region.center_lat)
    spots = weekly.hot_spots(region.pk, week, MSK, grid)

    (spot,) = spots
    assert (spot.count, spot.before) == (5, 1)
    assert spot.category == "Ямы" and spot.category_count == 5
    assert abs(spot.latitude - new[0]) < 0.005 and abs(spot.longitude - new[1]) < 0.008
    assert spot.address.startswith("ул. Московская")
    assert len(spot.appeals) == weekly.HOT_SAMPLE
    # One more appeal before the week: no longer new.
    appeal_in(
        Status.REGISTERED,
        latitude=new[0],
        longitude=new[1],
        now=at(week.start - timedelta(days=2), 9),
    )
    assert weekly.hot_spots(region.pk, week, MSK, grid) == []


def test_repeat_chains_put_repeats_of_repeats_first(appeal_in, region):
    now = timezone.now()
    base = now - timedelta(days=3)
    many = appeal_in(Status.ANSWERED, now=base - timedelta(days=1))
    for index in range(3):  # three residents (one open repeat per applicant and original)
        appeal_in(
            Status.REGISTERED,
            repeat_of=many,
            applicant=UserFactory(),
            now=base + timedelta(hours=index),
        )
    chain = appeal_in(Status.ANSWERED, now=base - timedelta(hours=20))
    second = appeal_in(Status.ANSWERED, repeat_of=chain, now=base - timedelta(hours=10))
    third = appeal_in(Status.REGISTERED, repeat_of=second, now=base + timedelta(hours=5))
    start, end = now - timedelta(days=30), now + timedelta(days=1)
    cases = weekly.worst_repeats(region.pk, start, end)
    assert [(c.appeal.pk, c.repeats, c.depth) for c in cases] == [
        (chain.pk, 2, 2),
        (many.pk, 3, 1),
    ]
    assert cases[0].last == third.number


# ---------------------------------------------------------------------------- charts


def parse(svg):
    root = ET.fromstring(str(svg))  # noqa: S314 — our own markup, not untrusted input
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img" and root.get("aria-label")
    assert root.find(f"{SVG}title").text == root.get("aria-label")
    assert root.find(f"{SVG}desc").text
    assert all(element.get("style") is None for element in root.iter())
    return root


def texts(root):
    return [t.text for t in root.iter(f"{SVG}text")]


def test_line_chart_is_valid_accessible_svg_with_values_as_text():
    with translation.override("ru"):
        svg = line_chart(
            {
                "Поступило <всего>": [("02.03", 1234), ("09.03", None), ("16.03", 12.5)],
                "В срок": [("02.03", 80.0), ("16.03", 90.0)],
            },
            title="Неделя & поступления",
        )
    root = parse(svg)
    assert root.get("aria-label") == "Неделя & поступления"
    labels = texts(root)
    assert "1\xa0234" in labels or "1 234" in labels
    assert "12,5" in labels and "80" in labels
    assert "Поступило <всего>" in labels  # escaped in the markup, text again once parsed
    # The missing week breaks the first line: two points, no polyline for it.
    assert len(root.findall(f"{SVG}circle")) == 4
    assert "09.03: —" in root.find(f"{SVG}desc").text


def test_percent_line_chart_and_empty_chart():
    with translation.override("ru"):
        root = parse(line_chart({"В срок": [("a", 50.0), ("b", 75.5)]}, percent=True))
        assert "75,5 %" in texts(root) and "100 %" in texts(root)
        parse(line_chart({}))


def test_bar_chart_draws_a_bar_and_a_value_per_item():
    with translation.override("ru"):
        root = parse(bar_chart([("Ямы", 30.0), ("Отопление", -8.5)], title="Рост тем"))
        empty = parse(bar_chart([]))
    rects = root.findall(f"{SVG}rect")
    assert len(rects) == 2
    assert float(rects[0].get("width")) > float(rects[1].get("width")) > 0
    assert rects[0].get("fill") != rects[1].get("fill")  # growth and fall told apart
    assert {"Ямы", "Отопление", "30", "-8,5"} <= set(texts(root))
    assert "Нет данных" in texts(empty)
