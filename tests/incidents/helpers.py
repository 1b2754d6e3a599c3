"""Helpers of the incident tests: points in metres around Lipetsk, and incidents as values."""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

MSK = ZoneInfo("Europe/Moscow")
ORIGIN = (52.61, 39.59)
# A Monday morning, in the test calendar's range.
MORNING = datetime(2026, 11, 23, 7, 40, tzinfo=MSK)


def point(east_m: float = 0, north_m: float = 0) -> tuple[float, float]:
    """The point `east_m` metres east and `north_m` metres north of ORIGIN."""
    lat = ORIGIN[0] + north_m / 111_195
    lon = ORIGIN[1] + east_m / (111_195 * math.cos(math.radians(ORIGIN[0])))
    return lat, lon


def snapshot() -> list[tuple]:
    """Incidents as comparable values: topic, members, state, shape, title, alerts."""
    from otklik.incidents.models import Incident

    rows = []
    for incident in Incident.objects.order_by("first_appeal_at", "pk"):
        members = sorted(incident.members.values_list("appeal__number", flat=True))
        target = (
            sorted(incident.merged_into.members.values_list("appeal__number", flat=True))[:1]
            if incident.merged_into_id
            else []
        )
        rows.append(
            (
                incident.category_id,
                incident.state,
                tuple(members),
                tuple(target),
                round(incident.center_lat, 7),
                round(incident.center_lon, 7),
                incident.appeal_count,
                incident.address_count,
                incident.first_appeal_at,
                incident.last_appeal_at,
                incident.title,
                tuple(incident.alerts.values_list("step", "reason", "appeal_count")),
            )
        )
    return rows
