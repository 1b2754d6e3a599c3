"""Working days on a production calendar: pure date arithmetic, no database.

A `WorkCalendar` knows which dates are days off beyond the ordinary weekend (public holidays and
moved days off) and which weekend dates are working (a Saturday worked in exchange). Legal
deadlines in calendar days that end on a day off move to the next working day (Civil Code, art.
193); deadlines in working days count working days only.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class WorkCalendar:
    """A production calendar: weekends, extra days off and working weekend days."""

    days_off: frozenset[date] = field(default_factory=frozenset)
    working_weekend_days: frozenset[date] = field(default_factory=frozenset)
    shortened_days: frozenset[date] = field(default_factory=frozenset)
    weekend: frozenset[int] = frozenset({5, 6})  # Saturday, Sunday

    @classmethod
    def build(
        cls,
        days_off: Iterable[date] = (),
        working_weekend_days: Iterable[date] = (),
        shortened_days: Iterable[date] = (),
    ) -> WorkCalendar:
        return cls(frozenset(days_off), frozenset(working_weekend_days), frozenset(shortened_days))

    def is_working_day(self, day: date) -> bool:
        # A shortened day is a working day, also when it is a Saturday worked in exchange.
        if day in self.working_weekend_days or day in self.shortened_days:
            return True
        if day in self.days_off:
            return False
        return day.weekday() not in self.weekend

    def next_working_day(self, day: date) -> date:
        """The first working day on or after `day`."""
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (`start` itself not counted)."""
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        remaining = days
        while remaining:
            day += ONE_DAY
            if self.is_working_day(day):
                remaining -= 1
        return day if days else self.next_working_day(start)

    def add_calendar_days(self, start: date, days: int) -> date:
        """`days` calendar days after `start`; a last day that is a day off moves forward."""
        if days < 0:
            raise ValueError("days must not be negative")
        return self.next_working_day(start + timedelta(days=days))

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start. Constant time in
        the length of the span: weekdays by arithmetic, corrected by the calendar's exceptions."""
        if end < start:
            return -self.working_days_between(end, start)
        span = (end - start).days
        count = 0
        for offset in range(1, span % 7 + 1):
            count += (start + offset * ONE_DAY).weekday() not in self.weekend
        count += span // 7 * (7 - len(self.weekend))
        for day in self._exceptions_in(start, end):
            ordinary = day.weekday() not in self.weekend
            if self.is_working_day(day) != ordinary:
                count += 1 if not ordinary else -1
        return count

    @cached_property
    def _exceptions(self) -> tuple[date, ...]:
        return tuple(sorted(self.days_off | self.working_weekend_days | self.shortened_days))

    def _exceptions_in(self, start: date, end: date) -> tuple[date, ...]:
        """The calendar's exceptional dates in (start, end]."""
        exceptions = self._exceptions
        return exceptions[bisect_right(exceptions, start) : bisect_right(exceptions, end)]
