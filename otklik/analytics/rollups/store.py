"""Writing the rollups: the difference between a subject's new contribution and the one last
written, added to every grain in one upsert; the refresh of appeals and instructions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db import connection, transaction
from django.db.models import Q

from otklik.appeals.models import Appeal
from otklik.control.models import Instruction
from otklik.lib.db_router import primary_reads

from ..models import MEASURES, Grain, KpiAnswerTime, KpiDay, RollupState
from .base import APPEAL_FIELDS, CALENDAR_BASE, WORKING_BASE, AppealRow, Context, Contribution, Unit
from .contributions import appeal_contributions, instruction_contributions
from .durability import _durability_neighbours
from .first_reports import _first_report_neighbours
from .points import point_contributions, read_points


def _grains(unit: Unit) -> list[tuple[int, int, int, int]]:
    municipality, organization, category = unit
    return [
        (Grain.FINE, municipality, organization, category),
        (Grain.MUNICIPALITY, municipality, 0, 0),
        (Grain.ORGANIZATION, 0, organization, 0),
        (Grain.REGION, 0, 0, 0),
        (Grain.CATEGORY, 0, 0, category),
    ]


class Delta:
    """Sums to add to rollup rows, keyed by their unique keys."""

    def __init__(self):
        self.days: dict[tuple, list[int]] = {}
        self.times: dict[tuple, int] = defaultdict(int)

    def add(self, contribution: Contribution | None, sign: int, grains=None) -> None:
        if contribution is None:
            return
        keys = (grains or _grains)(contribution.unit)
        for (ordinal, code), value in contribution.entries.items():
            for grain, m, o, cat in keys:
                if code < CALENDAR_BASE:
                    key = (grain, contribution.region, ordinal, m, o, cat)
                    row = self.days.get(key)
                    if row is None:
                        row = self.days[key] = [0] * len(MEASURES)
                    row[code] += sign * value
                else:
                    working = code >= WORKING_BASE
                    days = code - (WORKING_BASE if working else CALENDAR_BASE)
                    key = (grain, contribution.region, ordinal, m, o, cat, working, days)
                    self.times[key] += sign * value

    def apply(self) -> None:
        days = sorted((k, v) for k, v in self.days.items() if any(v))
        times = sorted((k, v) for k, v in self.times.items() if v)
        _upsert(
            KpiDay,
            ["grain", "region_id", "day", "municipality", "organization", "category"],
            list(MEASURES),
            days,
        )
        _upsert(
            KpiAnswerTime,
            [
                "grain",
                "region_id",
                "day",
                "municipality",
                "organization",
                "category",
                "working",
                "days",
            ],
            ["count"],
            [(k, [v]) for k, v in times],
        )


def _upsert(model, key_columns: list[str], value_columns: list[str], rows, batch: int = 500):
    """INSERT … ON CONFLICT DO UPDATE SET v = v + excluded.v (SQLite ≥ 3.24 and PostgreSQL)."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [*key_columns, *value_columns]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    conflict = ", ".join(connection.ops.quote_name(c) for c in key_columns)
    updates = ", ".join(
        f"{connection.ops.quote_name(c)} = {table}.{connection.ops.quote_name(c)} + "
        f"excluded.{connection.ops.quote_name(c)}"
        for c in value_columns
    )
    day_index = key_columns.index("day")
    placeholder = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            params = []
            for key, values in chunk:
                key = list(key)
                key[day_index] = connection.ops.adapt_datefield_value(
                    date.fromordinal(key[day_index])
                )
                params.extend([*key, *values])
            cursor.execute(
                f"INSERT INTO {table} ({quoted}) VALUES "  # noqa: S608 (columns are ours)
                + ", ".join([placeholder] * len(chunk))
                + f" ON CONFLICT ({conflict}) DO UPDATE SET {updates}",
                params,
            )


def _refresh(subject: str, ids: set[int], compute) -> int:
    if not ids:
        return 0
    with transaction.atomic():
        RollupState.objects.bulk_create(
            [
                RollupState(subject=subject, object_id=pk, region_id=region, contribution={})
                for pk, region in compute.regions(ids)
            ],
            ignore_conflicts=True,
        )
        states = list(
            RollupState.objects.select_for_update()
            .filter(subject=subject, object_id__in=ids)
            .order_by("object_id")
        )
        new = compute(ids)
        delta = Delta()
        changed = []
        for state in states:
            contribution = new.get(state.object_id)
            fresh = contribution.as_json() if contribution else {}
            if fresh == state.contribution:
                continue
            delta.add(Contribution.from_json(state.contribution), -1)
            delta.add(contribution, +1)
            state.contribution = fresh
            changed.append(state)
        delta.apply()
        RollupState.objects.bulk_update(changed, ["contribution"], batch_size=500)
    return len(changed)


class _Appeals:
    def __init__(self):
        self.ctx = Context()

    @staticmethod
    def regions(ids):
        return Appeal.objects.filter(pk__in=ids).values_list("pk", "region_id").order_by()

    def __call__(self, ids):
        return appeal_contributions(Q(pk__in=ids), self.ctx)


class _Instructions:
    def __init__(self):
        self.ctx = Context()

    @staticmethod
    def regions(ids):
        return Instruction.objects.filter(pk__in=ids).values_list("pk", "region_id").order_by()

    def __call__(self, ids):
        return instruction_contributions(Q(pk__in=ids), self.ctx)


@primary_reads()  # it reads the rollups it writes
def refresh_appeals(ids: Iterable[int]) -> int:
    """Bring the rollups up to date with these appeals (and the closed appeals nearby whose
    durability a newly registered one decides); returns how many contributions changed."""
    ids = {int(pk) for pk in ids}
    if not ids:
        return 0
    rows = [
        AppealRow(*values)
        for values in Appeal.objects.filter(pk__in=ids).values_list(*APPEAL_FIELDS)
    ]
    ids |= _durability_neighbours(rows) | _first_report_neighbours(rows)
    return _refresh(RollupState.Subject.APPEAL, ids, _Appeals())


@primary_reads()
def refresh_instructions(ids: Iterable[int]) -> int:
    return _refresh(RollupState.Subject.INSTRUCTION, {int(pk) for pk in ids}, _Instructions())


class _Points:
    """Inspection points, read through the slot inspections registers into (rollups/points.py)."""

    def __init__(self):
        self.ctx = Context()
        self.rows = {}

    def regions(self, ids):
        # A state is kept for points once checked; the others add nothing and need none.
        self.rows = {row.pk: row for row in read_points(ids=ids)}
        return [(pk, row.region_id) for pk, row in self.rows.items() if row.checked]

    def __call__(self, ids):
        return point_contributions((self.rows[pk] for pk in ids if pk in self.rows), self.ctx)


@primary_reads()
def refresh_points(ids: Iterable[int]) -> int:
    """Bring the rollups up to date with these inspection points (inspections calls it when a
    point's status changes, in the same transaction); a point gone subtracts what it added."""
    return _refresh(RollupState.Subject.POINT, {int(pk) for pk in ids}, _Points())
