"""Dates as people read them: the day in the current time zone, in the active language's format."""

from __future__ import annotations

from datetime import datetime

from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime


def short_date(value: datetime | str | None) -> str:
    """«23.11.2026» for a moment or an ISO string (as event data keeps them); "" for nothing."""
    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        return ""
    return formats.date_format(timezone.localtime(moment), "SHORT_DATE_FORMAT")
