"""The rebuild on PostgreSQL: partitions of the appeals (a municipality × a range of months)
summed in SQL by a pool of worker processes into staging tables, swapped in at the end in one
short transaction.

The steps (docs/kpi.md, "Rebuild"):

1. Staging. UNLOGGED tables for the partial sums of the fine grain, the durability and first-report
   flags and the production calendar (cumulative working days per region and day), and empty
   `*_next` copies of KpiDay, KpiAnswerTime and RollupState (same columns, no indexes yet).
2. A lock and a snapshot. One connection takes `LOCK analytics_rollupstate IN EXCLUSIVE MODE`
   (readers go on; the outbox's refreshes wait until the swap, as they waited for the one long
   transaction before) and exports its snapshot: every worker reads the same moment.
3. Flags. Durability failures and first reports are geometric (neighbours in space and time);
   they stay in Python (`durability.py`, `first_reports.py`), one task per category.
4. Partitions. Each partition's appeals are read once into a temporary table; one statement
   turns them, with their answers, ratings, calls, questionnaires and postponements, into
   entries (appeal, day, measure, value), and writes from them the appeals' contributions
   (jsonb, into RollupState's next table) and the partial sums of the fine grain (staging).
5. Merge. Instructions and inspection points (a few thousand) are added in Python as before;
   the fine grain is summed from the staging rows, the coarse grains derived in SQL, then the
   indexes and constraints built and the tables analysed.
6. Swap. The lock's transaction drops the old tables and renames the new ones (with their
   indexes, constraints and sequence) into place, and commits: readers see the old figures or
   the new ones, never a mixture. A failure anywhere before leaves the old tables untouched.

With `jobs=1`, or inside a transaction the workers could not see, the same statements run one
partition after another on the caller's connection, all in one transaction.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import multiprocessing.util
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import connection, connections, transaction
from django.db.models import Q

from otklik.appeals.models import Answer, Appeal, Postponement, Rating
from otklik.appeals.workflow import Status
from otklik.control.models import ControlCall, FollowUp
from otklik.directory.models import Region

from ..models import MEASURES, Grain, KpiAnswerTime, KpiDay, RollupState
from .base import CALENDAR_BASE, INDEX, MAX_DAYS, PROACTIVE_CHANNELS, WORKING_BASE, Context
from .contributions import instruction_contributions
from .durability import failures_in, grid
from .first_reports import first_reports_in
from .points import point_contributions, read_points
from .store import Delta

STAGE_DAY = "analytics_rebuild_day"
STAGE_TIME = "analytics_rebuild_time"
STAGE_FLAGS = "analytics_rebuild_flags"
STAGE_CALENDAR = "analytics_rebuild_calendar"
STAGES = (STAGE_DAY, STAGE_TIME, STAGE_FLAGS, STAGE_CALENDAR)
TARGETS = (KpiDay, KpiAnswerTime, RollupState)
# Partitions per worker: small enough to even out unequal municipalities, large enough that
# each statement's fixed costs do not count.
PARTITIONS_PER_JOB = 4
LOCK_KEY = 0x4F746B6C  # pg_advisory_lock key: one rebuild at a time
KEY = ["region_id", "day", "municipality", "organization", "category"]


def _next(model) -> str:
    return f"{model._meta.db_table}_next"


@dataclass(frozen=True)
class Partition:
    """The appeals of one municipality (None: appeals without one) created in [start, end)
    (None: unbounded, so that every appeal falls in some partition)."""

    municipality: int | None
    start: datetime | None
    end: datetime | None
    appeals: int  # counted when planned (for the progress bar and the balance)


# ---------------------------------------------------------------------------- the plan


def plan(cursor, parts: int) -> list[Partition]:
    """Cut the appeals into about `parts` partitions: each municipality's months in order,
    consecutive months grouped until a partition holds its share of the appeals."""
    cursor.execute(
        f"SELECT municipality_id, date_trunc('month', created_at AT TIME ZONE 'UTC'), count(*) "  # noqa: S608
        f"FROM {Appeal._meta.db_table} GROUP BY 1, 2 ORDER BY 1 NULLS FIRST, 2"
    )
    months: dict[int | None, list[tuple[datetime, int]]] = {}
    total = 0
    for municipality, month, count in cursor.fetchall():
        months.setdefault(municipality, []).append((month.replace(tzinfo=UTC), count))
        total += count
    share = max(1, total // max(1, parts))
    result = []
    for municipality, counted in months.items():
        start, size = None, 0
        for i, (_month, count) in enumerate(counted):
            size += count
            last = i == len(counted) - 1
            if last or size >= share:
                end = None if last else counted[i + 1][0]
                result.append(Partition(municipality, start, end, size))
                start, size = end, 0
    # The largest first: the pool ends with the small ones, evenly.
    return sorted(result, key=lambda p: -p.appeals)


# ---------------------------------------------------------------------------- staging


def prepare(cursor) -> None:
    """Create the staging tables and the empty next tables (dropping any left by a crash)."""
    measures = ", ".join(f"{m} integer NOT NULL DEFAULT 0" for m in MEASURES)
    key = (
        "region_id integer, day date, municipality integer, organization integer, category integer"
    )
    for table in (*STAGES, *(_next(m) for m in TARGETS)):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(f"CREATE UNLOGGED TABLE {STAGE_DAY} ({key}, {measures})")
    cursor.execute(
        f"CREATE UNLOGGED TABLE {STAGE_TIME} ({key}, working boolean, days integer, count integer)"
    )
    cursor.execute(
        f"CREATE UNLOGGED TABLE {STAGE_FLAGS} (appeal_id bigint PRIMARY KEY, failed boolean, "
        f"first boolean)"
    )
    cursor.execute(
        f"CREATE UNLOGGED TABLE {STAGE_CALENDAR} (region_id integer, day date, cum integer, "
        f"PRIMARY KEY (region_id, day))"
    )
    for model in TARGETS:
        # Columns, defaults, NOT NULL and CHECK constraints, the identity with a sequence of its
        # own; the keys, foreign keys and indexes come after the load (finish()).
        cursor.execute(
            f"CREATE TABLE {_next(model)} (LIKE {model._meta.db_table} INCLUDING DEFAULTS "
            f"INCLUDING IDENTITY INCLUDING CONSTRAINTS INCLUDING STORAGE)"
        )


def drop_staging(cursor, *, targets: bool) -> None:
    tables = [*STAGES, *((_next(m) for m in TARGETS) if targets else ())]
    cursor.execute(f"DROP TABLE IF EXISTS {', '.join(tables)}")


def write_calendar(cursor) -> None:
    """Cumulative working days per region and day (`cum(answer) − cum(registration)` is
    WorkCalendar.working_days_between), over every day an appeal can fall on."""
    ctx = Context()
    cursor.execute(f"SELECT min(created_at), max(created_at) FROM {Appeal._meta.db_table}")  # noqa: S608
    low, high = cursor.fetchone()
    now = datetime.now(UTC)
    low, high = (low or now), max(high or now, now)
    # Registered and answered after the appeal came in; a margin either side, checked in
    # fill_partition (an appeal outside stops the rebuild rather than count wrongly).
    first = (low - timedelta(days=3 * 366)).date()
    last = (high + timedelta(days=10 * 366)).date()
    rows = []
    for region in ctx.zones:
        calendar = ctx.workdays(region)
        day, cum = first, 0
        while day <= last:
            cum += calendar.is_working_day(day)
            rows.append((region, day, cum))
            day += timedelta(days=1)
    copy_rows(cursor, STAGE_CALENDAR, ["region_id", "day", "cum"], rows)


def copy_rows(cursor, table: str, columns: list[str], rows: Iterable[tuple]) -> None:
    raw = getattr(cursor, "cursor", cursor)  # Django's wrapper or a psycopg cursor
    with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


# ---------------------------------------------------------------------------- flags


def categories(cursor) -> list[int]:
    cursor.execute(
        f"SELECT DISTINCT category_id FROM {Appeal._meta.db_table} "  # noqa: S608
        f"WHERE category_id IS NOT NULL AND latitude IS NOT NULL"
    )
    return sorted(row[0] for row in cursor.fetchall())


def write_flags(cursor, category_ids: list[int] | None) -> int:
    """Durability failures and first reports of these categories (None: all), into the flags
    table: the serial pass's functions, each category's appeals read once for both."""
    if category_ids is None:
        category_ids = categories(cursor)
    failed: set[int] = set()
    first: set[int] = set()
    for category_id in category_ids:
        rows = (
            Appeal.objects.filter(category_id=category_id, latitude__isnull=False)
            .exclude(status=Status.REJECTED)
            .exclude(longitude__isnull=True)
            .values_list("pk", "latitude", "longitude", "registered_at", "closed_at", "status")
            .order_by()
        )
        registered, closed = [], []
        for pk, lat, lon, registered_at, closed_at, status in rows.iterator(chunk_size=20000):
            if registered_at is not None:
                registered.append((pk, lat, lon, registered_at))
            if status == Status.CLOSED and closed_at is not None:
                closed.append((pk, lat, lon, closed_at))
        cells = grid(registered)
        failed |= failures_in(cells, closed)
        first |= first_reports_in(cells, registered)
    copy_rows(
        cursor,
        STAGE_FLAGS,
        ["appeal_id", "failed", "first"],
        ((pk, pk in failed, pk in first) for pk in sorted(failed | first)),
    )
    return len(failed | first)


# ---------------------------------------------------------------------------- a partition


def _flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def _partition_sql() -> tuple[str, str, str]:
    """The three statements of a partition: read its appeals, check the calendar covers them,
    write their entries. Everything interpolated is ours (table names, measure codes)."""
    a, z = Appeal._meta.db_table, Region._meta.db_table
    proactive = ", ".join(f"'{c}'" for c in sorted(PROACTIVE_CHANNELS))

    def local(column: str) -> str:
        return f"(a.{column} AT TIME ZONE z.time_zone)::date"

    read = (
        f"CREATE TEMP TABLE rebuild_part AS "  # noqa: S608
        f"SELECT p.*, COALESCE(f.failed, false) AS failed, COALESCE(f.first, false) AS first, "
        f"p.answered_day IS NOT NULL AND p.registered_day IS NOT NULL AND NOT p.rejected "
        f"AS answered_ok, "
        f"LEAST(GREATEST(p.answered_day - p.registered_day, 0), {MAX_DAYS}) AS calendar_days, "
        f"LEAST(GREATEST(wa.cum - wr.cum, 0), {MAX_DAYS}) AS working_days, pp.n AS postponements "
        f"FROM (SELECT a.id, a.region_id, COALESCE(a.municipality_id, 0) AS m, "
        f"COALESCE(a.executor_id, 0) AS o, COALESCE(a.category_id, 0) AS c, "
        f"a.status = '{Status.REJECTED}' AS rejected, a.channel IN ({proactive}) AS proactive, "
        f"a.repeat_of_id IS NOT NULL AS repeat, z.time_zone AS tz, "
        f"{local('created_at')} AS created_day, {local('registered_at')} AS registered_day, "
        f"{local('due_at')} AS due_day, {local('answered_at')} AS answered_day, "
        f"{local('closed_at')} AS closed_day, a.answered_at IS NULL AS unanswered, "
        f"a.answered_at > a.due_at AS late, "
        f"a.status = '{Status.CLOSED}' AND a.closed_at IS NOT NULL AS closed "
        f"FROM {a} a JOIN {z} z ON z.id = a.region_id WHERE {{where}}) p "
        f"LEFT JOIN {STAGE_FLAGS} f ON f.appeal_id = p.id "
        f"LEFT JOIN {STAGE_CALENDAR} wr ON wr.region_id = p.region_id "
        f"AND wr.day = p.registered_day "
        f"LEFT JOIN {STAGE_CALENDAR} wa ON wa.region_id = p.region_id AND wa.day = p.answered_day "
        f"LEFT JOIN LATERAL (SELECT count(*) AS n FROM {Postponement._meta.db_table} x "
        f"WHERE x.appeal_id = p.id AND x.state = '{Postponement.State.APPROVED}') pp ON true"
    )
    check = "SELECT count(*) FROM rebuild_part WHERE answered_ok AND working_days IS NULL"
    i = INDEX
    # One scan of the partition's table per measure (cheap: it is small and in memory), each
    # keeping only the appeals the measure counts: (day, code, value, condition, postponed).
    own = [
        ("p.created_day", i["rejected"], "1", "p.rejected"),
        ("p.registered_day", i["received"], "1", "NOT p.rejected"),
        ("p.registered_day", i["repeats"], "1", "NOT p.rejected AND p.repeat"),
        ("p.registered_day", i["proactive"], "1", "NOT p.rejected AND p.proactive"),
        ("p.registered_day", i["first_reports"], "1", "NOT p.rejected AND p.first"),
        (
            "p.registered_day",
            i["first_reports_proactive"],
            "1",
            "NOT p.rejected AND p.first AND p.proactive",
        ),
        ("p.due_day", i["due"], "1", "NOT p.rejected"),
        ("p.due_day", i["due_open"], "1", "NOT p.rejected AND p.unanswered"),
        ("p.due_day", i["due_late"], "1", "NOT p.rejected AND p.late"),
        ("p.due_day", i["postponed"], "1", "NOT p.rejected AND p.postponements >= 1"),
        ("p.due_day", i["postponed_twice"], "1", "NOT p.rejected AND p.postponements >= 2"),
        ("p.answered_day", i["answered"], "1", "p.answered_ok"),
        ("p.answered_day", i["answer_days"], "p.calendar_days", "p.answered_ok"),
        ("p.answered_day", i["answer_workdays"], "p.working_days", "p.answered_ok"),
        ("p.answered_day", f"{CALENDAR_BASE} + p.calendar_days", "1", "p.answered_ok"),
        ("p.answered_day", f"{WORKING_BASE} + p.working_days", "1", "p.answered_ok"),
        ("p.closed_day", i["closed"], "1", "p.closed"),
        ("p.closed_day", i["durability_failures"], "1", "p.closed AND p.failed"),
    ]
    columns = "p.id, p.region_id, p.m, p.o, p.c"
    scans = [
        f"SELECT {columns}, {day}, {code}, {value} FROM rebuild_part p "  # noqa: S608
        f"WHERE {condition} AND {day} IS NOT NULL AND {value} <> 0"
        for day, code, value, condition in own
    ]

    def related(model, moment: str, where: str, pairs: list[tuple[int, str]]) -> str:
        listed = ", ".join(f"({code}, {value})" for code, value in pairs)
        return (
            f"SELECT {columns}, (x.{moment} AT TIME ZONE p.tz)::date, v.code, v.value "  # noqa: S608
            f"FROM {model._meta.db_table} x JOIN rebuild_part p ON p.id = x.appeal_id "
            f"AND NOT p.rejected CROSS JOIN LATERAL (VALUES {listed}) AS v(code, value) "
            f"WHERE {where} AND v.value <> 0"
        )

    # Several answers, ratings or checks of an appeal may fall on one day: summed here. The
    # appeal's own measures are one entry each, so after this every (appeal, day, code) is
    # one entry and the contribution needs no further grouping.
    others = " UNION ALL ".join(
        [
            related(
                Answer,
                "submitted_at",
                "true",
                [
                    (i["answers_submitted"], "1"),
                    (i["answers_returned"], _flag(f"x.state = '{Answer.State.RETURNED}'")),
                    (i["answers_formal"], _flag("x.is_formal_reply")),
                ],
            ),
            related(
                Rating,
                "created_at",
                "true",
                [(i["ratings"], "1"), (i["ratings_good"], _flag("x.score >= 4"))],
            ),
            related(
                ControlCall,
                "completed_at",
                f"x.state = '{ControlCall.State.DONE}'",
                [(i["verifications"], "1"), (i["verified_solved"], _flag("x.is_solved"))],
            ),
            related(
                FollowUp,
                "answered_at",
                "x.answered_at IS NOT NULL",
                [(i["verifications"], "1"), (i["verified_solved"], _flag("x.fix_lasted"))],
            ),
        ]
    )
    entries = " UNION ALL ".join(
        [
            *scans,
            f"SELECT id, region_id, m, o, c, day, code, SUM(value) FROM ({others}) "  # noqa: S608
            f"AS r(id, region_id, m, o, c, day, code, value) GROUP BY 1, 2, 3, 4, 5, 6, 7",
        ]
    )
    sums = ", ".join(f"COALESCE(SUM(value) FILTER (WHERE code = {INDEX[m]}), 0)" for m in MEASURES)
    # The contribution as Contribution.as_json() writes it, built as text (far cheaper than
    # jsonb_build_*) and parsed once: entries [day ordinal, code, value] in order.
    ordinal = "(day - DATE '0001-01-01' + 1)"
    write = (
        f"WITH e AS MATERIALIZED (SELECT * FROM ({entries}) "  # noqa: S608
        f"AS u(id, region_id, m, o, c, day, code, value)), "
        f"states AS (INSERT INTO {_next(RollupState)} "
        f"(subject, object_id, region_id, contribution) "
        f"SELECT '{RollupState.Subject.APPEAL}', p.id, p.region_id, ("
        f"""'{{"r": ' || p.region_id || ', "u": [' || p.m || ', ' || p.o || ', ' || p.c """
        f"""|| '], "e": [' || COALESCE(g.e, '') || ']}}')::jsonb """
        f"FROM rebuild_part p LEFT JOIN (SELECT id, string_agg('[' || {ordinal} || ', ' || code "
        f"|| ', ' || value || ']', ', ' ORDER BY day, code) AS e FROM e GROUP BY id"
        f") g ON g.id = p.id), "
        f"days AS (INSERT INTO {STAGE_DAY} ({', '.join(KEY)}, {', '.join(MEASURES)}) "
        f"SELECT region_id, day, m, o, c, {sums} FROM e WHERE code < {CALENDAR_BASE} "
        f"GROUP BY region_id, day, m, o, c) "
        f"INSERT INTO {STAGE_TIME} ({', '.join(KEY)}, working, days, count) "
        f"SELECT region_id, day, m, o, c, code >= {WORKING_BASE}, "
        f"code - CASE WHEN code >= {WORKING_BASE} THEN {WORKING_BASE} ELSE {CALENDAR_BASE} END, "
        f"SUM(value) FROM e WHERE code >= {CALENDAR_BASE} GROUP BY 1, 2, 3, 4, 5, 6, 7"
    )
    return read, check, write


def fill_partition(cursor, partition: Partition) -> int:
    """Sum one partition into the staging tables; returns its number of appeals."""
    read, check, write = _partition_sql()
    where, params = ["true"], {}
    if partition.municipality is None:
        where.append("a.municipality_id IS NULL")
    else:
        where.append("a.municipality_id = %(municipality)s")
        params["municipality"] = partition.municipality
    if partition.start is not None:
        where.append("a.created_at >= %(start)s")
        params["start"] = partition.start
    if partition.end is not None:
        where.append("a.created_at < %(end)s")
        params["end"] = partition.end
    cursor.execute("DROP TABLE IF EXISTS rebuild_part")
    cursor.execute(read.replace("{where}", " AND ".join(where)), params)
    cursor.execute("ANALYZE rebuild_part")
    cursor.execute(check)
    if cursor.fetchone()[0]:
        raise RuntimeError(f"{partition}: an answer outside the production calendar's days")
    cursor.execute(write)
    cursor.execute("SELECT count(*) FROM rebuild_part")
    (count,) = cursor.fetchone()
    cursor.execute("DROP TABLE rebuild_part")
    return count


# ---------------------------------------------------------------------------- the rest


def add_others(cursor, report) -> None:
    """Instructions and inspection points (a few thousand): their contributions in Python, as
    the serial path computes them, into the same staging and next tables."""
    ctx = Context()
    delta = Delta()
    fine = lambda unit: [(Grain.FINE, *unit)]  # noqa: E731
    states = []
    instructions = instruction_contributions(Q(), ctx)
    for pk, contribution in instructions.items():
        delta.add(contribution, +1, fine)
        states.append(
            (RollupState.Subject.INSTRUCTION, pk, contribution.region, _json(contribution))
        )
    report.instructions = len(instructions)
    checked = [row for row in read_points() if row.checked]
    points = point_contributions(checked, ctx)
    for pk, contribution in points.items():
        delta.add(contribution, +1, fine)
        states.append((RollupState.Subject.POINT, pk, contribution.region, _json(contribution)))
    report.points = len(points)
    copy_rows(
        cursor,
        _next(RollupState),
        ["subject", "object_id", "region_id", "contribution"],
        states,
    )
    copy_rows(
        cursor,
        STAGE_DAY,
        [*KEY, *MEASURES],
        (
            (region, date.fromordinal(ordinal), m, o, c, *values)
            for (_grain, region, ordinal, m, o, c), values in delta.days.items()
            if any(values)
        ),
    )
    copy_rows(
        cursor,
        STAGE_TIME,
        [*KEY, "working", "days", "count"],
        (
            (region, date.fromordinal(ordinal), m, o, c, working, days, count)
            for (_grain, region, ordinal, m, o, c, working, days), count in delta.times.items()
            if count
        ),
    )


def _json(contribution) -> str:
    return json.dumps(contribution.as_json())


def merge(cursor, days: tuple[date, date] | None = None) -> int:
    """Every grain summed from the staging rows in one pass (GROUPING SETS: the fine grain
    and the municipality, organization, region and category ones), for the days in
    [first, last) or all; returns the number of KpiDay rows written. Every grain keeps the
    day, so ranges of days are independent (the pool merges them side by side)."""
    sums = ", ".join(f"SUM({m})" for m in MEASURES)
    names = ", ".join(MEASURES)
    keys = ", ".join(KEY)
    # GROUPING(municipality, organization, category): a bit set where 1 = summed over.
    grain = (
        f"CASE GROUPING(municipality, organization, category) WHEN 0 THEN {int(Grain.FINE)} "
        f"WHEN 3 THEN {int(Grain.MUNICIPALITY)} WHEN 5 THEN {int(Grain.ORGANIZATION)} "
        f"WHEN 7 THEN {int(Grain.REGION)} ELSE {int(Grain.CATEGORY)} END"
    )
    units = "COALESCE(municipality, 0), COALESCE(organization, 0), COALESCE(category, 0)"
    sets = (
        "GROUPING SETS ((region_id, day, municipality, organization, category), "
        "(region_id, day, municipality), (region_id, day, organization), (region_id, day), "
        "(region_id, day, category))"
    )
    where, params = "true", []
    if days is not None:
        where, params = "day >= %s AND day < %s", list(days)
    cursor.execute(
        f"INSERT INTO {_next(KpiDay)} (grain, {keys}, {names}) "  # noqa: S608
        f"SELECT {grain}, region_id, day, {units}, {sums} FROM {STAGE_DAY} WHERE {where} "
        f"GROUP BY {sets}",
        params,
    )
    rows = cursor.rowcount
    cursor.execute(
        f"INSERT INTO {_next(KpiAnswerTime)} (grain, {keys}, working, days, count) "  # noqa: S608
        f"SELECT {grain}, region_id, day, {units}, working, days, SUM(count) FROM {STAGE_TIME} "
        f"WHERE {where} GROUP BY working, days, {sets}",
        params,
    )
    return rows


def day_ranges(cursor, parts: int) -> list[tuple[date, date]]:
    """The staging rows' days cut into `parts` ranges of about as many rows."""
    cursor.execute(
        f"SELECT percentile_disc(%s::float8[]) WITHIN GROUP (ORDER BY day), max(day) "  # noqa: S608
        f"FROM {STAGE_DAY}",
        [[k / parts for k in range(parts)]],
    )
    cuts, last = cursor.fetchone()
    if last is None:
        return []
    bounds = sorted({*cuts, last + timedelta(days=1)})
    return list(itertools.pairwise(bounds))


