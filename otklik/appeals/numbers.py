"""Public appeal numbers (48-2026-000123): one counter per region and year.

On PostgreSQL each region's year is a database SEQUENCE (`appeal_number_<region id>_<year>`):
`nextval` takes no lock, so filings of one region no longer queue behind one another from the
moment one takes its number until it commits (ADR 5). A number taken by a transaction that
rolls back is not given again: numbers are unique and increasing, not gapless (59-ФЗ asks for
registration, not gapless submission numbers). The `AppealNumberSequence` row stays the floor:
a sequence starts after it, and bulk writers (the demo builder) raise both with `raise_floor`.
SQLite, which has no sequences, keeps the row counter (`UPDATE … RETURNING` under its one
writer lock).
"""

from __future__ import annotations

from django.db import IntegrityError, ProgrammingError, connection, transaction

from otklik.directory.models import Region

from .models import AppealNumberSequence

_ROW_TABLE = AppealNumberSequence._meta.db_table
# Sequences this process has seen committed: a name here is never checked again.
_known: set[str] = set()
# Sequences this process made, with the transaction that made them, until seen committed.
_made_here: dict[str, str] = {}


def _sequence_name(region_id: int, year: int) -> str:
    return f"appeal_number_{int(region_id)}_{int(year)}"


def _uses_sequences() -> bool:
    return connection.vendor == "postgresql"


def _row_increment(region: Region, year: int) -> int | None:
    # UPDATE … RETURNING: one round trip under the row lock.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_ROW_TABLE} SET last_value = last_value + 1 "  # noqa: S608 (a model's table)
            "WHERE region_id = %s AND year = %s RETURNING last_value",
            [region.pk, year],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _row_next(region: Region, year: int) -> int:
    value = _row_increment(region, year)
    if value is None:
        try:
            with transaction.atomic():
                AppealNumberSequence.objects.create(region=region, year=year, last_value=1)
            value = 1
        except IntegrityError:
            value = _row_increment(region, year)
    return value


def _ensure_sequence(name: str, region: Region, year: int) -> None:
    """Make sure the sequence exists; remember it once it is known committed (one made in a
    transaction that rolls back disappears with it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_current_xact_id_if_assigned()::text FROM pg_class "
            "WHERE relname = %s AND relkind = 'S'",
            [name],
        )
        found = cursor.fetchone()
    if found is not None:
        # Another transaction's catalog row is visible only once committed. This process's
        # own may still roll back (with a savepoint of it) while its transaction runs: seen
        # from a later transaction, it committed.
        if name not in _made_here or _made_here[name] != found[0]:
            _known.add(name)
            _made_here.pop(name, None)
        return
    floor = (
        AppealNumberSequence.objects.filter(region=region, year=year)
        .values_list("last_value", flat=True)
        .first()
    ) or 0
    try:
        # Two first filings at once: the second waits for the first to commit, then fails
        # on the name and uses the sequence the first made.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {name} START WITH {floor + 1}")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()::text")
            _made_here[name] = cursor.fetchone()[0]
    except (IntegrityError, ProgrammingError):
        pass


def next_number(region: Region, year: int) -> str:
    """The next public number of the region's year, e.g. 48-2026-000123."""
    if _uses_sequences():
        name = _sequence_name(region.pk, year)
        if name not in _known:
            _ensure_sequence(name, region, year)
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [name])
            value = cursor.fetchone()[0]
    else:
        value = _row_next(region, year)
    return f"{region.code}-{year}-{value:06d}"


def numbers_given() -> dict[tuple[int, int], int]:
    """The last number given per (region id, year): the row, or the sequence where it is
    ahead of it."""
    given = {
        (region_id, year): value
        for region_id, year, value in AppealNumberSequence.objects.values_list(
            "region_id", "year", "last_value"
        )
    }
    if _uses_sequences():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT sequencename, last_value FROM pg_sequences "
                "WHERE schemaname = current_schema() AND sequencename LIKE 'appeal\\_number\\_%%' "
                "AND last_value IS NOT NULL"
            )
            for name, value in cursor.fetchall():
                region_id, year = (int(part) for part in name.rsplit("_", 2)[1:])
                key = (region_id, year)
                given[key] = max(given.get(key, 0), value)
    return given


def raise_floor(region: Region, year: int, value: int) -> None:
    """Numbers up to `value` of the region's year are taken (a bulk writer gave them): the row
    and, on PostgreSQL, the sequence continue after it."""
    sequence, created = AppealNumberSequence.objects.get_or_create(
        region=region, year=year, defaults={"last_value": value}
    )
    if not created and sequence.last_value < value:
        sequence.last_value = value
        sequence.save(update_fields=["last_value"])
    if _uses_sequences() and value > 0:
        name = _sequence_name(region.pk, year)
        _ensure_sequence(name, region, year)
        with connection.cursor() as cursor:
            # Never backwards: a sequence already past `value` keeps its place.
            cursor.execute(
                "SELECT setval(%s, GREATEST(%s, (SELECT last_value FROM pg_sequences "
                "WHERE schemaname = current_schema() AND sequencename = %s "
                "AND last_value IS NOT NULL), 0), true)",
                [name, value, name],
            )
