"""External signals: posts of social networks and monitoring tools about problems.

Imported from a JSON list (command and API) idempotently on (source, external id), sent
through the category classifier (when a model is trained) and attached to a nearby active
incident; an operator turns one into an appeal with channel «social» or dismisses it.

One row of the JSON list::

    {"source": "vk", "external_id": "wall-1_234", "text": "Нет отопления в доме …",
     "posted_at": "2026-11-23T07:40:00+03:00", "latitude": 52.61, "longitude": 39.59,
     "address": "г. Липецк, ул. Московская, 12", "url": "https://vk.com/wall-1_234"}

`source`, `external_id`, `text` and `posted_at` are required; a point needs both coordinates.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from otklik.directory.models import Category, Region
from otklik.directory.services import find_municipality
from otklik.lib.geo import distance_m

from .models import ExternalSignal, Incident, SignalToken
from .services import Rules, _near

logger = logging.getLogger(__name__)

MAX_ROWS = 1000
MAX_TEXT = 5000
SOURCE = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")
# A signal with an uncertain category still attaches by place and time only; below this
# confidence the predicted category is not used at all.
MIN_CONFIDENCE = 0.3


# ---------------------------------------------------------------------------- classifier


@dataclass(frozen=True)
class Prediction:
    category: Category
    confidence: float


def _suggest_function():
    """`suggest(text, region)` of the intelligence app (suggestions.py, or classifier.py in an
    earlier layout), or None when it is not there."""
    import importlib

    for name in ("otklik.intelligence.suggestions", "otklik.intelligence.classifier"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if callable(found := getattr(module, "suggest", None)):
            return found
    return None


def predict_category(text: str, region: Region) -> Prediction | None:
    """The top category of the intelligence classifier, or None when no model is available
    (the module missing, no trained model, or any failure of it)."""
    suggest = _suggest_function()
    if suggest is None:
        return None
    try:
        result = suggest(text, region)
    except Exception:  # an aid only: a broken or missing model must not stop an import
        logger.warning("Category suggestion failed for a signal", exc_info=True)
        return None
    return _top_category(result)


def _get(item, *names):
    for name in names:
        if isinstance(item, dict) and name in item:
            return item[name]
        if hasattr(item, name):
            return getattr(item, name)
    return None


def _top_category(result) -> Prediction | None:
    """The first category suggestion of whatever shape `suggest` returns (an object or a dict
    with `categories`, a list of suggestions carrying a category — `obj` or `category` — or its
    id, and a confidence)."""
    if not result:
        return None
    suggestions = _get(result, "categories")
    if suggestions is None and isinstance(result, list | tuple):
        suggestions = result
    if not suggestions:
        return None
    top = suggestions[0]
    category = _get(top, "category", "obj")
    category_id = category.pk if isinstance(category, Category) else category
    if category_id is None:
        category_id = _get(top, "category_id", "id", "label")
    confidence = _get(top, "confidence", "score", "probability") or 0.0
    try:
        found = Category.objects.filter(pk=int(category_id)).first()
    except (TypeError, ValueError):
        found = Category.objects.filter(code=str(category_id)).first()
    if found is None:
        return None
    return Prediction(found, float(confidence))


# ---------------------------------------------------------------------------- tokens


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(*, region: Region, name: str) -> tuple[SignalToken, str]:
    """A new API key for a region's monitoring tool; the key itself is returned only here."""
    token = secrets.token_urlsafe(32)
    row = SignalToken.objects.create(region=region, name=name[:200], token_hash=hash_token(token))
    return row, token


def region_for_token(token: str) -> Region | None:
    if not token or len(token) > 200:
        return None
    row = (
        SignalToken.objects.filter(token_hash=hash_token(token), is_active=True)
        .select_related("region")
        .first()
    )
    if row is None:
        return None
    SignalToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return row.region


# ---------------------------------------------------------------------------- import


@dataclass
class RowError:
    index: int
    external_id: str
    code: str
    message: str  # English msgid, kept untranslated
    params: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        with translation.override("ru"):
            ru = _(self.message) % self.params
        with translation.override("en"):
            en = _(self.message) % self.params
        return {
            "index": self.index,
            "external_id": self.external_id,
            "code": self.code,
            "message_ru": ru,
            "message_en": en,
        }