@dataclass
class Renames:
    """What the swap renames once the old tables are gone: (kind, table, temporary, final)."""

    items: list[tuple[str, str, str, str]]


def finish(cursor, table: int | None = None) -> Renames:
    """Build on each next table (or on TARGETS[table]) the keys, foreign keys and indexes of
    its live table, under temporary names, and analyse it; return the renames the swap makes.
    The tables are independent: the pool finishes them side by side."""
    renames = []
    for t, model in enumerate(TARGETS):
        if table is not None and t != table:
            continue
        live, fresh = model._meta.db_table, _next(model)
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f', 'x') "
            "ORDER BY contype DESC, conname",  # the primary key first
            [live],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
            "ORDER BY c.relname",
            [live],
        )
        indexes = cursor.fetchall()
        for n, (name, definition) in enumerate(constraints):
            temporary = f"analytics_rebuild_{t}_c{n}"
            cursor.execute(f"ALTER TABLE {fresh} ADD CONSTRAINT {temporary} {definition}")
            renames.append(("constraint", live, temporary, name))
        for n, (name, definition) in enumerate(indexes):
            temporary = f"analytics_rebuild_{t}_i{n}"
            head, rest = definition.split(" USING ", 1)
            unique = "UNIQUE " if head.startswith("CREATE UNIQUE") else ""
            cursor.execute(f"CREATE {unique}INDEX {temporary} ON {fresh} USING {rest}")
            renames.append(("index", live, temporary, name))
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id'), pg_get_serial_sequence(%s, 'id')",
                       [live, fresh])  # fmt: skip
        old_sequence, new_sequence = cursor.fetchone()
        if old_sequence and new_sequence:
            renames.append(("sequence", live, new_sequence, old_sequence.split(".")[-1]))
        cursor.execute(f"ANALYZE {fresh}")
    return Renames(renames)


