"""Deadline arithmetic on the production calendar: pure functions, no database.

Terms run from the day after the event (Civil Code, art. 191) and end at the end of their last
day in the region's time zone. A term in calendar days whose last day is a day off ends on the
next working day (art. 193). The clock stops while the applicant is asked to clarify.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from otklik.lib.workdays import WorkCalendar

CALENDAR = "calendar"
WORKING = "working"


@dataclass(frozen=True)
class DeadlinePolicy:
    """The terms of 59-ФЗ by default; a region may use its own."""

    registration_days: int = 3  # art. 8 p. 2: registration within three days
    redirection_days: int = 7  # art. 8 p. 3: sent to the competent body within seven days
    answer_days: int = 30  # art. 12 p. 1
    answer_days_unit: str = CALENDAR
    clarification_days: int = 3  # the applicant's window to clarify, then auto-reject
    max_postponement_days: int = 30  # art. 12 p. 2: one extension of up to 30 days
    executor_postponements: int = 1  # later postponements only by an operator, always flagged


DEFAULT_POLICY = DeadlinePolicy()


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(tz).date()


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The last second of a day in the region's time zone."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz)


def add_days(start: datetime, days: int, unit: str, calendar: WorkCalendar, tz: ZoneInfo):
    """The end of the last day of a term of `days` (calendar or working) started at `start`."""
    day = local_date(start, tz)
    if unit == WORKING:
        last = calendar.add_working_days(day, days)
    elif unit == CALENDAR:
        last = calendar.add_calendar_days(day, days)
    else:
        raise ValueError(f"unknown unit {unit!r}")
    return end_of_day(last, tz)


def registration_due(created_at: datetime, calendar, tz, policy=DEFAULT_POLICY) -> datetime:
    return add_days(created_at, policy.registration_days, CALENDAR, calendar, tz)


def redirection_due(redirected_at: datetime, calendar, tz, policy=DEFAULT_POLICY) -> datetime:
    return add_days(redirected_at, policy.redirection_days, CALENDAR, calendar, tz)


def answer_due(
    registered_at: datetime, days: int, unit: str, calendar: WorkCalendar, tz: ZoneInfo
) -> datetime:
    return add_days(registered_at, days, unit, calendar, tz)


def clarification_due(asked_at: datetime, tz: ZoneInfo, policy=DEFAULT_POLICY) -> datetime:
    """The applicant's window ends with its last calendar day, weekends included."""
    return end_of_day(local_date(asked_at, tz) + timedelta(days=policy.clarification_days), tz)


def latest_postponed_due(current_due: datetime, tz: ZoneInfo, policy=DEFAULT_POLICY) -> datetime:
    """The latest deadline one postponement may set."""
    return end_of_day(
        local_date(current_due, tz) + timedelta(days=policy.max_postponement_days), tz
    )


def paused(deadline: datetime, paused_from: datetime, resumed_at: datetime) -> datetime:
    """A deadline moved by the time the clock stood still."""
    if resumed_at < paused_from:
        raise ValueError("resumed before paused")
    return deadline + (resumed_at - paused_from)


def working_days_left(now: datetime, due_at: datetime, calendar: WorkCalendar, tz) -> int:
    """Working days from today to the deadline's day: 0 on the last day, negative when overdue."""
    today, last = local_date(now, tz), local_date(due_at, tz)
    if now > due_at:
        return -max(1, calendar.working_days_between(last, today))
    return calendar.working_days_between(today, last)


# Deadline classes of the office lists: a row is «soon» within this many working days.
SOON_WORKING_DAYS = 2
OVERDUE, TODAY, SOON, OK = "overdue", "today", "soon", "ok"


def deadline_class(days_left: int | None) -> str:
    """The colour class of a deadline from `working_days_left` (OK when there is none)."""
    if days_left is None:
        return OK
    if days_left < 0:
        return OVERDUE
    if days_left == 0:
        return TODAY
    return SOON if days_left <= SOON_WORKING_DAYS else OK


def clock_deadline_class(due: datetime, now: datetime, *, tz, soon: timedelta) -> str:
    """The same classes for a deadline kept in calendar time (registration, instructions):
    overdue, due today in `tz`, due within `soon`, or fine."""
    if due < now:
        return OVERDUE
    if due.astimezone(tz).date() == now.astimezone(tz).date():
        return TODAY
    return SOON if due - now <= soon else OK


def deadline_bounds(now: datetime, calendar: WorkCalendar, tz) -> dict[str, tuple]:
    """Ranges of `due_at` for each deadline class, as (from, to) with `to` excluded (None: open),
    matching `deadline_class(working_days_left(now, due_at, …))` so a database filter and the
    colour of a row always agree."""
    today = local_date(now, tz)

    def start(day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=tz)

    first = start(calendar.add_working_days(today, 1))
    after_soon = start(calendar.add_working_days(today, SOON_WORKING_DAYS + 1))
    return {
        OVERDUE: (None, now),
        TODAY: (now, first),
        SOON: (first, after_soon),
        OK: (after_soon, None),
    }
