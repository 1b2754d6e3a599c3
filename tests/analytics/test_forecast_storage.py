from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError

from otklik.analytics import forecast
from otklik.analytics.models import WeeklyForecast

from .forecast_history import seasonal, write_history

MOSCOW = ZoneInfo("Europe/Moscow")
FIRST = date(2024, 1, 1)
NOW = datetime(2026, 1, 14, 10, 0, tzinfo=MOSCOW)  # a Wednesday; next week starts 19 January


@pytest.fixture
def history(region, municipality, other_municipality, roads, category):
    weeks = (date(2026, 1, 12) - FIRST).days // 7
    write_history(
        region,
        FIRST,
        {
            (municipality, category): seasonal(weeks, 12, seed=3),
            (other_municipality, roads): seasonal(weeks, 4, seed=4),
            (None, category): seasonal(weeks, 1, seed=5),
        },
    )


def test_next_week_forecast_is_stored_per_municipality_and_for_the_region(
    history, region, municipality, other_municipality, roads
):
    stored = forecast.forecast_next_week(region=region, now=NOW)
    rows = WeeklyForecast.objects.filter(region=region)
    assert stored == rows.count() == 3
    assert {r.week for r in rows} == {date(2026, 1, 19)}
    # The subcategory's appeals count in its topic group, the root category.
    assert {r.group_id for r in rows} == {roads.pk}
    assert {r.municipality_id for r in rows} == {municipality.pk, other_municipality.pk, None}
    total = rows.get(municipality=None)
    parts = rows.exclude(municipality=None)
    # The region's total also counts the appeals without a municipality.
    assert total.expected > sum(p.expected for p in parts)
    assert all(r.low <= r.expected <= r.high and r.scale > 0 for r in rows)
    assert all(r.low <= r.median <= r.high for r in rows)


def test_forecasting_the_same_week_again_stores_nothing(history, region):
    first = forecast.forecast_next_week(region=region, now=NOW)
    made = list(WeeklyForecast.objects.values_list("pk", "made_at"))
    assert forecast.forecast_next_week(region=region, now=NOW.replace(day=17)) == 0
    assert list(WeeklyForecast.objects.values_list("pk", "made_at")) == made
    assert forecast.forecast_next_week(region=region, now=NOW, replace=True) == first
    assert WeeklyForecast.objects.count() == first


def test_region_without_history_gets_no_forecast(region):
    assert forecast.forecast_next_week(region=region, now=NOW) == 0
    assert forecast.forecast_due(NOW) == 0


def test_periodic_job_forecasts_each_region_once_a_week(history, region):
    assert forecast.forecast_due(NOW) == 1
    assert forecast.forecast_due(NOW) == 0
    assert WeeklyForecast.objects.filter(week=date(2026, 1, 19)).exists()


def test_one_forecast_per_group_place_and_week(region, municipality, roads):
    values = {"week": date(2026, 1, 19), "made_at": NOW, "expected": 1.0, "low": 0, "high": 2}
    WeeklyForecast.objects.create(region=region, group=roads, model_version="t", **values)
    with pytest.raises(IntegrityError):
        WeeklyForecast.objects.create(region=region, group=roads, model_version="t", **values)


def test_weekly_counts_take_registered_appeals_by_topic_group(
    region, municipality, category, roads, citizen, operator
):
    from tests.factories import make_appeal, refresh_rollups

    monday = date(2026, 1, 12)
    make_appeal(
        "registered",
        region=region,
        applicant=citizen,
        operator=operator,
        category=category,
        municipality=municipality,
        now=NOW,
    )
    refresh_rollups()
    counts = forecast.weekly_counts(region.pk, monday, date(2026, 1, 19))
    assert counts == {roads.pk: {municipality.pk: {monday: 1}}}