def _worker_finish(table: int) -> Renames:
    cursor = _worker_connection.cursor()
    try:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        return finish(cursor, table)
    except Exception as exc:
        raise RuntimeError(f"{TARGETS[table].__name__}: {exc!r}") from None


def swap(cursor, renames: Renames, *, wrote: bool = False) -> None:
    """Drop the live tables and put the next ones in their place (inside the caller's
    transaction: nothing is seen until it commits). `wrote`: the transaction may have written
    rows of the live tables (a refresh before the rebuild, in one transaction): their deferred
    foreign-key checks are run first, as Django's check_constraints() does, or PostgreSQL
    refuses to drop the tables."""
    if wrote:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for model in TARGETS:
        live = model._meta.db_table
        cursor.execute(f"DROP TABLE {live}")
        cursor.execute(f"ALTER TABLE {_next(model)} RENAME TO {live}")
    for kind, table, temporary, final in renames.items:
        if kind == "constraint":
            cursor.execute(f'ALTER TABLE {table} RENAME CONSTRAINT {temporary} TO "{final}"')
        elif kind == "index":
            cursor.execute(f'ALTER INDEX {temporary} RENAME TO "{final}"')
        else:
            cursor.execute(f'ALTER SEQUENCE {temporary} RENAME TO "{final}"')
    if wrote:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


