"""Bulk import of appeals from another system's CSV or JSON export (docs/imports.md).

Each row goes through `services.submit_appeal` with channel «import», the batch's source and the
row's id there, so a second import of the same file creates nothing. With a mapped category and
organization the appeal is registered and assigned by the system. A row that fails is recorded
with its reason in both languages and the others go on; each row runs in its own savepoint, the
batch's counters are saved every few rows and a stopped batch resumes where it stopped.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from otklik.directory.models import Category, Municipality, Organization, Region
from otklik.lib.spreadsheet import safe_row

from . import services
from .models import Appeal, Channel, ImportBatch

# Our fields a mapping may name columns for; without a mapping the columns carry these names.
FIELDS = (
    "external_id",
    "text",
    "created_at",
    "category",
    "organization",
    "municipality",
    "address",
    "latitude",
    "longitude",
    "status",
    "answer",
    "contact_name",
    "contact_phone",
    "contact_email",
)
DATE_FORMATS = (
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d",
)
SAVE_EVERY = 50
logger = logging.getLogger(__name__)
MAX_ERRORS = 10_000
MAX_TEXT = 20_000


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, syntax, shape)."""

    def __init__(self, message: str, **params):
        super().__init__(message % params if params else message)
        self.message, self.params = message, params


class RowInvalid(Exception):
    def __init__(self, code: str, message: str, **params):
        super().__init__(message)
        self.code, self.message, self.params = code, message, params


def bilingual(message: str, params: dict | None = None) -> tuple[str, str]:
    texts = []
    for language in ("ru", "en"):
        with translation.override(language):
            text = _(message)
            texts.append(text % params if params else text)
    return texts[0], texts[1]


# ---------------------------------------------------------------------------- reading files


def decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM), else Windows-1251, as exports from Russian systems come."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError:
        raise ImportFileError(gettext_noop("The file is neither UTF-8 nor Windows-1251.")) from None


def guess_format(name: str, data: bytes) -> str:
    lowered = (name or "").lower()
    if lowered.endswith(".json"):
        return ImportBatch.Format.JSON
    if lowered.endswith((".csv", ".txt")):
        return ImportBatch.Format.CSV
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return ImportBatch.Format.JSON if head[:1] in (b"[", b"{") else ImportBatch.Format.CSV


def read_rows(data: bytes, format: str) -> list[dict]:
    """The rows of a CSV (; or , sniffed) or JSON (a list, or {"items": [...]}) export."""
    text = decode(data)
    if format == ImportBatch.Format.JSON:
        try:
            parsed = json.loads(text)
        except ValueError as failure:
            raise ImportFileError(
                gettext_noop("The file is not valid JSON: %(error)s"), error=str(failure)
            ) from None
        if isinstance(parsed, dict) and isinstance(parsed.get("items"), list):
            parsed = parsed["items"]
        if not isinstance(parsed, list):
            raise ImportFileError(
                gettext_noop('The JSON file must hold a list of rows or {"items": [...]}.')
            )
        return parsed
    first_line = text.split("\n", 1)[0]
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=";,\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    if not reader.fieldnames:
        raise ImportFileError(gettext_noop("The CSV file has no header row."))
    try:
        return [{(k or "").strip(): v for k, v in row.items()} for row in reader]
    except csv.Error as failure:
        raise ImportFileError(
            gettext_noop("The CSV file cannot be read: %(error)s"), error=str(failure)
        ) from None


# ---------------------------------------------------------------------------- mapping


