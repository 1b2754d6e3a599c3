"""Pure parts of incident detection: the rule of a category, the shape of a cluster, its title
and its growth steps. No database here; `services.py` feeds these functions."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from otklik.lib.geo import distance_m


@dataclass(frozen=True)
class Rule:
    """An appeal joins an incident of its topic whose centre is within `radius_m` and whose
    last appeal is at most `window` old; `min_appeals` loose appeals like that form one."""

    radius_m: float = 500
    window: timedelta = timedelta(hours=48)
    min_appeals: int = 3


DEFAULT_RULE = Rule()

# Growth alerts: step 0 at ALERT_FROM appeals, then each doubling (10, 20, 40 …). A step is
# announced when the growth is fast: BURST appeals within the last hour, or the incident at
# least doubled within DOUBLING_WINDOW.
ALERT_FROM = 5
BURST = 5
BURST_WINDOW = timedelta(hours=1)
DOUBLING_WINDOW = timedelta(hours=6)


@dataclass(frozen=True)
class Member:
    """What the shape of an incident needs of one appeal."""

    latitude: float
    longitude: float
    created_at: datetime
    address: str = ""
    municipality_id: int | None = None


@dataclass(frozen=True)
class Shape:
    center_lat: float
    center_lon: float
    radius_m: float
    first_at: datetime
    last_at: datetime
    count: int
    addresses: int
    municipality_id: int | None


_FLAT = re.compile(r"[,\s]*(кв\.?|квартира|офис|оф\.|комн\.?|комната)\s*\S+.*$", re.IGNORECASE)
_SPACES = re.compile(r"[\s,.]+")


def address_key(member: Member) -> str:
    """The building an appeal is about: its address without the flat, or its point to ~10 m."""
    address = _FLAT.sub("", (member.address or "").strip().lower()).replace("ё", "е")
    address = _SPACES.sub(" ", address).strip()
    if address:
        return address
    return f"{member.latitude:.4f},{member.longitude:.4f}"


def shape(members: Sequence[Member]) -> Shape:
    """Centre (mean point), radius (farthest member), times, counts, usual municipality."""
    if not members:
        raise ValueError("An incident has at least one appeal")
    lat = sum(m.latitude for m in members) / len(members)
    lon = sum(m.longitude for m in members) / len(members)
    radius = max(distance_m(lat, lon, m.latitude, m.longitude) for m in members)
    municipalities = Counter(m.municipality_id for m in members if m.municipality_id)
    # The most frequent municipality; ties go to the smallest id, so the result is stable.
    municipality = (
        min(municipalities, key=lambda pk: (-municipalities[pk], pk)) if municipalities else None
    )
    return Shape(
        center_lat=lat,
        center_lon=lon,
        radius_m=radius,
        first_at=min(m.created_at for m in members),
        last_at=max(m.created_at for m in members),
        count=len(members),
        addresses=len({address_key(m) for m in members}),
        municipality_id=municipality,
    )


def title(category: str, place: str, addresses: int, first_at: datetime, last_at: datetime, tz):
    """«Нет отопления: 14 домов, Сокол, с 07:40» (the date is added when not the same day)."""
    tz = ZoneInfo(tz) if isinstance(tz, str) else tz
    first, last = first_at.astimezone(tz), last_at.astimezone(tz)
    since = (
        _("since %(time)s") % {"time": f"{first:%H:%M}"}
        if first.date() == last.date()
        else _("since %(date)s %(time)s") % {"date": f"{first:%d.%m}", "time": f"{first:%H:%M}"}
    )
    buildings = ngettext("%(count)s building", "%(count)s buildings", addresses) % {
        "count": addresses
    }
    parts = [buildings, place, since] if place else [buildings, since]
    return f"{category}: {', '.join(parts)}"[:300]


def growth_step(count: int) -> int | None:
    """0 from ALERT_FROM appeals, 1 from twice that, 2 from four times …; None below."""
    if count < ALERT_FROM:
        return None
    return math.floor(math.log2(count / ALERT_FROM))


def growth_reason(created: Sequence[datetime], now: datetime) -> str | None:
    """ "burst", "doubling" or None for the arrival times of an incident's appeals at `now`."""
    recent = sum(1 for moment in created if now - BURST_WINDOW < moment <= now)
    if recent >= BURST:
        return "burst"
    before = sum(1 for moment in created if moment <= now - DOUBLING_WINDOW)
    total = sum(1 for moment in created if moment <= now)
    if total >= 2 * before and total - before >= 2:
        return "doubling"
    return None


def recent_count(created: Sequence[datetime], now: datetime) -> int:
    return sum(1 for moment in created if now - BURST_WINDOW < moment <= now)
