"""Deadlines of otklik.appeals.sla on the seeded production calendar, in regional time zones."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from otklik.appeals import sla
from otklik.directory.models import CalendarDay
from otklik.directory.production_calendar import work_calendar
from tests.factories import RegionFactory

MSK = ZoneInfo("Europe/Moscow")
YEKT = ZoneInfo("Asia/Yekaterinburg")
pytestmark = pytest.mark.django_db


@pytest.fixture
def ru():
    return work_calendar()


def msk(*args) -> datetime:
    return datetime(*args, tzinfo=MSK)


def end_of(day: date, tz=MSK) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=tz)


def test_registration_is_due_at_the_end_of_the_third_day(ru):
    # Monday 2 June 2025 → Thursday 5 June, 23:59:59 Moscow time.
    due = sla.registration_due(msk(2025, 6, 2, 10, 0), ru, MSK)
    assert due == end_of(date(2025, 6, 5))
    assert due.astimezone(UTC) == datetime(2025, 6, 5, 20, 59, 59, tzinfo=UTC)


def test_registration_due_on_a_moved_day_off_moves_to_the_next_working_day(ru):
    # Tuesday 10 June + 3 = Friday 13 June, a day off moved from 8 March; then a weekend.
    assert sla.registration_due(msk(2025, 6, 10, 9, 0), ru, MSK) == end_of(date(2025, 6, 16))


def test_registration_due_over_the_new_year_lands_after_the_holidays(ru):
    assert sla.registration_due(msk(2025, 12, 29, 12, 0), ru, MSK) == end_of(date(2026, 1, 12))


def test_redirection_is_due_in_seven_days_moved_past_the_may_holidays(ru):
    # Thursday 24 April + 7 = 1 May; 2 May is a moved day off, 3–4 May a weekend.
    assert sla.redirection_due(msk(2025, 4, 24, 15, 0), ru, MSK) == end_of(date(2025, 5, 5))


def test_redirection_due_on_an_ordinary_working_day_is_not_moved(ru):
    assert sla.redirection_due(msk(2025, 6, 2, 15, 0), ru, MSK) == end_of(date(2025, 6, 9))


def test_thirty_calendar_days_ending_on_a_saturday_move_to_monday(ru):
    # 7 May + 30 = Friday 6 June, a working day; 8 May + 30 = Saturday 7 June → Monday 9 June.
    assert sla.answer_due(msk(2025, 5, 7, 10, 0), 30, sla.CALENDAR, ru, MSK) == end_of(
        date(2025, 6, 6)
    )
    assert sla.answer_due(msk(2025, 5, 8, 10, 0), 30, sla.CALENDAR, ru, MSK) == end_of(
        date(2025, 6, 9)
    )


def test_thirty_calendar_days_ending_on_the_working_saturday_end_on_that_saturday(ru):
    assert sla.answer_due(msk(2025, 10, 2, 10, 0), 30, sla.CALENDAR, ru, MSK) == end_of(
        date(2025, 11, 1)
    )


def test_thirty_calendar_days_ending_on_a_2026_holiday_move_forward(ru):
    # 12 May 2026 + 30 = Thursday 11 June; 13 May + 30 = Friday 12 June, Russia Day → 15 June.
    assert sla.answer_due(msk(2026, 5, 12, 10, 0), 30, sla.CALENDAR, ru, MSK) == end_of(
        date(2026, 6, 11)
    )
    assert sla.answer_due(msk(2026, 5, 13, 10, 0), 30, sla.CALENDAR, ru, MSK) == end_of(
        date(2026, 6, 15)
    )


def test_ten_working_days_skip_the_new_year_holidays(ru):
    registered = msk(2025, 12, 25, 11, 0)
    assert sla.answer_due(registered, 10, sla.WORKING, ru, MSK) == end_of(date(2026, 1, 20))
    assert sla.answer_due(registered, 10, sla.CALENDAR, ru, MSK) == end_of(date(2026, 1, 12))


def test_working_day_deadline_is_later_than_calendar_day_deadline_over_may(ru):
    registered = msk(2026, 4, 27, 11, 0)
    calendar_due = sla.answer_due(registered, 10, sla.CALENDAR, ru, MSK)
    working_due = sla.answer_due(registered, 10, sla.WORKING, ru, MSK)
    assert calendar_due == end_of(date(2026, 5, 7))
    assert working_due == end_of(date(2026, 5, 13))  # 1 and 11 May are off


def test_unknown_unit_is_refused(ru):
    with pytest.raises(ValueError, match="unknown unit"):
        sla.answer_due(msk(2025, 6, 2), 10, "weeks", ru, MSK)


def test_naive_datetimes_are_refused(ru):
    with pytest.raises(ValueError, match="naive"):
        sla.registration_due(datetime(2025, 6, 2, 10, 0), ru, MSK)  # noqa: DTZ001


def test_the_day_ends_earlier_in_utc_in_yekaterinburg_than_in_moscow():
    day = date(2025, 6, 5)
    assert sla.end_of_day(day, YEKT).astimezone(UTC) == datetime(2025, 6, 5, 18, 59, 59, tzinfo=UTC)
    assert sla.end_of_day(day, MSK).astimezone(UTC) == datetime(2025, 6, 5, 20, 59, 59, tzinfo=UTC)
    assert sla.end_of_day(day, YEKT) < sla.end_of_day(day, MSK)


def test_terms_start_from_the_local_date_of_the_region(ru):
    # 20:30 UTC on 2 June is still 2 June in Moscow but already 3 June in Yekaterinburg.
    moment = datetime(2025, 6, 2, 20, 30, tzinfo=UTC)
    assert sla.registration_due(moment, ru, MSK) == end_of(date(2025, 6, 5), MSK)
    assert sla.registration_due(moment, ru, YEKT) == end_of(date(2025, 6, 6), YEKT)


def test_clarification_window_is_three_calendar_days_weekends_and_holidays_included():
    assert sla.clarification_due(msk(2025, 6, 6, 16, 0), MSK) == end_of(date(2025, 6, 9))
    # Ends on the moved day off 13 June: the applicant's window is not moved.
    assert sla.clarification_due(msk(2025, 6, 10, 16, 0), MSK) == end_of(date(2025, 6, 13))


def test_one_postponement_reaches_at_most_thirty_days_past_the_current_deadline():
    due = end_of(date(2025, 6, 30))
    assert sla.latest_postponed_due(due, MSK) == end_of(date(2025, 7, 30))
    assert sla.DEFAULT_POLICY.max_postponement_days == 30


def test_clarification_pause_shifts_a_deadline_by_the_paused_time():
    deadline = end_of(date(2025, 6, 20))
    asked, answered = msk(2025, 6, 2, 10, 0), msk(2025, 6, 4, 13, 30)
    assert sla.paused(deadline, asked, answered) == deadline + timedelta(
        days=2, hours=3, minutes=30
    )
    assert sla.paused(deadline, asked, asked) == deadline


def test_resuming_before_pausing_is_refused():
    with pytest.raises(ValueError, match="resumed before paused"):
        sla.paused(end_of(date(2025, 6, 20)), msk(2025, 6, 4), msk(2025, 6, 2))


def test_working_days_left_counts_down_to_zero_on_the_last_day_then_goes_negative(ru):
    due = end_of(date(2025, 6, 16))  # Monday after the Russia Day break
    assert sla.working_days_left(msk(2025, 6, 10, 9, 0), due, ru, MSK) == 2  # 11 and 16 June
    assert sla.working_days_left(msk(2025, 6, 16, 9, 0), due, ru, MSK) == 0
    assert sla.working_days_left(msk(2025, 6, 17, 0, 30), due, ru, MSK) == -1
    assert sla.working_days_left(msk(2025, 6, 16, 23, 59, 59, 500000), due, ru, MSK) == -1


def test_manual_working_day_shortens_a_deadline_that_ran_over_the_moved_day_off():
    CalendarDay.objects.create(date=date(2025, 6, 13), kind=CalendarDay.Kind.WORKING)
    assert sla.registration_due(msk(2025, 6, 10, 9, 0), work_calendar(), MSK) == end_of(
        date(2025, 6, 13)
    )


def test_regional_holiday_moves_deadlines_only_in_its_region(region):
    bashkortostan = RegionFactory(code="02", name="Республика Башкортостан", time_zone=YEKT.key)
    CalendarDay.objects.create(
        date=date(2025, 6, 6), region=bashkortostan, kind=CalendarDay.Kind.HOLIDAY
    )
    started = datetime(2025, 6, 3, 8, 0, tzinfo=UTC)
    assert sla.registration_due(started, work_calendar(bashkortostan), YEKT) == end_of(
        date(2025, 6, 9), YEKT
    )
    assert sla.registration_due(started, work_calendar(region), MSK) == end_of(date(2025, 6, 6))
