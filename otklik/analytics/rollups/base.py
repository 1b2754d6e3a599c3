"""What the rollups are made of: a contribution (the counters one appeal or instruction adds to
the days of its unit), the regions' time zones and calendars, and the appeal fields read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from otklik.appeals.models import PROACTIVE_CHANNELS  # noqa: F401 (re-exported by rollups)
from otklik.directory.models import Region
from otklik.directory.production_calendar import work_calendar
from otklik.lib.workdays import WorkCalendar

from ..models import MEASURES

DURABILITY_DAYS = 90
DURABILITY_METRES = 100
# A first report of a problem (found before residents): no earlier appeal of its category within
# FIRST_REPORT_METRES in the FIRST_REPORT_DAYS before it.
FIRST_REPORT_DAYS = 30
FIRST_REPORT_METRES = 100
GOOD_RATING = 4

INDEX = {name: i for i, name in enumerate(MEASURES)}
# Answer-time histogram entries share the contribution's measure codes: calendar days at
# CALENDAR_BASE + days, working days at WORKING_BASE + days.
CALENDAR_BASE = 1000
WORKING_BASE = 2000
MAX_DAYS = 999

Unit = tuple[int, int, int]  # municipality, organization, category (0: none)
Entries = dict[tuple[int, int], int]  # (day ordinal, measure code) → value


@dataclass
class Contribution:
    region: int
    unit: Unit
    entries: Entries = field(default_factory=dict)

    def add(self, day: date, measure: str | int, value: int = 1) -> None:
        code = INDEX[measure] if isinstance(measure, str) else measure
        key = (day.toordinal(), code)
        self.entries[key] = self.entries.get(key, 0) + value

    def as_json(self) -> dict:
        return {
            "r": self.region,
            "u": list(self.unit),
            "e": [[d, m, v] for (d, m), v in sorted(self.entries.items()) if v],
        }

    @classmethod
    def from_json(cls, data: dict) -> Contribution | None:
        if not data:
            return None
        return cls(
            region=data["r"],
            unit=tuple(data["u"]),
            entries={(d, m): v for d, m, v in data["e"]},
        )


# ---------------------------------------------------------------------------- calendars


class Context:
    """Time zones and calendars of the regions, loaded once per refresh or rebuild."""

    def __init__(self):
        self.zones = {pk: ZoneInfo(tz) for pk, tz in Region.objects.values_list("pk", "time_zone")}
        self._calendars: dict[int, WorkCalendar] = {}

    def day(self, region: int, moment: datetime) -> date:
        return moment.astimezone(self.zones[region]).date()

    def workdays(self, region: int) -> WorkCalendar:
        if region not in self._calendars:
            self._calendars[region] = work_calendar(region)
        return self._calendars[region]


# ---------------------------------------------------------------------------- contributions

APPEAL_FIELDS = (
    "pk",
    "region_id",
    "municipality_id",
    "executor_id",
    "category_id",
    "status",
    "channel",
    "repeat_of_id",
    "created_at",
    "registered_at",
    "due_at",
    "answered_at",
    "closed_at",
    "latitude",
    "longitude",
)


@dataclass(frozen=True)
class AppealRow:
    pk: int
    region_id: int
    municipality_id: int | None
    executor_id: int | None
    category_id: int | None
    status: str
    channel: str
    repeat_of_id: int | None
    created_at: datetime
    registered_at: datetime | None
    due_at: datetime | None
    answered_at: datetime | None
    closed_at: datetime | None
    latitude: float | None
    longitude: float | None
