"""Distance and travel-time matrices between points: by road from OSRM's HTTP table API when
settings.OSRM_URL is set, straight line × a detour factor otherwise (and whenever OSRM fails,
so that planning works embedded with no server). No database.

Settings (read at call time): OSRM_URL (empty: no server), OSRM_TIMEOUT (seconds, 10),
INSPECTION_DETOUR_FACTOR (1.3: roads are about a third longer than the straight line in a
city), INSPECTION_SPEED_KMH (25: a van in town, stops at crossings included).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings

from otklik.lib.geo import distance_m

log = logging.getLogger(__name__)

DETOUR_FACTOR = 1.3
SPEED_KMH = 25.0
OSRM_TIMEOUT = 10.0
STRAIGHT = "straight"
OSRM = "osrm"

Point = tuple[float, float]  # (latitude, longitude)


@dataclass(frozen=True)
class Matrix:
    """metres[i][j] and seconds[i][j] from point i to point j, whole numbers."""

    metres: list[list[int]]
    seconds: list[list[int]]
    source: str  # STRAIGHT or OSRM
    note: str = ""  # why OSRM was not used, when it was configured


class OsrmError(Exception):
    pass


def straight_matrix(
    points: Sequence[Point], *, detour: float = DETOUR_FACTOR, speed_kmh: float = SPEED_KMH
) -> Matrix:
    """Great-circle distance × `detour`, driven at `speed_kmh`."""
    metres_per_second = speed_kmh / 3.6
    metres, seconds = [], []
    for lat1, lon1 in points:
        row = [round(distance_m(lat1, lon1, lat2, lon2) * detour) for lat2, lon2 in points]
        metres.append(row)
        seconds.append([round(m / metres_per_second) for m in row])
    return Matrix(metres, seconds, STRAIGHT)


def osrm_matrix(points: Sequence[Point], *, url: str, timeout: float = OSRM_TIMEOUT) -> Matrix:
    """The road distances and durations of OSRM's table service (`/table/v1/driving/…`).
    Raises OsrmError on any failure: no answer, a bad status, a malformed or partial table."""
    coordinates = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in points)
    # The URL is the operator's own setting (http or https), never a user's.
    request = urllib.request.Request(  # noqa: S310
        f"{url.rstrip('/')}/table/v1/driving/{coordinates}?annotations=distance,duration",
        headers={"Accept": "application/json", "User-Agent": "otklik-inspections"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = json.loads(response.read())
    except (OSError, ValueError, urllib.error.URLError) as exc:
        raise OsrmError(f"no table from {url}: {exc}") from exc
    if not isinstance(body, dict) or body.get("code") != "Ok":
        code = body.get("code") if isinstance(body, dict) else None
        raise OsrmError(f"OSRM answered {code!r}")
    distances, durations = body.get("distances"), body.get("durations")
    n = len(points)
    for table in (distances, durations):
        if not isinstance(table, list) or len(table) != n or any(len(r) != n for r in table):
            raise OsrmError("OSRM's table does not match the points")
    straight = None
    metres, seconds = [], []
    for i in range(n):
        metres.append([])
        seconds.append([])
        for j in range(n):
            m, s = distances[i][j], durations[i][j]
            if m is None or s is None:  # no route between the two: the straight line
                straight = straight or straight_matrix(points, **_straight_settings())
                m, s = straight.metres[i][j], straight.seconds[i][j]
            metres[i].append(round(float(m)))
            seconds[i].append(round(float(s)))
    return Matrix(metres, seconds, OSRM)


def _straight_settings() -> dict:
    return {
        "detour": float(getattr(settings, "INSPECTION_DETOUR_FACTOR", DETOUR_FACTOR)),
        "speed_kmh": float(getattr(settings, "INSPECTION_SPEED_KMH", SPEED_KMH)),
    }


def distance_matrix(points: Sequence[Point]) -> Matrix:
    """The matrix the settings ask for: OSRM's when a server is configured and answers, the
    straight-line estimate otherwise (a failure is logged and noted in the matrix)."""
    url = getattr(settings, "OSRM_URL", "") or ""
    if url and len(points) > 1:
        timeout = float(getattr(settings, "OSRM_TIMEOUT", OSRM_TIMEOUT))
        try:
            return osrm_matrix(points, url=url, timeout=timeout)
        except OsrmError as exc:
            log.warning("inspections: OSRM failed, straight-line distances used: %s", exc)
            fallback = straight_matrix(points, **_straight_settings())
            return Matrix(fallback.metres, fallback.seconds, STRAIGHT, note=str(exc))
    return straight_matrix(points, **_straight_settings())