@dataclass
class ImportResult:
    created: list[ExternalSignal] = field(default_factory=list)
    existing: int = 0
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "created": len(self.created),
            "existing": self.existing,
            "failed": len(self.errors),
            "errors": [error.as_dict() for error in self.errors],
        }


class RowInvalid(Exception):
    def __init__(self, code: str, message: str, **params):
        super().__init__(message)
        self.code, self.message, self.params = code, message, params


def _text(row: dict, key: str, limit: int, *, required: bool) -> str:
    value = row.get(key)
    if value is None or value == "":
        if required:
            raise RowInvalid(
                "required", gettext_noop("The field «%(field)s» is required."), field=key
            )
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise RowInvalid("type", gettext_noop("The field «%(field)s» must be a string."), field=key)
    value = str(value).strip().replace("\x00", "")
    if required and not value:
        raise RowInvalid("required", gettext_noop("The field «%(field)s» is required."), field=key)
    if len(value) > limit:
        raise RowInvalid(
            "too_long",
            gettext_noop("The field «%(field)s» is too long: at most %(limit)s characters."),
            field=key,
            limit=limit,
        )
    return value


def _coordinate(row: dict, key: str, alias: str, bound: float) -> float | None:
    value = row.get(key, row.get(alias))
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        value = "bad"
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or abs(number) > bound:
        raise RowInvalid(
            "point", gettext_noop("The field «%(field)s» is not a valid coordinate."), field=key
        )
    return number


def _posted_at(row: dict, tz: ZoneInfo) -> datetime:
    value = row.get("posted_at")
    if not isinstance(value, str) or not value.strip():
        raise RowInvalid(
            "required", gettext_noop("The field «%(field)s» is required."), field="posted_at"
        )
    try:
        moment = parse_datetime(value.strip())
    except ValueError:
        moment = None
    if moment is None:
        raise RowInvalid(
            "date",
            gettext_noop("The field «posted_at» must be a date and time in ISO 8601."),
        )
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=tz)
    return moment


def parse_row(row, region: Region) -> dict:
    """The fields of a signal from one row of the JSON list; RowInvalid with the reason."""
    if not isinstance(row, dict):
        raise RowInvalid("type", gettext_noop("Each row must be a JSON object."))
    source = _text(row, "source", 32, required=True)
    if not SOURCE.match(source):
        raise RowInvalid(
            "source",
            gettext_noop("The source must be a short name of Latin letters, digits, «.-_»."),
        )
    latitude = _coordinate(row, "latitude", "lat", 90)
    longitude = _coordinate(row, "longitude", "lon", 180)
    if (latitude is None) != (longitude is None):
        raise RowInvalid("point", gettext_noop("A point needs both latitude and longitude."))
    url = _text(row, "url", 500, required=False)
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise RowInvalid(
                "url", gettext_noop("The link must be an http or https address.")
            ) from None
    return {
        "source": source.lower(),
        "external_id": _text(row, "external_id", 120, required=True),
        "text": _text(row, "text", MAX_TEXT, required=True),
        "address": _text(row, "address", 500, required=False),
        "latitude": latitude,
        "longitude": longitude,
        "posted_at": _posted_at(row, ZoneInfo(region.time_zone)),
        "url": url,
    }


def import_signals(rows, *, region: Region) -> ImportResult:
    """Import a JSON list of signals into `region`: new ones are classified and attached to a
    nearby incident; rows already imported (same source and id) are counted, not changed;
    invalid rows are reported with the reason and do not stop the others."""
    result = ImportResult()
    if not isinstance(rows, list):
        result.errors.append(
            RowError(-1, "", "type", gettext_noop("The body must be a JSON list of signals."))
        )
        return result
    if len(rows) > MAX_ROWS:
        result.errors.append(
            RowError(
                -1,
                "",
                "too_many",
                gettext_noop("Too many signals at once: at most %(limit)s."),
                {"limit": MAX_ROWS},
            )
        )
        return result
    rules = Rules()
    for index, row in enumerate(rows):
        external_id = str(row.get("external_id", ""))[:120] if isinstance(row, dict) else ""
        try:
            data = parse_row(row, region)
        except RowInvalid as invalid:
            result.errors.append(
                RowError(index, external_id, invalid.code, invalid.message, invalid.params)
            )
            continue
        if ExternalSignal.objects.filter(
            source=data["source"], external_id=data["external_id"]
        ).exists():
            result.existing += 1
            continue
        try:
            with transaction.atomic():
                signal = _create(data, region, rules)
        except IntegrityError:
            # The same signal imported by a concurrent request.
            result.existing += 1
            continue
        result.created.append(signal)
    return result


