"""Keeping the KPI rollups current: what each appeal and instruction adds to them, the
difference applied when one changes, and the rebuild from the history.

Every appeal (and every instruction) has a *contribution*: the counters it adds to the days of its
unit — received on the day it was registered, due on its deadline's day, answered, closed, its
answers, ratings and verifications on theirs (docs/kpi.md lists them). The contribution last
written is kept in `RollupState`; a refresh computes the new one and adds `new − old`, so the
rollups are always the sum of the current contributions, whatever happened in between. The outbox
refreshes the appeals of every batch of events it hands over (the lifecycle events), the
instruction services refresh their instruction; `rebuild_rollups` recomputes everything from the
source tables, and the tests prove the two agree.

Time passing changes one thing only: an unanswered appeal becomes overdue when its deadline's day
is over. The rollups keep such appeals as `due_open` of that day, and the reader counts them as
overdue for the days before today (deadlines always end at the end of a day, sla.end_of_day).

The parts: `base` (contributions, calendars, the appeal fields read), `durability`,
`first_reports` (found before residents), `points` (inspection points, read through a slot),
`contributions` (what each appeal and instruction adds), `store` (the difference written, the
refresh), `rebuilding` (the rebuild; the serial pass) and `partitioned` (the rebuild on
PostgreSQL: partitions summed in SQL by worker processes, swapped in at the end).
"""

from .base import (
    APPEAL_FIELDS,
    CALENDAR_BASE,
    DURABILITY_DAYS,
    DURABILITY_METRES,
    FIRST_REPORT_DAYS,
    FIRST_REPORT_METRES,
    GOOD_RATING,
    INDEX,
    MAX_DAYS,
    PROACTIVE_CHANNELS,
    WORKING_BASE,
    AppealRow,
    Context,
    Contribution,
    Entries,
    Unit,
)
from .contributions import (
    appeal_contributions,
    instruction_contributions,
)
from .durability import (
    all_durability_failures,
    durability_followers,
)
from .first_reports import (
    all_first_reports,
    earlier_reports,
)
from .points import (
    PointRow,
    point_contributions,
    point_readers,
    read_points,
)
from .rebuilding import (
    KEY_COLUMNS,
    RebuildReport,
    rebuild,
)
from .store import (
    Delta,
    refresh_appeals,
    refresh_instructions,
    refresh_points,
)

__all__ = [
    "APPEAL_FIELDS",
    "CALENDAR_BASE",
    "DURABILITY_DAYS",
    "DURABILITY_METRES",
    "FIRST_REPORT_DAYS",
    "FIRST_REPORT_METRES",
    "GOOD_RATING",
    "INDEX",
    "KEY_COLUMNS",
    "MAX_DAYS",
    "PROACTIVE_CHANNELS",
    "WORKING_BASE",
    "AppealRow",
    "Context",
    "Contribution",
    "Delta",
    "Entries",
    "PointRow",
    "RebuildReport",
    "Unit",
    "all_durability_failures",
    "all_first_reports",
    "appeal_contributions",
    "durability_followers",
    "earlier_reports",
    "instruction_contributions",
    "point_contributions",
    "point_readers",
    "read_points",
    "rebuild",
    "refresh_appeals",
    "refresh_instructions",
    "refresh_points",
]
