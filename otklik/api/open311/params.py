"""Reading Open311 parameters: dates, numbers, comma lists, pages and a service's attributes.

Every reader raises Open311Error(400, …) on bad input, so that no input reaches the database
or the services unchecked (NUL bytes, huge values, unparsable numbers and dates).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext_noop

from otklik.directory.models import CategoryAttribute

from .render import Open311Error

MAX_VALUE = 5000
MAX_LIST = 200
DEFAULT_WINDOW = timedelta(days=90)
# Dates far outside any appeal's life are refused, not carried to the edge of datetime.
MIN_YEAR, MAX_YEAR = 1900, 2200
# The spec's limit of results without paging; also the largest page.
MAX_RESULTS = 1000
MAX_PAGE = 100_000
ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


def clean(value: str | None, name: str, *, limit: int = MAX_VALUE) -> str:
    """A parameter's text, stripped; refused with NUL bytes or past `limit` characters."""
    value = (value or "").strip()
    if "\x00" in value:
        raise Open311Error(
            400, gettext_noop("The parameter %(name)s is not valid."), {"name": name[:64]}
        )
    if len(value) > limit:
        raise Open311Error(
            400,
            gettext_noop("The parameter %(name)s is too long: at most %(limit)s characters."),
            {"name": name[:64], "limit": limit},
        )
    return value


def param(query, name: str, *, limit: int = MAX_VALUE) -> str:
    """One parameter (the last one if repeated, as Django reads a QueryDict)."""
    return clean(query.get(name), name, limit=limit)


def comma_list(query, name: str, *, limit: int = MAX_LIST) -> list[str]:
    """`a,b,c` (or the parameter repeated) as a list of distinct non-empty values."""
    values: list[str] = []
    for raw in query.getlist(name):
        for item in clean(raw, name, limit=MAX_VALUE * 4).split(","):
            item = item.strip()
            if item and item not in values:
                values.append(item)
    if len(values) > limit:
        raise Open311Error(
            400,
            gettext_noop("The parameter %(name)s lists too many values: at most %(limit)s."),
            {"name": name, "limit": limit},
        )
    return values


def number(query, name: str, *, low: float, high: float) -> float | None:
    value = param(query, name, limit=64)
    if not value:
        return None
    try:
        result = float(value)
    except ValueError:
        result = math.nan
    if not math.isfinite(result) or not low <= result <= high:
        raise Open311Error(
            400,
            gettext_noop("The parameter %(name)s must be a number from %(low)s to %(high)s."),
            {"name": name, "low": low, "high": high},
        )
    return result


def integer(query, name: str, *, default: int, high: int) -> int:
    value = param(query, name, limit=16)
    if not value:
        return default
    if not value.isdigit() or not 1 <= int(value) <= high:
        raise Open311Error(
            400,
            gettext_noop("The parameter %(name)s must be a whole number from 1 to %(high)s."),
            {"name": name, "high": high},
        )
    return int(value)


def parse_datetime(value: str, tz: ZoneInfo) -> datetime | None:
    """ISO 8601 (W3C profile): a date, or a date and time with or without an offset (then in
    the region's time zone). None if it is not one."""
    if len(value) > 40:
        return None
    try:
        if len(value) == 10:
            moment = datetime.combine(date.fromisoformat(value), time.min)
        else:
            moment = datetime.fromisoformat(value.replace(" ", "+") if "T" in value else value)
    except ValueError:
        return None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    try:
        moment.utcoffset()
        moment.astimezone(ZoneInfo("UTC"))
    except (OverflowError, ValueError):
        return None
    return moment


def moment(query, name: str, tz: ZoneInfo) -> datetime | None:
    value = param(query, name, limit=64)
    if not value:
        return None
    result = parse_datetime(value, tz)
    if result is None:
        raise Open311Error(
            400,
            gettext_noop(
                "The parameter %(name)s must be a date and time in ISO 8601, "
                "e.g. 2026-05-24T00:00:00+03:00."
            ),
            {"name": name},
        )
    return result


def window(query, tz: ZoneInfo, now: datetime) -> tuple[datetime, datetime]:
    """start_date and end_date; the spec's default is the last 90 days, and a range may not
    span more than 90 days."""
    start, end = moment(query, "start_date", tz), moment(query, "end_date", tz)
    if start is None and end is None:
        end = now
    if start is None:
        start = end - DEFAULT_WINDOW
    if end is None:
        end = start + DEFAULT_WINDOW
    if start > end:
        raise Open311Error(400, gettext_noop("start_date is later than end_date."))
    if end - start > DEFAULT_WINDOW:
        raise Open311Error(
            400, gettext_noop("start_date and end_date may not span more than 90 days.")
        )
    return start, end


