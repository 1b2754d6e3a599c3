from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from otklik.analytics import forecast
from otklik.analytics.models import KpiDay, WeeklyForecast

from .forecast_history import write_history

MOSCOW = ZoneInfo("Europe/Moscow")
WEEK = timedelta(days=7)
MONDAY = date(2026, 2, 2)


def stored(region, group, municipality, week, expected, low, high, scale=1.0):
    return WeeklyForecast.objects.create(
        region=region,
        group=group,
        municipality=municipality,
        week=week,
        made_at=datetime(2026, 1, 26, tzinfo=MOSCOW),
        expected=expected,
        low=low,
        high=high,
        scale=scale,
        model_version="test",
    )


def test_week_beside_its_forecast_flags_what_came_above_the_interval(
    region, municipality, other_municipality, roads, category
):
    write_history(
        region, MONDAY, {(municipality, category): [9], (other_municipality, category): [2]}
    )
    stored(region, roads, municipality, MONDAY, 4.0, 2, 6)
    stored(region, roads, other_municipality, MONDAY, 3.0, 1, 5)
    stored(region, roads, None, MONDAY, 7.0, 4, 10)
    checks = forecast.compare_week(region=region, week=MONDAY + timedelta(days=3))
    by_place = {c.municipality_id: c for c in checks}
    assert by_place[municipality.pk].actual == 9
    assert by_place[municipality.pk].above
    assert not by_place[other_municipality.pk].above
    assert by_place[other_municipality.pk].covered
    assert by_place[None].actual == 11
    assert by_place[None].above
    assert by_place[None].group == roads.name


def test_the_weeks_checks_read_plain_rows_in_three_queries(
    region, municipality, roads, category, django_assert_num_queries
):
    """The weekly review reads thousands of forecasts: as plain rows with the names (no model
    instances, no municipality boundary), then the weekly counts (compare_week's three)."""
    write_history(region, MONDAY, {(municipality, category): [5]})
    stored(region, roads, municipality, MONDAY, 4.0, 2, 6)
    with django_assert_num_queries(3):
        (check,) = forecast.compare_week(region=region, week=MONDAY)
    assert (check.group, check.municipality, check.actual) == (roads.name, municipality.name, 5)
    assert check.covered


def test_week_without_forecasts_compares_nothing(region):
    assert forecast.compare_week(region=region, week=MONDAY) == []


def test_accuracy_is_mase_and_coverage_of_municipality_forecasts(
    region, municipality, other_municipality, roads, category
):
    write_history(
        region,
        MONDAY,
        {(municipality, category): [6, 3], (other_municipality, category): [1, 0]},
    )
    stored(region, roads, municipality, MONDAY, 4.0, 2, 5, scale=2.0)  # |6 − 4| / 2 = 1, above
    stored(region, roads, municipality, MONDAY + WEEK, 3.0, 1, 5, scale=2.0)  # 0, inside
    stored(region, roads, other_municipality, MONDAY, 2.0, 0, 3, scale=0.5)  # 2, inside
    stored(region, roads, other_municipality, MONDAY + WEEK, 1.0, 0, 2, scale=0.0)  # no MASE
    stored(region, roads, None, MONDAY, 100.0, 90, 110, scale=1.0)  # the region: not counted
    accuracy = forecast.forecast_accuracy(region=region, until=MONDAY + 2 * WEEK, weeks=4)
    assert accuracy.mase == 1.0
    assert (accuracy.coverage.numerator, accuracy.coverage.denominator) == (3, 4)
    assert accuracy.coverage_percent == 75.0
    assert accuracy.weeks == 2
    # The week in progress is left out: its appeals are not all in yet.
    partial = forecast.forecast_accuracy(region=region, until=MONDAY + WEEK, weeks=4)
    assert partial.coverage.denominator == 2


def test_accuracy_without_forecasts_is_empty(region):
    accuracy = forecast.forecast_accuracy(region=region, until=MONDAY, weeks=12)
    assert accuracy.mase is None
    assert accuracy.coverage_percent is None
    assert KpiDay.objects.count() == 0