# ---------------------------------------------------------------------------- the run


def _database() -> dict:
    """Connection parameters for the workers' own connections (psycopg, outside Django)."""
    s = connection.settings_dict
    params = {
        "dbname": s["NAME"],
        "user": s.get("USER") or None,
        "password": s.get("PASSWORD") or None,
        "host": s.get("HOST") or None,
        "port": s.get("PORT") or None,
    }
    params.update(
        (key, value)
        for key, value in (s.get("OPTIONS") or {}).items()
        if isinstance(value, str | int) and key not in {"isolation_level", "server_side_binding"}
    )
    return {k: v for k, v in params.items() if v is not None}


_worker_connection = None


def _worker_start(database: dict) -> None:
    global _worker_connection
    import signal

    import psycopg

    # A forked worker inherits its parent's signal handlers (a server's or a runner's graceful
    # stop): back to the defaults, so that the pool's terminate() ends it on a failure.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    _worker_connection = psycopg.connect(
        **database, autocommit=True, cursor_factory=psycopg.ClientCursor
    )
    # Closed when the worker ends (pool.close/terminate), not dropped mid-protocol.
    multiprocessing.util.Finalize(None, _worker_connection.close, exitpriority=16)


def _begin_at(cursor, snapshot: str) -> None:
    if not re.fullmatch(r"[0-9A-Fa-f-]+", snapshot):
        raise ValueError(snapshot)
    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")


