"""Working-day arithmetic of otklik.lib.workdays on the official 2025–2026 calendar."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from otklik.lib.workdays import WorkCalendar
from tests.official_calendar import SHORTENED_DAYS, WEEKDAYS_OFF, WORKING_WEEKEND_DAYS

RU = WorkCalendar.build(
    days_off=WEEKDAYS_OFF[2025] | WEEKDAYS_OFF[2026],
    working_weekend_days=WORKING_WEEKEND_DAYS[2025] | WORKING_WEEKEND_DAYS[2026],
    shortened_days=SHORTENED_DAYS[2025] | SHORTENED_DAYS[2026],
)
dates_2025_2026 = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 11, 30))


def test_ordinary_weekdays_work_and_weekends_rest():
    assert RU.is_working_day(date(2025, 6, 3))  # Tuesday
    assert not RU.is_working_day(date(2025, 6, 7))  # Saturday
    assert not RU.is_working_day(date(2025, 6, 8))  # Sunday


def test_new_year_holidays_2025_last_until_january_8():
    assert not any(RU.is_working_day(date(2025, 1, day)) for day in range(1, 9))
    assert RU.is_working_day(date(2025, 1, 9))


def test_new_year_holidays_2026_last_until_january_9():
    assert not any(RU.is_working_day(date(2026, 1, day)) for day in range(1, 12))
    assert RU.is_working_day(date(2026, 1, 12))


def test_moved_days_off_of_2025_are_days_off():
    for day in (date(2025, 5, 2), date(2025, 5, 8), date(2025, 6, 13), date(2025, 11, 3)):
        assert not RU.is_working_day(day), day
    assert not RU.is_working_day(date(2025, 12, 31))


def test_saturday_november_1_2025_is_a_working_day():
    assert date(2025, 11, 1).weekday() == 5
    assert RU.is_working_day(date(2025, 11, 1))


def test_observed_holidays_of_2026_are_days_off():
    for day in (date(2026, 2, 23), date(2026, 3, 9), date(2026, 5, 11), date(2026, 12, 31)):
        assert not RU.is_working_day(day), day


def test_shortened_days_are_working_days():
    for day in SHORTENED_DAYS[2025] | SHORTENED_DAYS[2026]:
        assert RU.is_working_day(day), day


def test_next_working_day_skips_the_whole_may_break():
    assert RU.next_working_day(date(2025, 5, 8)) == date(2025, 5, 12)
    assert RU.next_working_day(date(2025, 5, 7)) == date(2025, 5, 7)


def test_working_days_are_counted_across_the_new_year_break():
    # Tuesday 30 December 2025: the next working day after it is Monday 12 January 2026.
    assert RU.add_working_days(date(2025, 12, 30), 1) == date(2026, 1, 12)
    assert RU.add_working_days(date(2025, 12, 25), 10) == date(2026, 1, 20)


def test_zero_working_days_from_a_day_off_is_the_next_working_day():
    assert RU.add_working_days(date(2025, 6, 13), 0) == date(2025, 6, 16)
    assert RU.add_working_days(date(2025, 6, 11), 0) == date(2025, 6, 11)


def test_calendar_day_term_ending_on_a_holiday_moves_to_the_next_working_day():
    # 2 June + 10 days = 12 June (Russia Day); 13 June is a moved day off, then a weekend.
    assert RU.add_calendar_days(date(2025, 6, 2), 10) == date(2025, 6, 16)


def test_calendar_day_term_ending_on_a_working_saturday_stays_there():
    assert RU.add_calendar_days(date(2025, 10, 2), 30) == date(2025, 11, 1)


def test_calendar_day_term_ending_on_a_working_day_is_not_moved():
    assert RU.add_calendar_days(date(2025, 6, 2), 30) == date(2025, 7, 2)


def test_working_and_calendar_days_differ_over_holidays():
    start = date(2025, 4, 28)
    assert RU.add_calendar_days(start, 10) == date(2025, 5, 12)  # 8 May is off, 9 May too
    assert RU.add_working_days(start, 10) == date(2025, 5, 16)


def test_negative_terms_are_refused():
    with pytest.raises(ValueError, match="negative"):
        RU.add_working_days(date(2025, 6, 2), -1)
    with pytest.raises(ValueError, match="negative"):
        RU.add_calendar_days(date(2025, 6, 2), -1)


def test_working_days_between_counts_the_end_and_not_the_start():
    assert RU.working_days_between(date(2025, 12, 31), date(2026, 1, 12)) == 1
    assert RU.working_days_between(date(2026, 1, 12), date(2025, 12, 31)) == -1
    assert RU.working_days_between(date(2025, 6, 2), date(2025, 6, 2)) == 0
    assert RU.working_days_between(date(2025, 6, 2), date(2025, 6, 9)) == 5


@given(start=dates_2025_2026, days=st.integers(min_value=1, max_value=60))
def test_adding_working_days_lands_on_a_working_day_that_many_working_days_later(start, days):
    end = RU.add_working_days(start, days)
    assert RU.is_working_day(end)
    assert RU.working_days_between(start, end) == days


@given(start=dates_2025_2026, days=st.integers(min_value=0, max_value=60))
def test_calendar_term_ends_on_the_first_working_day_on_or_after_its_last_day(start, days):
    end = RU.add_calendar_days(start, days)
    last = start + timedelta(days=days)
    assert end >= last
    assert RU.is_working_day(end)
    assert all(not RU.is_working_day(last + timedelta(n)) for n in range((end - last).days))


def test_working_days_between_agrees_with_counting_day_by_day():
    """The constant-time count equals walking the span one day at a time, across holidays,
    moved days off and worked Saturdays."""
    import random
    from datetime import date, timedelta

    from otklik.lib.workdays import WorkCalendar

    calendar = WorkCalendar.build(
        days_off=[date(2025, 1, d) for d in range(1, 9)] + [date(2024, 12, 31), date(2025, 5, 1)],
        working_weekend_days=[date(2024, 12, 28), date(2025, 11, 1)],
        shortened_days=[date(2025, 2, 22), date(2025, 4, 30)],
    )
    rng = random.Random(7)
    for _ in range(500):
        start = date(2024, 12, 1) + timedelta(days=rng.randrange(400))
        end = start + timedelta(days=rng.randrange(-40, 120))
        low, high = min(start, end), max(start, end)
        walked = sum(
            calendar.is_working_day(low + timedelta(days=i))
            for i in range(1, (high - low).days + 1)
        )
        assert calendar.working_days_between(start, end) == (walked if end >= start else -walked)
