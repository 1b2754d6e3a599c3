"""Storing the generated history fast: ids and numbers given in time order, plain rows written
with `executemany` in batches, the database sequences brought up to date afterwards.

Model instances and `bulk_create` cost more per row than the whole generation does; rows of
plain values adapted by the connection's own functions are several times faster and work the
same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from itertools import islice
from operator import itemgetter

from django.conf import settings
from django.core.management.color import no_style
from django.db import connections
from django.db.models import Max
from django.utils import translation
from tqdm import tqdm

from otklik.appeals.models import (
    Answer,
    Appeal,
    AppealEvent,
    Postponement,
    Rating,
)
from otklik.appeals.numbers import numbers_given, raise_floor
from otklik.intelligence import formal_reply

from .drafts import appeal_point
from .history import History

BATCH = 2000


@dataclass
class Written:
    appeals: int = 0
    events: int = 0
    answers: int = 0
    postponements: int = 0
    ratings: int = 0


def _first_id(model) -> int:
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def _number_all(history: History) -> dict[int, int]:
    """Ids and public numbers in order of submission, continuing the region's sequences."""
    region, tz = history.demo.region, history.tz
    history.drafts.sort(key=lambda d: (d.created_at, d.serial))
    last = {year: value for (rid, year), value in numbers_given().items() if rid == region.pk}
    first = _first_id(Appeal)
    for offset, d in enumerate(history.drafts):
        year = d.created_at.astimezone(tz).year
        last[year] = last.get(year, 0) + 1
        d.id = first + offset
        d.number = f"{region.code}-{year}-{last[year]:06d}"
    for model, items, when in (
        (Answer, history.answers, "submitted_at"),
        (Postponement, history.postponements, "requested_at"),
        (Rating, history.ratings, "created_at"),
    ):
        items.sort(key=lambda item, when=when: (getattr(item, when), item.draft.id))
        first = _first_id(model)
        for offset, item in enumerate(items):
            item.id = first + offset
    return last


def _save_sequences(region, last: dict[int, int]) -> None:
    for year, value in last.items():
        raise_floor(region, year, value)


def _sqlite_datetime(value):
    """What Django's SQLite adapter makes of an aware datetime (naive UTC in ISO form), without
    its per-call settings lookups, which took a third of the writing time."""
    if value is None:
        return None
    if value.tzinfo is UTC and not value.microsecond:
        return value.isoformat(" ")[:19]
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


class _Adapt:
    """The connection's own conversions of datetimes and JSON, bound once."""

    def __init__(self, connection):
        if connection.vendor == "sqlite" and settings.USE_TZ:
            self.dt: Callable = _sqlite_datetime
        else:
            self.dt = connection.ops.adapt_datetimefield_value
        adapt_json = connection.ops.adapt_json_value
        self.json: Callable = lambda value: adapt_json(value, None)
        self.empty = self.json({})


