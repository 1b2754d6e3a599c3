"""The forecast in the weekly review: each topic group's count beside the forecast made a week
earlier, the flag «выше прогноза» with its numbers, a week without forecasts said plainly, and
«точность прогноза» over the review's trailing weeks computed as KPI.md defines it."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from otklik.analytics import weekly
from otklik.analytics.figures import Period
from otklik.analytics.models import Grain, KpiDay, WeeklyForecast

from .forecast_history import write_history

MSK = ZoneInfo("Europe/Moscow")
WEEK = timedelta(days=7)
MONDAY = date(2026, 2, 2)


def stored(region, group, municipality, week, expected, low, high, *, median=None, scale=1.0):
    return WeeklyForecast.objects.create(
        region=region,
        group=group,
        municipality=municipality,
        week=week,
        made_at=datetime.combine(week - WEEK, datetime.min.time(), MSK),
        expected=expected,
        low=low,
        high=high,
        median=median,
        scale=scale,
        model_version="test",
    )


def with_topics(region, first, series):
    """`write_history`, plus the category grain the topics of the week read."""
    write_history(region, first, series)
    totals = {}
    for (_municipality, category), counts in series.items():
        for i, n in enumerate(counts):
            if n:
                key = (first + i * WEEK + timedelta(days=2), category.pk)
                totals[key] = totals.get(key, 0) + n
    KpiDay.objects.bulk_create(
        KpiDay(grain=Grain.CATEGORY, region=region, day=day, category=pk, received=n)
        for (day, pk), n in totals.items()
    )


def review_of(region, monday, today):
    now = datetime.combine(today, datetime.min.time(), MSK) + timedelta(hours=12)
    return weekly.review(region, Period.week(monday), today, now)


def test_a_topic_and_a_place_above_their_interval_are_flagged_with_their_numbers(
    region, municipality, other_municipality, roads, category
):
    with_topics(
        region, MONDAY, {(municipality, category): [9], (other_municipality, category): [2]}
    )
    stored(region, roads, None, MONDAY, 7.0, 4, 10)  # 11 came: above
    stored(region, roads, municipality, MONDAY, 4.2, 2, 6)  # 9 came: above
    stored(region, roads, other_municipality, MONDAY, 2.8, 1, 5)  # 2 came: inside

    review = review_of(region, MONDAY, MONDAY + 2 * WEEK)

    assert review.forecast.made
    (topic,) = review.topics.roots
    assert topic.name == "Дороги"
    assert topic.count == 11
    check = topic.forecast
    assert (check.actual, check.expected, check.low, check.high) == (11, 7.0, 4, 10)
    assert check.above
    flags = [(c.municipality_id, c.group, c.actual, c.low, c.high) for c in review.forecast.above]
    assert flags == [
        (None, "Дороги", 11, 4, 10),  # the region's topic first
        (municipality.pk, "Дороги", 9, 2, 6),
    ]
    assert review.forecast.above_in(other_municipality.pk) == []
    assert [c.municipality for c in review.forecast.places] == ["Елец", "Липецк"]
    # Only the subcategory's counts go into its group; the child carries no forecast.
    assert topic.children[0].forecast is None


def test_a_week_without_a_forecast_has_none_not_zero(region, municipality, roads, category):
    with_topics(region, MONDAY, {(municipality, category): [3]})
    stored(region, roads, municipality, MONDAY - WEEK, 2.0, 0, 4)  # another week's

    review = review_of(region, MONDAY, MONDAY + 2 * WEEK)

    assert not review.forecast.made
    assert review.forecast.above == []
    assert review.topics.roots[0].count == 3
    assert review.topics.roots[0].forecast is None


def test_a_group_without_a_forecast_in_a_forecast_week_has_none(
    region, municipality, roads, category
):
    from tests.factories import CategoryFactory

    housing = CategoryFactory(code="housing", name="ЖКХ", position=2)
    with_topics(region, MONDAY, {(municipality, category): [3], (municipality, housing): [5]})
    stored(region, roads, None, MONDAY, 3.0, 1, 5)

    review = review_of(region, MONDAY, MONDAY + 2 * WEEK)

    by_name = {t.name: t for t in review.topics.roots}
    assert by_name["Дороги"].forecast.covered
    assert by_name["ЖКХ"].forecast is None


def test_accuracy_is_mase_and_interval_share_over_the_trailing_weeks(
    region, municipality, other_municipality, roads, category
):
    """KPI.md: weekly appeals by topic group × municipality; MASE of the forecast made the week
    before (|actual − point| ÷ the series' mean week-to-week change, the point being the
    forecast's median), and the share of those forecasts whose 80 % interval held. The review
    takes the ACCURACY_WEEKS (8) complete weeks up to its week."""
    assert weekly.ACCURACY_WEEKS == 8
    review_week = MONDAY + 8 * WEEK
    first = review_week - 7 * WEEK  # the window: the review's week and the 7 before
    with_topics(
        region,
        first - WEEK,
        {
            # the week before the window, then weeks 1, 2, 3 of it …, the review's week last
            (municipality, category): [50, 6, 3, 0, 0, 0, 0, 0, 10],
            (other_municipality, category): [0, 1, 0, 0, 0, 0, 0, 0, 4],
        },
    )
    # Long before the window (0 came): a miss that must never count.
    stored(region, roads, municipality, first - 2 * WEEK, 5.0, 3, 7, median=5, scale=1.0)
    # In the window:
    stored(region, roads, municipality, first, 4.0, 2, 5, median=4, scale=2.0)  # |6−4|/2 = 1, out
    stored(region, roads, municipality, first + WEEK, 3.4, 1, 5, median=3, scale=2.0)  # 0, in
    stored(region, roads, other_municipality, first, 2.0, 0, 3, median=2, scale=0.5)  # 2, in
    stored(region, roads, other_municipality, first + WEEK, 1.0, 0, 2, median=1, scale=0.0)  # in
    stored(region, roads, municipality, review_week, 6.0, 3, 8, median=6, scale=4.0)  # 1, out
    stored(region, roads, other_municipality, review_week, 3.0, 1, 5, median=3, scale=1.0)  # 1, in
    # Region totals are not KPI.md's grain: never counted.
    stored(region, roads, None, first, 100.0, 90, 110, median=100, scale=1.0)

    # The review's week is over (today is in the week after): it counts.
    accuracy = review_of(region, review_week, review_week + WEEK).forecast.accuracy
    # MASE over the five with a scale: (1 + 0 + 2 + 1 + 1) / 5; inside: 4 of 6.
    assert accuracy.mase == 1.0
    assert (accuracy.coverage.numerator, accuracy.coverage.denominator) == (4, 6)
    assert accuracy.coverage_percent == 66.7
    assert accuracy.weeks == 3

    # Seen during its own week, the review's week is left out: its appeals are not all in.
    during = review_of(region, review_week, review_week + timedelta(days=3)).forecast
    assert (during.accuracy.coverage.numerator, during.accuracy.coverage.denominator) == (3, 4)
    assert during.accuracy.mase == 1.0  # (1 + 0 + 2) / 3
    assert during.accuracy_period == Period(first - WEEK, review_week, "custom")
    assert during.made  # the week's own forecast is still shown beside its count so far


def test_accuracy_without_forecasts_is_empty_not_zero(region):
    accuracy = review_of(region, MONDAY, MONDAY + 2 * WEEK).forecast.accuracy
    assert accuracy.mase is None
    assert accuracy.coverage_percent is None
    assert accuracy.coverage.denominator == 0