def _worker_partition(args: tuple[Partition, str]) -> int:
    partition, snapshot = args
    cursor = _worker_connection.cursor()
    try:
        cursor.execute("BEGIN")
        _begin_at(cursor, snapshot)
        cursor.execute("SET LOCAL work_mem = '128MB'")
        cursor.execute("SET LOCAL jit = off")  # one-off statements: compiling costs more
        count = fill_partition(cursor, partition)
        cursor.execute("COMMIT")
    except Exception as exc:
        cursor.execute("ROLLBACK")
        # A plain exception: psycopg's do not always cross the process boundary.
        raise RuntimeError(f"{partition}: {exc!r}") from None
    return count


def _worker_merge(days: tuple[date, date]) -> int:
    cursor = _worker_connection.cursor()
    try:
        cursor.execute("SET work_mem = '128MB'")
        cursor.execute("SET jit = off")
        return merge(cursor, days)
    except Exception as exc:
        raise RuntimeError(f"days {days}: {exc!r}") from None


def _worker_flags(args: tuple[list[int], str]) -> int:
    """One category's flags, through the ORM (durability.py, first_reports.py)."""
    category_ids, snapshot = args
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            _begin_at(cursor, snapshot)
            return write_flags(cursor, category_ids)
    except Exception as exc:
        raise RuntimeError(f"categories {category_ids}: {exc!r}") from None