@dataclass
class Mapping:
    """Column names for our fields and value maps (docs/imports.md)."""

    fields: dict[str, str]
    categories: dict[str, str]
    organizations: dict[str, int | str]
    municipalities: dict[str, str]
    date_format: str = ""
    public: bool = True

    @classmethod
    def parse(cls, raw) -> Mapping:
        if raw in (None, ""):
            raw = {}
        if isinstance(raw, str | bytes):
            try:
                raw = json.loads(raw)
            except ValueError:
                raise ValidationError(
                    gettext_lazy("The mapping is not valid JSON."), code="mapping"
                ) from None
        if not isinstance(raw, dict):
            raise ValidationError(
                gettext_lazy("The mapping must be a JSON object."), code="mapping"
            )
        parts = {}
        for key in ("fields", "categories", "organizations", "municipalities"):
            value = raw.get(key) or {}
            if not isinstance(value, dict):
                raise ValidationError(
                    gettext_lazy("«%(key)s» of the mapping must be an object."),
                    code="mapping",
                    params={"key": key},
                )
            parts[key] = {str(k).strip(): v for k, v in value.items()}
        unknown = sorted(set(parts["fields"]) - set(FIELDS))
        if unknown:
            raise ValidationError(
                gettext_lazy("The mapping names unknown fields: %(fields)s."),
                code="mapping",
                params={"fields": ", ".join(unknown)},
            )
        fields = {name: name for name in FIELDS} | {k: str(v) for k, v in parts["fields"].items()}
        return cls(
            fields=fields,
            categories={k.casefold(): str(v) for k, v in parts["categories"].items()},
            organizations={k.casefold(): v for k, v in parts["organizations"].items()},
            municipalities={k.casefold(): str(v) for k, v in parts["municipalities"].items()},
            date_format=str(raw.get("date_format") or ""),
            public=bool(raw.get("public", True)),
        )

    def as_dict(self) -> dict:
        return {
            "fields": self.fields,
            "categories": self.categories,
            "organizations": self.organizations,
            "municipalities": self.municipalities,
            "date_format": self.date_format,
            "public": self.public,
        }


class Lookups:
    """The directory rows the values of a file map to, read once per batch."""

    def __init__(self, region: Region, mapping: Mapping):
        self.region, self.mapping = region, mapping
        self.categories = {c.code: c for c in Category.objects.all()}
        self.organizations = {o.pk: o for o in Organization.objects.filter(region=region)}
        self.organizations_by_name = {}
        for o in self.organizations.values():
            for name in (o.name, o.short_name):
                if name:
                    self.organizations_by_name[name.casefold()] = o
        self.municipalities = list(Municipality.objects.filter(region=region))

    def category(self, value: str) -> Category | None:
        if not value:
            return None
        code = self.mapping.categories.get(value.casefold(), value)
        found = self.categories.get(code)
        if found is None:
            raise RowInvalid("category", gettext_noop("Unknown category «%(value)s»."), value=value)
        return found

    def organization(self, value: str) -> Organization | None:
        if not value:
            return None
        target = self.mapping.organizations.get(value.casefold())
        found = None
        if target is not None:
            try:
                found = self.organizations.get(int(target))
            except (TypeError, ValueError):
                found = self.organizations_by_name.get(str(target).casefold())
        else:
            found = self.organizations_by_name.get(value.casefold())
        if found is None:
            raise RowInvalid(
                "organization", gettext_noop("Unknown organization «%(value)s»."), value=value
            )
        return found

    def municipality(self, value: str) -> Municipality | None:
        if not value:
            return None
        target = self.mapping.municipalities.get(value.casefold(), value).casefold()
        for m in self.municipalities:
            if target in (m.oktmo, m.name.casefold()):
                return m
        raise RowInvalid(
            "municipality", gettext_noop("Unknown municipality «%(value)s»."), value=value
        )


# ---------------------------------------------------------------------------- rows


def _cell(row: dict, mapping: Mapping, name: str, limit: int = 500) -> str:
    value = row.get(mapping.fields[name])
    if value is None:
        return ""
    if isinstance(value, bool | dict | list):
        raise RowInvalid(
            "type", gettext_noop("The field «%(field)s» must be text or a number."), field=name
        )
    value = str(value).replace("\x00", "").strip()
    if len(value) > limit:
        raise RowInvalid(
            "too_long",
            gettext_noop("The field «%(field)s» is too long: at most %(limit)s characters."),
            field=name,
            limit=limit,
        )
    return value


def _number(value: str, name: str, bound: float) -> float | None:
    if not value:
        return None
    try:
        number = float(value.replace(",", ".").replace(" ", ""))
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or abs(number) > bound:
        raise RowInvalid(
            "point",
            gettext_noop("The field «%(field)s» is not a valid coordinate: «%(value)s»."),
            field=name,
            value=value,
        )
    return number


def _moment(value: str, mapping: Mapping, tz: ZoneInfo, now: datetime) -> datetime | None:
    if not value:
        return None
    moment = None
    formats = (mapping.date_format, *DATE_FORMATS) if mapping.date_format else DATE_FORMATS
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    for pattern in formats:
        if moment is not None:
            break
        try:
            moment = datetime.strptime(value, pattern)  # noqa: DTZ007 (made aware just below)
        except ValueError:
            continue
    if moment is None:
        raise RowInvalid("date", gettext_noop("The date «%(value)s» cannot be read."), value=value)
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=tz)
    if moment > now:
        raise RowInvalid(
            "date", gettext_noop("The date «%(value)s» is in the future."), value=value
        )
    return moment


