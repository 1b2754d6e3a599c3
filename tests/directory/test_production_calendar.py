"""The production calendar in the database: the seeded rows match the official 2025–2026
calendar, manual rows win over imported ones, regional holidays stay in their region."""

from datetime import date, timedelta

import pytest

from otklik.directory.models import CalendarDay
from otklik.directory.production_calendar import seed_calendar, work_calendar
from tests.factories import RegionFactory
from tests.official_calendar import (
    SHORTENED_DAYS,
    WEEKDAYS_OFF,
    WORKING_DAYS,
    WORKING_HOURS_40,
    WORKING_WEEKEND_DAYS,
)

pytestmark = pytest.mark.django_db
YEARS = [2025, 2026]


def days_of(year: int):
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


@pytest.mark.parametrize("year", YEARS)
def test_seeded_weekdays_off_are_the_official_ones(year):
    calendar = work_calendar()
    off = {d for d in days_of(year) if d.weekday() < 5 and not calendar.is_working_day(d)}
    assert off == WEEKDAYS_OFF[year]


@pytest.mark.parametrize("year", YEARS)
def test_seeded_working_weekend_days_are_the_official_ones(year):
    calendar = work_calendar()
    working = {d for d in days_of(year) if d.weekday() >= 5 and calendar.is_working_day(d)}
    assert working == WORKING_WEEKEND_DAYS[year]


@pytest.mark.parametrize("year", YEARS)
def test_seeded_shortened_days_are_the_official_ones(year):
    shortened = {d for d in work_calendar().shortened_days if d.year == year}
    assert shortened == SHORTENED_DAYS[year]


@pytest.mark.parametrize("year", YEARS)
def test_seeded_year_has_the_published_working_days_and_hours(year):
    calendar = work_calendar()
    working = [d for d in days_of(year) if calendar.is_working_day(d)]
    shortened = [d for d in working if d in calendar.shortened_days]
    assert len(working) == WORKING_DAYS[year]
    assert 8 * len(working) - len(shortened) == WORKING_HOURS_40[year]


def test_moved_days_off_are_stored_as_moved_days_off():
    kinds = dict(
        CalendarDay.objects.filter(
            region__isnull=True, date__in=[date(2025, 5, 2), date(2025, 11, 3), date(2025, 6, 12)]
        ).values_list("date", "kind")
    )
    assert kinds[date(2025, 5, 2)] == CalendarDay.Kind.DAY_OFF
    assert kinds[date(2025, 11, 3)] == CalendarDay.Kind.DAY_OFF
    assert kinds[date(2025, 6, 12)] == CalendarDay.Kind.HOLIDAY


def test_seeding_again_keeps_manual_rows_and_adds_no_duplicates():
    manual = CalendarDay.objects.create(
        date=date(2025, 1, 8), kind=CalendarDay.Kind.WORKING, name="Рабочий день по решению"
    )
    before = CalendarDay.objects.filter(source=CalendarDay.Source.HOLIDAYS).count()
    seed_calendar(2025, 2026)
    assert CalendarDay.objects.filter(source=CalendarDay.Source.HOLIDAYS).count() == before
    assert CalendarDay.objects.filter(pk=manual.pk).exists()


def test_manual_row_beats_the_imported_one():
    assert not work_calendar().is_working_day(date(2025, 1, 8))
    CalendarDay.objects.create(date=date(2025, 1, 8), kind=CalendarDay.Kind.WORKING)
    assert work_calendar().is_working_day(date(2025, 1, 8))


def test_manual_day_off_on_an_ordinary_weekday_is_a_day_off():
    CalendarDay.objects.create(date=date(2025, 7, 15), kind=CalendarDay.Kind.DAY_OFF)
    assert not work_calendar().is_working_day(date(2025, 7, 15))


def test_regional_holiday_applies_only_to_its_region():
    bashkortostan = RegionFactory(code="02", name="Республика Башкортостан")
    lipetsk = RegionFactory(code="48", name="Липецкая область")
    kurban_bayram = date(2025, 6, 6)  # a Friday
    CalendarDay.objects.create(
        date=kurban_bayram,
        region=bashkortostan,
        kind=CalendarDay.Kind.HOLIDAY,
        name="Курбан-байрам",
    )
    assert not work_calendar(bashkortostan).is_working_day(kurban_bayram)
    assert not work_calendar(bashkortostan.pk).is_working_day(kurban_bayram)
    assert work_calendar(lipetsk).is_working_day(kurban_bayram)
    assert work_calendar().is_working_day(kurban_bayram)


def test_regional_manual_row_beats_the_national_manual_row():
    region = RegionFactory(code="16", name="Республика Татарстан")
    other = RegionFactory(code="48", name="Липецкая область")
    day = date(2025, 8, 29)
    CalendarDay.objects.create(date=day, kind=CalendarDay.Kind.DAY_OFF)
    CalendarDay.objects.create(date=day, region=region, kind=CalendarDay.Kind.WORKING)
    assert work_calendar(region).is_working_day(day)
    assert not work_calendar(other).is_working_day(day)
