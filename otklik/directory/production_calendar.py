"""The production calendar in the database: seeding from `holidays` and reading it back."""

from __future__ import annotations

import re
from datetime import date, timedelta

import holidays
from django.db import transaction

from otklik.lib.workdays import WorkCalendar

from .models import CalendarDay, Region

# Lower number wins when several rows describe one date.
_PRECEDENCE = {
    (CalendarDay.Source.MANUAL, True): 0,
    (CalendarDay.Source.MANUAL, False): 1,
    (CalendarDay.Source.HOLIDAYS, True): 2,
    (CalendarDay.Source.HOLIDAYS, False): 3,
}
_MOVED_FROM = re.compile(r"перенесено с (\d{2})\.(\d{2})\.(\d{4})")


def _moved_from(name: str) -> date | None:
    """The date a moved day off was moved from, read from its name in `holidays`."""
    match = _MOVED_FROM.search(name.lower())
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    return date(year, month, day)


def seed_calendar(first_year: int, last_year: int) -> int:
    """Import Russian holidays, moved days off, working weekend days and shortened pre-holiday
    days for the years given; returns the number of imported rows. Manual rows are kept."""
    years = list(range(first_year, last_year + 1))
    ru = holidays.RU(years=years, language="ru")
    rows: dict[date, tuple[str, str]] = {}
    for day, name in ru.items():
        kind = CalendarDay.Kind.DAY_OFF if "перенес" in name.lower() else CalendarDay.Kind.HOLIDAY
        rows[day] = (kind, name)
    for day in getattr(ru, "weekend_workdays", ()):
        rows[day] = (CalendarDay.Kind.WORKING, "Рабочий день (перенос)")
    calendar = WorkCalendar.build(
        days_off=[d for d, (k, _) in rows.items() if k != CalendarDay.Kind.WORKING],
        working_weekend_days=[d for d, (k, _) in rows.items() if k == CalendarDay.Kind.WORKING],
    )
    # Labour Code art. 95: the working day before a public holiday is one hour shorter.
    for day, name in ru.items():
        if "перенес" in name.lower():
            continue
        before = day - timedelta(days=1)
        if calendar.is_working_day(before) and before not in rows:
            rows[before] = (CalendarDay.Kind.SHORTENED, f"Предпраздничный день ({name})")
        elif (moved := _moved_from(ru.get(before, ""))) and moved in calendar.working_weekend_days:
            # The pre-holiday day became a day off in exchange for a weekend day: the shortened
            # hours go with the work to that weekend day (1 November 2025, 2 November 2024).
            rows[moved] = (CalendarDay.Kind.SHORTENED, f"Предпраздничный рабочий день ({name})")
    with transaction.atomic():
        CalendarDay.objects.filter(
            region__isnull=True, source=CalendarDay.Source.HOLIDAYS, date__year__in=years
        ).delete()
        CalendarDay.objects.bulk_create(
            CalendarDay(date=day, kind=kind, name=name[:200], source=CalendarDay.Source.HOLIDAYS)
            for day, (kind, name) in sorted(rows.items())
            if first_year <= day.year <= last_year
        )
    return len(rows)


def work_calendar(region: Region | int | None = None) -> WorkCalendar:
    """The production calendar in force for a region: national rows plus the region's own."""
    region_id = region.pk if isinstance(region, Region) else region
    rows = CalendarDay.objects.filter(region__isnull=True)
    if region_id:
        rows = rows | CalendarDay.objects.filter(region_id=region_id)
    chosen: dict[date, tuple[int, str]] = {}
    for day, kind, source, row_region in rows.values_list("date", "kind", "source", "region_id"):
        rank = _PRECEDENCE[(source, row_region is not None)]
        if day not in chosen or rank < chosen[day][0]:
            chosen[day] = (rank, kind)
    off = {CalendarDay.Kind.HOLIDAY, CalendarDay.Kind.DAY_OFF}
    return WorkCalendar.build(
        days_off=[d for d, (_, k) in chosen.items() if k in off],
        working_weekend_days=[d for d, (_, k) in chosen.items() if k == CalendarDay.Kind.WORKING],
        shortened_days=[d for d, (_, k) in chosen.items() if k == CalendarDay.Kind.SHORTENED],
    )
