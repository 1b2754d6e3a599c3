from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from otklik.analytics.models import WeeklyForecast
from otklik.lib.periodic import run_once

from .forecast_history import seasonal, write_history

MOSCOW = ZoneInfo("Europe/Moscow")
FIRST = date(2024, 1, 1)
NOW = datetime(2026, 1, 14, 10, 0, tzinfo=MOSCOW)


@pytest.fixture
def history(region, municipality, category):
    weeks = (date(2026, 1, 12) - FIRST).days // 7
    write_history(region, FIRST, {(municipality, category): seasonal(weeks, 10, seed=7)})


@time_machine.travel(NOW, tick=False)
def test_command_backfills_past_weeks_and_prints_the_accuracy(history, region):
    out = StringIO()
    call_command("forecast_appeals", "--backfill", "3", stdout=out)
    weeks = sorted(set(WeeklyForecast.objects.values_list("week", flat=True)))
    assert weeks == [date(2025, 12, 29), date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19)]
    # A backfilled week is made as the weekly job would have: at the start of the week before.
    made = WeeklyForecast.objects.filter(week=date(2026, 1, 5)).first().made_at
    assert made.astimezone(MOSCOW) == datetime(2025, 12, 29, tzinfo=MOSCOW)
    text = out.getvalue()
    assert "forecasts stored=8" in text
    assert "accuracy over 2 weeks: MASE=" in text


@time_machine.travel(NOW, tick=False)
def test_command_again_stores_nothing(history, region):
    call_command("forecast_appeals", stdout=StringIO())
    out = StringIO()
    call_command("forecast_appeals", "--region", region.code, stdout=out)
    assert "forecasts stored=0" in out.getvalue()


def test_command_refuses_an_unknown_region(region):
    with pytest.raises(CommandError, match="no region"):
        call_command("forecast_appeals", "--region", "99", stdout=StringIO())


@time_machine.travel(NOW, tick=False)
def test_periodic_pass_makes_next_weeks_forecast(history, region):
    assert run_once()["forecasts_made"] == 1
    assert WeeklyForecast.objects.filter(week=date(2026, 1, 19)).count() == 2


@time_machine.travel(NOW, tick=False)
def test_replace_remakes_only_next_week(history, region):
    call_command("forecast_appeals", "--backfill", "1", stdout=StringIO())
    before = dict(WeeklyForecast.objects.values_list("pk", "week"))
    out = StringIO()
    call_command("forecast_appeals", "--backfill", "1", "--replace", stdout=out)
    after = dict(WeeklyForecast.objects.values_list("pk", "week"))
    kept = {pk: week for pk, week in before.items() if week == date(2026, 1, 12)}
    assert kept and kept.items() <= after.items()
    assert not {pk for pk, week in before.items() if week == date(2026, 1, 19)} & set(after)
    assert "forecasts stored=2" in out.getvalue()
