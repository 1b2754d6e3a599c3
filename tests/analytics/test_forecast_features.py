from datetime import date

from otklik.analytics import forecast_model as fm
from otklik.directory.production_calendar import work_calendar
from otklik.lib.workdays import WorkCalendar


def test_new_year_week_counts_its_weekday_holidays(db):
    calendar = work_calendar()
    # 5–9 January 2026: Monday to Friday are all days off in the Russian calendar.
    off, worked = fm.calendar_features(date(2026, 1, 5), calendar)
    assert off == 5
    assert worked == 0


def test_ordinary_week_has_no_days_off(db):
    assert fm.calendar_features(date(2026, 3, 16), work_calendar()) == (0, 0)


def test_week_with_a_worked_saturday_counts_it(db):
    calendar = work_calendar()
    # 1 November 2025 was a working Saturday (moved from 3 November).
    monday = date(2025, 10, 27)
    assert calendar.is_working_day(date(2025, 11, 1))
    assert fm.calendar_features(monday, calendar)[1] == 1


def test_week_53_sits_between_week_52_and_week_1_in_the_season():
    week_52, week_53 = date(2026, 12, 21), date(2026, 12, 28)
    week_1 = date(2027, 1, 4)
    assert week_53.isocalendar().week == 53
    assert fm.year_phase(week_52) < fm.year_phase(week_53) < 1
    assert fm.year_phase(week_1) < 0.02
    features = [
        fm.week_features(m, WorkCalendar(), last=week_52) for m in (week_52, week_53, week_1)
    ]
    # The Fourier terms of week 53 are close to both neighbours (no jump at the year's end).
    seasonal = [row[: 2 * fm.HARMONICS] for row in features]
    assert max(abs(a - b) for a, b in zip(seasonal[1], seasonal[0], strict=True)) < 0.4
    assert max(abs(a - b) for a, b in zip(seasonal[1], seasonal[2], strict=True)) < 0.4


def test_trend_is_counted_in_years_from_the_last_week_of_the_fit():
    last = date(2026, 3, 2)
    row = fm.week_features(date(2026, 3, 16), WorkCalendar(), last=last)
    assert row[2 * fm.HARMONICS] == 14 / 365.25


def test_mondays_cover_the_weeks_of_a_span():
    weeks = fm.mondays(date(2026, 1, 7), date(2026, 1, 26))
    assert weeks == [date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19)]