def run(report, *, jobs: int, progress: Callable[[str, int], None] | None = None):
    """The rebuild on PostgreSQL (see the module's docstring); fills `report`."""
    started = time.monotonic()
    if jobs <= 1 or connection.in_atomic_block:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            cursor.execute(f"LOCK TABLE {RollupState._meta.db_table} IN EXCLUSIVE MODE")
            prepare(cursor)
            write_calendar(cursor)
            write_flags(cursor, None)
            for partition in plan(cursor, 1):
                report.appeals += fill_partition(cursor, partition)
                if progress:
                    progress(RollupState.Subject.APPEAL, partition.appeals)
            add_others(cursor, report)
            report.rows = merge(cursor)
            renames = finish(cursor)
            swap(cursor, renames, wrote=True)
            drop_staging(cursor, targets=False)
        report.seconds = time.monotonic() - started
        return report
    _run_parallel(report, jobs=jobs, progress=progress)
    report.seconds = time.monotonic() - started
    return report


def _run_parallel(report, *, jobs: int, progress) -> None:
    import psycopg

    database = _database()
    clock = _Clock(report)
    # The workers are forked with no open connection; each opens its own.
    connections.close_all()
    pool = multiprocessing.get_context("fork").Pool(
        jobs, initializer=_worker_start, initargs=(database,)
    )
    # The holder: the advisory lock for the whole run (session-level: it outlives the
    # transactions), then the lock on the contributions, the snapshots, and the swap.
    holder = psycopg.connect(**database, autocommit=False)
    with holder.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
        (locked,) = cursor.fetchone()
    holder.commit()
    if not locked:
        pool.terminate()
        holder.close()
        raise RuntimeError("another rebuild of the rollups is running")
    try:
        with connection.cursor() as cursor:
            prepare(cursor)
            write_calendar(cursor)
            partitions = plan(cursor, jobs * PARTITIONS_PER_JOB)
            category_ids = categories(cursor)
        clock.lap("plan")
        with holder.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {RollupState._meta.db_table} IN EXCLUSIVE MODE")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
        for _count in pool.imap_unordered(_worker_flags, [([pk], snapshot) for pk in category_ids]):
            pass
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {STAGE_FLAGS}")
        # A second snapshot, which sees the flags (committed after the first one). Anything
        # that changed in between is refreshed after the swap: its refresh waits on the lock.
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
        clock.lap("flags")
        for count in pool.imap_unordered(_worker_partition, [(p, snapshot) for p in partitions]):
            report.appeals += count
            if progress:
                progress(RollupState.Subject.APPEAL, count)
        clock.lap("partitions")
        with connection.cursor() as cursor:
            add_others(cursor, report)
            ranges = day_ranges(cursor, jobs * 2)
        clock.lap("instructions and points")
        report.rows = sum(pool.imap_unordered(_worker_merge, ranges))
        clock.lap("merge")
        # The largest table first.
        finished = pool.map(_worker_finish, [0, 2, 1], chunksize=1)
        renames = Renames([item for part in finished for item in part.items])
        pool.close()
        pool.join()
        pool = None
        clock.lap("indexes")
        with holder.cursor() as cursor:
            swap(cursor, renames)
        holder.commit()
        clock.lap("swap")
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
        holder.rollback()  # nothing to undo after the commit; else the lock is released
        with connection.cursor() as cursor:
            drop_staging(cursor, targets=True)
        holder.close()  # and with it the advisory lock


class _Clock:
    def __init__(self, report):
        self.report = report
        self.last = time.monotonic()

    def lap(self, step: str) -> None:
        now = time.monotonic()
        self.report.steps[step] = round(now - self.last, 2)
        self.last = now


def default_jobs() -> int:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