@dataclass(frozen=True)
class Paging:
    page: int
    page_size: int

    def slice(self, queryset):
        offset = (self.page - 1) * self.page_size
        return queryset[offset : offset + self.page_size]


def paging(query) -> Paging:
    """`page` (from 1) and `page_size` (default and maximum: 1000, the spec's result limit)."""
    return Paging(
        page=integer(query, "page", default=1, high=MAX_PAGE),
        page_size=integer(query, "page_size", default=MAX_RESULTS, high=MAX_RESULTS),
    )


def email(query) -> str:
    value = param(query, "email", limit=254)
    if value:
        try:
            EmailValidator()(value)
        except ValidationError as exc:
            raise Open311Error(400, gettext_noop("The e-mail address is not valid.")) from exc
    return value


def media_url(query) -> str:
    value = param(query, "media_url", limit=500)
    if value:
        try:
            URLValidator(schemes=["http", "https"])(value)
        except ValidationError as exc:
            raise Open311Error(
                400, gettext_noop("media_url must be an http or https link.")
            ) from exc
    return value


# ---------------------------------------------------------------------------- attributes


def _raw_attributes(data) -> dict[str, list[str]]:
    """{code: [values]} from `attribute[code]=v` and `attribute[code][]=v1&…`."""
    found: dict[str, list[str]] = {}
    for key in data:
        match = ATTRIBUTE_KEY.match(key)
        if match is None:
            continue
        code = clean(match[1], "attribute", limit=64)
        values = [clean(value, key) for value in data.getlist(key)]
        found.setdefault(code, []).extend(value for value in values if value)
    return found


def _bad_value(attribute: CategoryAttribute) -> Open311Error:
    return Open311Error(
        400,
        gettext_noop("The attribute %(code)s has a value that is not allowed."),
        {"code": attribute.code},
    )


def _typed(attribute: CategoryAttribute, values: list[str], tz: ZoneInfo):
    kind = CategoryAttribute.DataType
    if attribute.datatype == kind.MULTIVALUELIST:
        allowed = {str(item.get("key")) for item in attribute.values if isinstance(item, dict)}
        chosen = []
        for value in values:
            for item in value.split(",") if value not in allowed else [value]:
                if item.strip() not in allowed:
                    raise _bad_value(attribute)
                if item.strip() not in chosen:
                    chosen.append(item.strip())
        return chosen
    if len(values) > 1:
        raise Open311Error(
            400,
            gettext_noop("The attribute %(code)s takes one value."),
            {"code": attribute.code},
        )
    value = values[0]
    if attribute.datatype == kind.SINGLEVALUELIST:
        allowed = {str(item.get("key")) for item in attribute.values if isinstance(item, dict)}
        if value not in allowed:
            raise _bad_value(attribute)
        return value
    if attribute.datatype == kind.NUMBER:
        try:
            result = float(value)
        except ValueError:
            result = math.nan
        if not math.isfinite(result) or abs(result) > 1e15:
            raise _bad_value(attribute)
        return int(result) if result.is_integer() else result
    if attribute.datatype == kind.DATETIME:
        moment = parse_datetime(value, tz)
        if moment is None:
            raise _bad_value(attribute)
        return moment.isoformat()
    if attribute.datatype == kind.STRING and len(value) > 300:
        raise _bad_value(attribute)
    return value


def attributes(data, definition: list[CategoryAttribute], tz: ZoneInfo) -> dict:
    """The answers to a service's attributes, checked against its definition: required ones
    present, values of the right type and from the list. Unknown codes are refused."""
    raw = _raw_attributes(data)
    by_code = {attribute.code: attribute for attribute in definition if attribute.variable}
    unknown = sorted(set(raw) - set(by_code))
    if unknown:
        raise Open311Error(
            400,
            gettext_noop("This service has no attribute %(code)s."),
            {"code": unknown[0][:64]},
        )
    result = {}
    for code, attribute in by_code.items():
        values = raw.get(code, [])
        if not values:
            if attribute.required:
                raise Open311Error(
                    400,
                    gettext_noop("The attribute %(code)s is required."),
                    {"code": code},
                )
            continue
        result[code] = _typed(attribute, values, tz)
    return result
