"""The weeks of the weekly review: which week, its code, its neighbours; and the thresholds
the other modules of the review share (docs/weekly-review.md explains each)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.utils.translation import gettext as _

from ..figures import DAY, Period

WEEK = 7 * DAY

# Topics: a topic grows significantly when this week's count is at least GROWTH_RATIO times its
# usual level for the season AND at least GROWTH_MIN appeals above it.
GROWTH_RATIO = 1.5
GROWTH_MIN = 10
SEASON_YEARS = 3  # previous years looked at for the seasonal level
SEASON_HALF_WIDTH = 2  # the same ISO week ± this many weeks
FALLBACK_WEEKS = 8  # without seasonal history: the mean of the previous weeks
# Hot spots: cells of about CELL_METRES where this week had ≥ HOT_MIN appeals and the previous
# HOT_BEFORE_WEEKS weeks together had ≤ HOT_BEFORE_MAX.
CELL_METRES = 500
HOT_MIN = 5
HOT_BEFORE_WEEKS = 4
HOT_BEFORE_MAX = 1
HOT_LIMIT = 20
HOT_SAMPLE = 5
# An appeal is registered within days of coming in (3 days to moderate, 3 to clarify): searching
# by the indexed creation time this far back finds every appeal registered in a window.
REGISTRATION_MARGIN = timedelta(days=30)
# The ranking of a single week rests on too few appeals: it covers the four weeks up to the
# week's end (ranking.DEFAULT_MINIMUM appeals per municipality still apply).
RANKING_WEEKS = 4
FAILED_WEEKS = 4  # the failed-checks map layer: calls and questionnaires of these weeks
CHART_WEEKS = 12
# «Точность прогноза» on the review: the forecasts of the last ACCURACY_WEEKS complete weeks (the
# review's week included once it is over): two months, enough forecasts to judge, recent enough
# to show a model that went wrong.
ACCURACY_WEEKS = 8
LIST_LIMIT = 10
LONG_LIST_LIMIT = 50
HEATMAP_CELLS = 2000

WEEK_PATTERN = re.compile(r"(\d{4})-?W(\d{1,2})", re.IGNORECASE)
FIRST_YEAR = 2000


def last_complete_week(today: date) -> Period:
    """The Monday–Sunday week before the one `today` is in."""
    return Period.week(today - WEEK)


def current_week(today: date) -> Period:
    """The Monday–Sunday week `today` is in: the review opens on it."""
    return Period.week(today)


def week_code(period: Period) -> str:
    """The ISO week of a period as `2026-W05`."""
    iso = period.start.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def parse_week(
    value: str | None, today: date, *, default: Period | None = None
) -> tuple[Period, str | None]:
    """The week asked for (`YYYY-Www`), or `default` (the current week unless given) and a
    message saying why the value was not taken. Weeks after the current one are refused: they
    have no figures yet."""
    default = default or current_week(today)
    if value is None or value == "":
        return default, None
    shown = week_code(default)
    match = WEEK_PATTERN.fullmatch(value.strip())
    if not match:
        return default, _(
            "«%(value)s» is not a week: write it as 2026-W05 (year, W, week number). "
            "Week %(shown)s is shown."
        ) % {"value": value[:20], "shown": shown}
    year, number = int(match[1]), int(match[2])
    try:
        monday = date.fromisocalendar(year, number, 1)
    except ValueError:
        return default, _("Year %(year)s has no week %(week)s. Week %(shown)s is shown.") % {
            "year": year,
            "week": number,
            "shown": shown,
        }
    if year < FIRST_YEAR or monday > current_week(today).start:
        return default, _(
            "There are no figures for the week %(value)s yet. Week %(shown)s is shown."
        ) % {"value": f"{year}-W{number:02d}", "shown": shown}
    return Period.week(monday), None


def neighbours(period: Period, today: date) -> tuple[Period, Period | None]:
    """The week before and the week after (None when it has not begun)."""
    after = Period.week(period.end)
    return Period.week(period.start - WEEK), (
        after if after.start <= Period.week(today).start else None
    )
