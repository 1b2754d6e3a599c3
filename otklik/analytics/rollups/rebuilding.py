"""Recomputing every rollup from the source tables. On PostgreSQL in parallel, in SQL, by
partitions swapped in at the end (`partitioned.py`); on SQLite (and with `serial=True`) one
pass in Python: the fine grain summed in memory, the coarse grains derived from it in SQL."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django.db.models import Max, Min, Q

from otklik.appeals.models import Appeal
from otklik.control.models import Instruction
from otklik.lib.db_router import primary_reads

from ..models import MEASURES, Grain, KpiAnswerTime, KpiDay, RollupState
from .base import Context
from .contributions import appeal_contributions, instruction_contributions
from .durability import all_durability_failures
from .first_reports import all_first_reports
from .points import point_contributions, read_points
from .store import Delta


@dataclass
class RebuildReport:
    appeals: int = 0
    instructions: int = 0
    points: int = 0
    rows: int = 0
    seconds: float = 0.0
    # Seconds per step of the parallel rebuild (flags, partitions, merge, indexes, swap).
    steps: dict[str, float] = field(default_factory=dict)


def _spans(model, chunk: int):
    bounds = model.objects.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return
    for low in range(bounds["low"], bounds["high"] + 1, chunk):
        yield Q(pk__gte=low, pk__lt=low + chunk)


@primary_reads()
def rebuild(
    *,
    chunk: int = 5000,
    progress: Callable[[str, int], None] | None = None,
    jobs: int | None = None,
    serial: bool = False,
) -> RebuildReport:
    """Recompute every rollup from the source tables; readers see the old figures until the
    new ones are complete. On PostgreSQL: partitions summed in SQL by `jobs` worker processes
    (default: the CPUs available), swapped in by one short transaction (`partitioned.py`). On
    SQLite, or with `serial=True`: the serial pass in Python, in `chunk`s of appeals, in one
    transaction. Both give the same rows."""
    if connection.vendor == "postgresql" and not serial:
        from . import partitioned

        jobs = partitioned.default_jobs() if jobs is None else jobs
        report = partitioned.run(RebuildReport(), jobs=jobs, progress=progress)
    else:
        report = _rebuild_serial(chunk=chunk, progress=progress)
    return report


def _rebuild_serial(*, chunk: int, progress: Callable[[str, int], None] | None) -> RebuildReport:
    """Rows summed in memory at the fine grain, written with COPY (PostgreSQL) or batched
    INSERTs; the coarse grains then derived in SQL; all in one transaction."""
    import time

    started = time.monotonic()
    report = RebuildReport()
    ctx = Context()
    with transaction.atomic():
        KpiDay.objects.all().delete()
        KpiAnswerTime.objects.all().delete()
        RollupState.objects.all().delete()
        failures = all_durability_failures()
        first_reports = all_first_reports()
        delta = Delta()
        fine = lambda unit: [(Grain.FINE, *unit)]  # noqa: E731
        sources = [
            (
                Appeal,
                RollupState.Subject.APPEAL,
                lambda where: appeal_contributions(
                    where, ctx, failures=failures, first_reports=first_reports
                ),
            ),
            (
                Instruction,
                RollupState.Subject.INSTRUCTION,
                lambda where: instruction_contributions(where, ctx),
            ),
        ]
        for model, subject, compute in sources:
            for where in _spans(model, chunk):
                contributions = compute(where)
                states = []
                for pk, contribution in contributions.items():
                    delta.add(contribution, +1, fine)
                    states.append(
                        (subject, pk, contribution.region, json.dumps(contribution.as_json()))
                    )
                _write(RollupState, ["subject", "object_id", "region_id", "contribution"], states)
                if subject == RollupState.Subject.APPEAL:
                    report.appeals += len(states)
                else:
                    report.instructions += len(states)
                if progress:
                    progress(subject, len(states))
        # Inspection points come through the slot inspections registers (a few per team-day).
        states = []
        checked = [row for row in read_points() if row.checked]
        for pk, contribution in point_contributions(checked, ctx).items():
            delta.add(contribution, +1, fine)
            states.append(
                (
                    RollupState.Subject.POINT,
                    pk,
                    contribution.region,
                    json.dumps(contribution.as_json()),
                )
            )
        _write(RollupState, ["subject", "object_id", "region_id", "contribution"], states)
        report.points = len(states)
        _insert_fine(delta)
        report.rows = _derive_coarse()
    # Fresh planner statistics: after millions of rows written at once, stale ones send the
    # readers to sequential scans (the annual ranking at ten million appeals: 172 → 88 ms).
    with connection.cursor() as cursor:
        for model in (KpiDay, KpiAnswerTime, RollupState):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    report.seconds = time.monotonic() - started
    return report


KEY_COLUMNS = ["grain", "region_id", "day", "municipality", "organization", "category"]


def _insert_fine(delta: Delta) -> None:
    day = connection.ops.adapt_datefield_value
    _write(
        KpiDay,
        [*KEY_COLUMNS, *MEASURES],
        (
            (grain, region, day(date.fromordinal(ordinal)), m, o, cat, *values)
            for (grain, region, ordinal, m, o, cat), values in delta.days.items()
            if any(values)
        ),
    )
    _write(
        KpiAnswerTime,
        [*KEY_COLUMNS, "working", "days", "count"],
        (
            (grain, region, day(date.fromordinal(ordinal)), m, o, cat, working, days, count)
            for (grain, region, ordinal, m, o, cat, working, days), count in delta.times.items()
            if count
        ),
    )


def _write(model, columns: list[str], rows: Iterable[tuple], batch: int = 2000) -> None:
    """Insert plain rows: COPY on PostgreSQL (the rebuild writes millions), batched INSERTs
    elsewhere. Values are already in the database's form (dates adapted, JSON as text)."""
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})"  # noqa: S608
        rows = iter(rows)
        while chunk := list(itertools.islice(rows, batch)):
            cursor.executemany(sql, chunk)


def _derive_coarse() -> int:
    """The municipality, organization and region grains, summed in SQL from the fine grain."""
    qn = connection.ops.quote_name
    sums = ", ".join(f"SUM({qn(m)})" for m in MEASURES)
    names = ", ".join(qn(m) for m in MEASURES)
    day_table, time_table = qn(KpiDay._meta.db_table), qn(KpiAnswerTime._meta.db_table)
    shapes = [
        (Grain.MUNICIPALITY, "municipality", "0", "0"),
        (Grain.ORGANIZATION, "0", "organization", "0"),
        (Grain.REGION, "0", "0", "0"),
        (Grain.CATEGORY, "0", "0", "category"),
    ]
    with connection.cursor() as cursor:
        for grain, m, o, c in shapes:
            groups = ", ".join(x for x in ("region_id", "day", m, o, c) if x != "0")
            cursor.execute(
                f"INSERT INTO {day_table} (grain, region_id, day, municipality, organization, "  # noqa: S608
                f"category, {names}) SELECT {int(grain)}, region_id, day, {m}, {o}, {c}, {sums} "
                f"FROM {day_table} WHERE grain = {int(Grain.FINE)} GROUP BY {groups}"
            )
            cursor.execute(
                f"INSERT INTO {time_table} (grain, region_id, day, municipality, organization, "  # noqa: S608
                f"category, working, days, count) SELECT {int(grain)}, region_id, day, {m}, {o}, "
                f"{c}, working, days, SUM(count) FROM {time_table} WHERE grain = {int(Grain.FINE)} "
                f"GROUP BY {groups}, working, days"
            )
    return KpiDay.objects.count()