def _insert(connection, model, columns: list[str], rows: Iterable[tuple], bar) -> int:
    """INSERT plain, already adapted rows into the model's table in batches (COPY on
    PostgreSQL, where executemany is several times slower)."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for count, row in enumerate(rows, 1):
                    copy.write_row(row)
                    if count % BATCH == 0:
                        bar.update(BATCH)
            bar.update(count % BATCH)
            return count
        # Names from the model's metadata, quoted; values are parameters.
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
        while batch := list(islice(rows, BATCH)):
            cursor.executemany(sql, batch)
            count += len(batch)
            bar.update(len(batch))
    return count


def _late(value):
    """Event comments and data that name numbers or ids given after generation."""
    return value() if callable(value) else value


def _appeal_rows(history: History, a: _Adapt):
    region_id = history.demo.region.pk
    categories = history.demo.categories
    dt = a.dt
    for d in history.drafts:
        lat, lon, address = appeal_point(d)
        yield (
            d.id, d.number, region_id, d.unit.municipality.pk, categories[d.topic.code].pk,
            d.applicant, d.created_by, d.channel, d.text, address, lat, lon, d.is_public,
            d.status, d.resolution, d.executor.pk if d.executor else None, None,
            d.repeat_of.id if d.repeat_of else None,
            d.duplicate_of.id if d.duplicate_of else None,
            d.rejection_reason, None, d.external_id, dt(d.created_at),
            dt(d.registration_due_at), dt(d.clarification_due_at), dt(d.registered_at),
            dt(d.redirection_due_at), dt(d.original_due_at), dt(d.due_at), dt(d.answered_at),
            dt(d.closed_at), dt(d.events[-1][0]), "", "",
        )  # fmt: skip


APPEAL_COLUMNS = [
    "id", "number", "region_id", "municipality_id", "category_id", "applicant_id",
    "created_by_id", "channel", "text", "address", "latitude", "longitude", "is_public",
    "status", "resolution", "executor_id", "assignee_id", "repeat_of_id", "duplicate_of_id",
    "rejection_reason_id", "idempotency_key", "external_id", "created_at",
    "registration_due_at", "clarification_due_at", "registered_at", "redirection_due_at",
    "original_due_at", "due_at", "answered_at", "closed_at", "updated_at", "contact_name",
    "contact_phone",
]  # fmt: skip
EVENT_COLUMNS = [
    "id", "appeal_id", "action", "actor_id", "created_at", "from_status", "to_status",
    "comment", "data", "is_public", "processed_at",
]  # fmt: skip
ANSWER_COLUMNS = [
    "id", "appeal_id", "organization_id", "author_id", "text", "resolution", "state",
    "submitted_at", "reviewed_by_id", "reviewed_at", "review_comment", "rework_reasons",
    "is_formal_reply", "formal_reply_reasons", "formal_reply_score", "fingerprint",
]  # fmt: skip
POSTPONEMENT_COLUMNS = [
    "id", "appeal_id", "requested_by_id", "requested_at", "previous_due_at",
    "requested_due_at", "reason", "state", "decided_by_id", "decided_at", "decision_comment",
    "is_repeated",
]  # fmt: skip
RATING_COLUMNS = ["id", "appeal_id", "applicant_id", "score", "is_solved", "comment", "created_at"]


def _event_rows(history: History, first: int, a: _Adapt):
    """Events in time order (ids follow time, as in production); the outbox mark is set, so
    the notification worker leaves history alone."""
    keyed = [(e[0], d.id, i, e) for d in history.drafts for i, e in enumerate(d.events)]
    keyed.sort(key=itemgetter(0, 1, 2))
    dt, js, empty = a.dt, a.json, a.empty
    for offset, (t, appeal_id, _, e) in enumerate(keyed):
        _, action, actor, before, after, comment, data, public = e
        when = dt(t)
        data = _late(data)
        yield (first + offset, appeal_id, action, actor, when, before, after, _late(comment),
               js(data) if data else empty, public, when)  # fmt: skip


def _answer_rows(history: History, a: _Adapt):
    dt, js = a.dt, a.json
    with translation.override(settings.LANGUAGE_CODE):
        messages = {code: str(text) for code, text in formal_reply.MESSAGES.items()}
    messages[formal_reply.BOILERPLATE] = messages["template"]
    for x in history.answers:
        findings = [{"code": code, "message": messages[code]} for code in x.formal_reasons]
        score = formal_reply.score_codes(x.formal_reasons)
        yield (x.id, x.draft.id, x.organization, x.author, x.text, x.resolution, x.state,
               dt(x.submitted_at), x.reviewed_by, dt(x.reviewed_at), x.review_comment,
               js(x.rework_reasons), x.is_formal, js(findings), round(score, 2),
               formal_reply.fingerprint(x.text))  # fmt: skip


def _postponement_rows(history: History, a: _Adapt):
    dt = a.dt
    for p in history.postponements:
        yield (p.id, p.draft.id, p.requested_by, dt(p.requested_at), dt(p.previous_due_at),
               dt(p.requested_due_at), p.reason, p.state, p.decided_by, dt(p.decided_at),
               p.decision_comment, p.is_repeated)  # fmt: skip


def _rating_rows(history: History, a: _Adapt):
    for r in history.ratings:
        yield (r.id, r.draft.id, r.applicant, r.score, r.is_solved, r.comment, a.dt(r.created_at))


def write(history: History, *, progress: bool) -> Written:
    """Store everything `history` generated; returns what was written."""
    connection = connections["default"]
    adapt = _Adapt(connection)
    last = _number_all(history)
    events = sum(len(d.events) for d in history.drafts)
    total = (
        len(history.drafts)
        + events
        + len(history.answers)
        + len(history.postponements)
        + len(history.ratings)
    )
    written = Written()
    bar = tqdm(total=total, desc="rows", unit="", disable=not progress)
    with _big_cache(connection), bar:
        written.appeals = _insert(
            connection, Appeal, APPEAL_COLUMNS, _appeal_rows(history, adapt), bar
        )
        written.events = _insert(
            connection,
            AppealEvent,
            EVENT_COLUMNS,
            _event_rows(history, _first_id(AppealEvent), adapt),
            bar,
        )
        written.answers = _insert(
            connection, Answer, ANSWER_COLUMNS, _answer_rows(history, adapt), bar
        )
        written.postponements = _insert(
            connection, Postponement, POSTPONEMENT_COLUMNS, _postponement_rows(history, adapt), bar
        )
        written.ratings = _insert(
            connection, Rating, RATING_COLUMNS, _rating_rows(history, adapt), bar
        )
    _save_sequences(history.demo.region, last)
    # Rows came with explicit ids: PostgreSQL's sequences must learn about them (SQLite's
    # AUTOINCREMENT does by itself).
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(
            no_style(), [Appeal, AppealEvent, Answer, Postponement, Rating]
        ):
            cursor.execute(sql)
    return written


@contextmanager
def _big_cache(connection):
    """SQLite keeps 2 MB of pages by default; the indexes of 600 000 events need far more, or
    every insert reads and writes index pages again."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute("PRAGMA cache_size = -524288")  # 512 MB, released after the build
        try:
            yield
        finally:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")
