"""The Russian production calendar of 2025 and 2026 as the Government's decrees on moving days
off and the Ministry of Labour's calendars publish it: the reference the seeded calendar and the
deadline tests are checked against. Written out by hand, not computed."""

from datetime import date


def _days(*isodates: str) -> frozenset[date]:
    return frozenset(date.fromisoformat(day) for day in isodates)


# Non-working days that fall on Monday–Friday (holidays and moved days off).
WEEKDAYS_OFF = {
    2025: _days(
        # New Year holidays
        *("2025-01-01", "2025-01-02", "2025-01-03", "2025-01-06", "2025-01-07", "2025-01-08"),
        # 2 May moved from 4 January, 8 May from 23 February
        *("2025-05-01", "2025-05-02", "2025-05-08", "2025-05-09"),
        # 13 June moved from 8 March
        *("2025-06-12", "2025-06-13"),
        # 3 November moved from Saturday 1 November
        *("2025-11-03", "2025-11-04"),
        # 31 December moved from 5 January
        "2025-12-31",
    ),
    2026: _days(
        # New Year holidays; 9 January moved from 3 January
        *("2026-01-01", "2026-01-02", "2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08"),
        "2026-01-09",
        "2026-02-23",
        "2026-03-09",  # 8 March falls on a Sunday
        *("2026-05-01", "2026-05-11"),  # 9 May falls on a Saturday
        "2026-06-12",
        "2026-11-04",
        "2026-12-31",  # moved from 4 January
    ),
}

# Saturdays and Sundays that are working days.
WORKING_WEEKEND_DAYS = {
    2025: _days("2025-11-01"),
    2026: _days(),
}

# Working days one hour shorter: the working day right before a public holiday (Labour Code,
# art. 95), or the weekend day a shortened day's work was moved to (1 November 2025).
SHORTENED_DAYS = {
    2025: _days("2025-03-07", "2025-04-30", "2025-06-11", "2025-11-01"),
    2026: _days("2026-04-30", "2026-05-08", "2026-06-11", "2026-11-03"),
}

# The published totals for the 40-hour week.
WORKING_DAYS = {2025: 247, 2026: 247}
WORKING_HOURS_40 = {2025: 1972, 2026: 1972}