def parse_row(row, mapping: Mapping, lookups: Lookups, now: datetime) -> dict:
    """The arguments of `submit_appeal` (plus `organization`) for one row; RowInvalid if bad."""
    if not isinstance(row, dict):
        raise RowInvalid("type", gettext_noop("Each row must be an object."))
    external_id = _cell(row, mapping, "external_id", 120)
    if not external_id:
        raise RowInvalid(
            "required", gettext_noop("The field «%(field)s» is required."), field="external_id"
        )
    text = _cell(row, mapping, "text", MAX_TEXT)
    if not text:
        raise RowInvalid(
            "required", gettext_noop("The field «%(field)s» is required."), field="text"
        )
    latitude = _number(_cell(row, mapping, "latitude", 40), "latitude", 90)
    longitude = _number(_cell(row, mapping, "longitude", 40), "longitude", 180)
    if (latitude is None) != (longitude is None):
        raise RowInvalid("point", gettext_noop("A point needs both latitude and longitude."))
    email = _cell(row, mapping, "contact_email", 254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise RowInvalid(
                "email", gettext_noop("«%(value)s» is not an e-mail address."), value=email
            ) from None
    attributes = {}
    for name in ("status", "answer"):
        if value := _cell(row, mapping, name, MAX_TEXT):
            attributes[f"source_{name}"] = value
    return {
        "external_id": external_id,
        "text": text,
        "now": _moment(
            _cell(row, mapping, "created_at", 64), mapping, ZoneInfo(lookups.region.time_zone), now
        ),
        "category": lookups.category(_cell(row, mapping, "category")),
        "organization": lookups.organization(_cell(row, mapping, "organization")),
        "municipality": lookups.municipality(_cell(row, mapping, "municipality")),
        "address": _cell(row, mapping, "address"),
        "latitude": latitude,
        "longitude": longitude,
        "contact_name": _cell(row, mapping, "contact_name", 200),
        "contact_phone": _cell(row, mapping, "contact_phone", 32),
        "contact_email": email,
        "attributes": attributes,
    }


def _row_id(row, mapping: Mapping) -> str:
    if isinstance(row, dict):
        return str(row.get(mapping.fields["external_id"]) or "")[:120]
    return ""


def _take_in(batch: ImportBatch, data: dict, now: datetime) -> Appeal:
    organization = data.pop("organization")
    appeal = services.submit_appeal(
        region=batch.region,
        channel=Channel.IMPORT,
        external_source=batch.source,
        is_public=batch.mapping.get("public", True) if isinstance(batch.mapping, dict) else True,
        **data,
    )
    if data["category"] is not None and organization is not None:
        services.register_appeal(
            appeal=appeal,
            actor=None,
            category=data["category"],
            executor=organization,
            now=max(now, appeal.created_at),
        )
    return appeal


# ---------------------------------------------------------------------------- batches


@dataclass
class Progress:
    """Callbacks of a command's progress bar (all optional)."""

    start: Callable[[int, int], None] = lambda total, done: None
    step: Callable[[], None] = lambda: None


def _record_error(batch: ImportBatch, number: int, external_id: str, code: str, ru: str, en: str):
    batch.failed_count += 1
    if len(batch.errors) < MAX_ERRORS:
        batch.errors.append(
            {
                "row": number,
                "external_id": external_id,
                "code": code,
                "message_ru": ru,
                "message_en": en,
            }
        )


COUNTERS = [
    "state",
    "started_at",
    "finished_at",
    "total",
    "processed",
    "created_count",
    "existing_count",
    "failed_count",
    "errors",
    "error",
]


def import_rows(
    batch: ImportBatch,
    rows: list,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    progress: Progress | None = None,
    save_every: int = SAVE_EVERY,
) -> ImportBatch:
    """Import `rows` into `batch` from `batch.processed` on (a restarted batch skips what it
    did). A dry run checks the rows and counts what it would create, writing nothing."""
    now = now or timezone.now()
    progress = progress or Progress()
    mapping = Mapping.parse(batch.mapping)
    lookups = Lookups(batch.region, mapping)

    def save():
        if not dry_run:
            batch.save(update_fields=COUNTERS)

    batch.state, batch.total = ImportBatch.State.RUNNING, len(rows)
    batch.started_at = batch.started_at or now
    save()
    progress.start(batch.total, batch.processed)
    seen: set[str] = set()
    for index in range(batch.processed, len(rows)):
        row, number = rows[index], index + 1
        external_id = _row_id(row, mapping)
        try:
            data = parse_row(row, mapping, lookups, now)
            external_id = data["external_id"]
            exists = (
                external_id in seen
                or Appeal.objects.filter(
                    region=batch.region, external_source=batch.source, external_id=external_id
                ).exists()
            )
            if exists:
                batch.existing_count += 1
            elif dry_run:
                batch.created_count += 1
            else:
                # Services speak English here, so that their message is the msgid of both
                # languages of the report.
                with transaction.atomic(), translation.override("en"):
                    _take_in(batch, data, now)
                batch.created_count += 1
            seen.add(external_id)
        except RowInvalid as invalid:
            _record_error(
                batch,
                number,
                external_id,
                invalid.code,
                *bilingual(invalid.message, invalid.params),
            )
        except ValidationError as refused:
            ru, en = [], []
            for item in refused.error_list:
                r, e = bilingual(str(item.message), item.params)
                ru.append(r)
                en.append(e)
            _record_error(
                batch, number, external_id, refused.code or "invalid", " ".join(ru), " ".join(en)
            )
        except IntegrityError:  # the same row taken in concurrently
            batch.existing_count += 1
        except Exception:  # one broken row must not stop the batch; the log has the trace
            logger.exception("Import %s: row %s failed", batch.pk, number)
            _record_error(
                batch,
                number,
                external_id,
                "error",
                *bilingual(gettext_noop("The row could not be imported because of an error.")),
            )
        batch.processed = index + 1
        progress.step()
        if batch.processed % save_every == 0:
            save()
    batch.state, batch.finished_at = ImportBatch.State.DONE, timezone.now()
    save()
    return batch


def run_batch(batch_id: int, *, now: datetime | None = None, progress=None) -> str:
    """Read a stored batch's file and import it (the task and the command); returns the state."""
    batch = ImportBatch.objects.select_related("region").get(pk=batch_id)
    if batch.state == ImportBatch.State.DONE:
        return batch.state
    try:
        with batch.file.open("rb") as handle:
            data = handle.read()
        rows = read_rows(data, batch.format)
    except (ImportFileError, OSError) as failure:
        batch.state, batch.finished_at = ImportBatch.State.FAILED, timezone.now()
        message = getattr(failure, "message", None) or str(failure)
        ru, en = bilingual(message, getattr(failure, "params", None))
        batch.error = f"{ru}\n{en}"
        batch.save(update_fields=["state", "finished_at", "error"])
        return batch.state
    import_rows(batch, rows, now=now, progress=progress)
    return batch.state


def create_batch(
    *, region: Region, source: str, upload, mapping=None, format: str = "", created_by=None
) -> ImportBatch:
    """A pending batch with its file kept in private storage; ValidationError on bad input."""
    source = (source or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9_.\-]{1,64}", source):
        raise ValidationError(
            gettext_lazy("The source must be a short name of Latin letters, digits, «.-_»."),
            code="source",
        )
    parsed = Mapping.parse(mapping)
    head = upload.read(64)
    upload.seek(0)
    format = format or guess_format(getattr(upload, "name", ""), head)
    if format not in ImportBatch.Format.values:
        raise ValidationError(gettext_lazy("The format must be csv or json."), code="format")
    batch = ImportBatch(
        region=region,
        source=source,
        format=format,
        original_name=(getattr(upload, "name", "") or "")[:255],
        mapping=parsed.as_dict(),
        created_by=created_by,
    )
    batch.file.save(batch.original_name or f"import.{format}", upload, save=False)
    batch.save()
    return batch


def errors_csv(batch: ImportBatch) -> str:
    """The failed rows as CSV (UTF-8 with a BOM opens right in Excel)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["row", "external_id", "code", "message_ru", "message_en"])
    for error in batch.errors:
        # The file's own values come back here: never as a formula (otklik/lib/spreadsheet.py).
        writer.writerow(
            safe_row(
                [error.get(k, "") for k in ("row", "external_id", "code")]
                + [error.get("message_ru", ""), error.get("message_en", "")]
            )
        )
    return out.getvalue()