def _create(data: dict, region: Region, rules: Rules) -> ExternalSignal:
    municipality = None
    if data["latitude"] is not None:
        municipality = find_municipality(region=region, lat=data["latitude"], lon=data["longitude"])
    prediction = predict_category(data["text"], region)
    signal = ExternalSignal.objects.create(
        region=region,
        municipality=municipality,
        predicted_category=prediction.category if prediction else None,
        prediction_confidence=prediction.confidence if prediction else None,
        **data,
    )
    attach_signal(signal, rules=rules)
    return signal


def attach_signal(signal: ExternalSignal, *, rules: Rules | None = None) -> Incident | None:
    """Attach a new signal with a point to the nearest active incident that was receiving
    appeals around its time: of its predicted topic when the classifier is confident, by
    place and time only otherwise."""
    if not signal.has_point or signal.state != ExternalSignal.State.NEW:
        return None
    rules = rules or Rules()
    incidents = Incident.objects.filter(region_id=signal.region_id, state=Incident.State.ACTIVE)
    category = signal.predicted_category
    if category is not None and (signal.prediction_confidence or 0) >= MIN_CONFIDENCE:
        topic = rules.topic(category)
        incidents = incidents.filter(category_id=topic.category_id)
        rule = topic.rule
    else:
        from .clustering import DEFAULT_RULE

        rule = DEFAULT_RULE
    incidents = _near(
        incidents.filter(
            last_appeal_at__gte=signal.posted_at - rule.window,
            first_appeal_at__lte=signal.posted_at + rule.window,
        ),
        signal.latitude,
        signal.longitude,
        rule.radius_m,
        "center_lat",
        "center_lon",
    )
    scored = sorted(
        (distance_m(signal.latitude, signal.longitude, i.center_lat, i.center_lon), i.pk, i)
        for i in incidents
    )
    for distance, _pk, incident in scored:
        if distance <= rule.radius_m:
            signal.incident, signal.state = incident, ExternalSignal.State.LINKED
            signal.save(update_fields=["incident", "state"])
            return incident
    return None


# ---------------------------------------------------------------------------- decisions


def create_appeal_from_signal(
    *, signal: ExternalSignal, actor, category: Category | None, is_public: bool = False
):
    """Turn a signal into an appeal with channel «social», entered by `actor`: no applicant and
    no contact (a post's author is not known to us); the post's link goes into the history."""
    from otklik.appeals import services as appeals
    from otklik.appeals.models import Channel

    with transaction.atomic():
        signal = ExternalSignal.objects.select_for_update().get(pk=signal.pk)
        if not signal.is_open:
            raise ValidationError(_("This signal has already been dealt with."), code="state")
        appeal = appeals.submit_appeal(
            region=signal.region,
            text=signal.text,
            applicant=None,
            channel=Channel.SOCIAL,
            category=category,
            municipality=signal.municipality,
            latitude=signal.latitude,
            longitude=signal.longitude,
            address=signal.address,
            created_by=actor,
            idempotency_key=f"signal-{signal.pk}",
            is_public=is_public,
            external_id=f"{signal.source}:{signal.external_id}"[:120],
        )
        signal.appeal = appeal
        signal.state = ExternalSignal.State.APPEAL_CREATED
        signal.decided_by, signal.decided_at = actor, timezone.now()
        signal.save(update_fields=["appeal", "state", "decided_by", "decided_at"])
    return appeal


def dismiss_signal(*, signal: ExternalSignal, actor, reason: str = "") -> ExternalSignal:
    with transaction.atomic():
        signal = ExternalSignal.objects.select_for_update().get(pk=signal.pk)
        if not signal.is_open:
            raise ValidationError(_("This signal has already been dealt with."), code="state")
        signal.state = ExternalSignal.State.DISMISSED
        signal.dismiss_reason = " ".join((reason or "").split())[:300]
        signal.decided_by, signal.decided_at = actor, timezone.now()
        signal.save(update_fields=["state", "dismiss_reason", "decided_by", "decided_at"])
    return signal
